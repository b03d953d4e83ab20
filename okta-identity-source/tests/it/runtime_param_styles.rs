//! Parameter styles on the wire: every row of OpenAPI 3.0.3's style table
//! (<https://spec.openapis.org/oas/v3.0.3#style-examples>) for path, query
//! and header parameters, sent through real HTTP to a loopback server and
//! compared with the specification's examples. `color` is the string
//! "blue", the array ["blue","black","brown"] or the object
//! {"R":100,"G":200,"B":150}.

use crate::runtime_common as common;

use common::*;
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::__private::{Empty, Method, Operation, Style};
use serde::Serialize;

static COLORS: Operation = Operation {
    id: "getColors",
    method: Method::Get,
    path: "/colors/{color}",
    idempotent: true,
    scopes: &[],
};

static QUERY: Operation = Operation {
    id: "getQuery",
    method: Method::Get,
    path: "/query",
    idempotent: true,
    scopes: &[],
};

static POST_FORM: Operation = Operation {
    id: "postForm",
    method: Method::Post,
    path: "/form",
    idempotent: false,
    scopes: &[],
};

static TRACE: Operation = Operation {
    id: "traceEcho",
    method: Method::Trace,
    path: "/echo",
    idempotent: true,
    scopes: &[],
};

#[derive(Serialize)]
#[allow(non_snake_case)]
struct Rgb {
    R: u8,
    G: u8,
    B: u8,
}

const RGB: Rgb = Rgb {
    R: 100,
    G: 200,
    B: 150,
};
const ARRAY: [&str; 3] = ["blue", "black", "brown"];

#[derive(Clone, Copy, Debug)]
enum Value {
    Primitive,
    Array,
    Object,
}

async fn path_uri(server: &TestServer, style: Style, explode: bool, v: Value) -> String {
    let client = server.client();
    let call = client.__call::<Empty>(&COLORS);
    let call = match v {
        Value::Primitive => call.path_param_with("color", style, explode, "blue"),
        Value::Array => call.path_param_with("color", style, explode, &ARRAY),
        Value::Object => call.path_param_with("color", style, explode, &RGB),
    };
    call.await.unwrap();
    server.seen().last().unwrap().uri.clone()
}

async fn query_uri(server: &TestServer, style: Style, explode: bool, v: Value) -> String {
    let client = server.client();
    let call = client.__call::<Empty>(&QUERY);
    let call = match v {
        Value::Primitive => call.query_with("color", style, explode, false, "blue"),
        Value::Array => call.query_with("color", style, explode, false, &ARRAY),
        Value::Object => call.query_with("color", style, explode, false, &RGB),
    };
    call.await.unwrap();
    server.seen().last().unwrap().uri.clone()
}

#[tokio::test]
async fn path_styles_match_the_specification_table() {
    use Style::*;
    use Value::*;
    let server = TestServer::start(|_, _| Reply::empty(204)).await;
    let table = [
        (Matrix, false, Primitive, "/colors/;color=blue"),
        (Matrix, false, Array, "/colors/;color=blue,black,brown"),
        (Matrix, false, Object, "/colors/;color=R,100,G,200,B,150"),
        (Matrix, true, Primitive, "/colors/;color=blue"),
        (
            Matrix,
            true,
            Array,
            "/colors/;color=blue;color=black;color=brown",
        ),
        (Matrix, true, Object, "/colors/;R=100;G=200;B=150"),
        (Label, false, Primitive, "/colors/.blue"),
        (Label, false, Array, "/colors/.blue.black.brown"),
        (Label, false, Object, "/colors/.R.100.G.200.B.150"),
        (Label, true, Primitive, "/colors/.blue"),
        (Label, true, Array, "/colors/.blue.black.brown"),
        (Label, true, Object, "/colors/.R=100.G=200.B=150"),
        (Simple, false, Primitive, "/colors/blue"),
        (Simple, false, Array, "/colors/blue,black,brown"),
        (Simple, false, Object, "/colors/R,100,G,200,B,150"),
        (Simple, true, Primitive, "/colors/blue"),
        (Simple, true, Array, "/colors/blue,black,brown"),
        (Simple, true, Object, "/colors/R=100,G=200,B=150"),
    ];
    for (style, explode, value, want) in table {
        let got = path_uri(&server, style, explode, value).await;
        assert_eq!(got, want, "{style:?} explode={explode} {value:?}");
    }
}

#[tokio::test]
async fn query_styles_match_the_specification_table() {
    use Style::*;
    use Value::*;
    let server = TestServer::start(|_, _| Reply::empty(204)).await;
    let table = [
        (Form, false, Primitive, "/query?color=blue"),
        (Form, false, Array, "/query?color=blue,black,brown"),
        (Form, false, Object, "/query?color=R,100,G,200,B,150"),
        (Form, true, Primitive, "/query?color=blue"),
        (
            Form,
            true,
            Array,
            "/query?color=blue&color=black&color=brown",
        ),
        (Form, true, Object, "/query?R=100&G=200&B=150"),
        (
            SpaceDelimited,
            false,
            Array,
            "/query?color=blue%20black%20brown",
        ),
        (
            SpaceDelimited,
            false,
            Object,
            "/query?color=R%20100%20G%20200%20B%20150",
        ),
        (PipeDelimited, false, Array, "/query?color=blue|black|brown"),
        (
            PipeDelimited,
            false,
            Object,
            "/query?color=R|100|G|200|B|150",
        ),
        (
            DeepObject,
            true,
            Object,
            "/query?color[R]=100&color[G]=200&color[B]=150",
        ),
    ];
    for (style, explode, value, want) in table {
        let got = query_uri(&server, style, explode, value).await;
        assert_eq!(got, want, "{style:?} explode={explode} {value:?}");
    }
}

#[tokio::test]
async fn headers_values_and_reserved_characters() {
    let server = TestServer::start(|_, _| Reply::empty(204)).await;
    let client = server.client();
    client
        .__call::<Empty>(&QUERY)
        .header_param_with("X-Exploded", true, &RGB)
        .header_param_with("X-Plain", false, &RGB)
        .header_param("X-Array", &ARRAY)
        .query_with("enc", Style::Form, false, false, &["a,b", "c d", "é"])
        .query_with("raw", Style::Form, true, true, "a/b?c")
        .await
        .unwrap();
    let seen = server.seen();
    let r = seen.last().unwrap();
    assert_eq!(r.header("x-exploded"), Some("R=100,G=200,B=150"));
    assert_eq!(r.header("x-plain"), Some("R,100,G,200,B,150"));
    assert_eq!(r.header("x-array"), Some("blue,black,brown"));
    // Delimiters stay literal; a comma inside a value is escaped.
    assert_eq!(r.uri, "/query?enc=a%2Cb,c%20d,%C3%A9&raw=a/b?c");
}

#[tokio::test]
async fn form_bodies_repeat_arrays_and_send_objects_as_json() {
    #[derive(Serialize)]
    struct Token {
        grant_type: &'static str,
        scope: Vec<&'static str>,
        claims: serde_json::Value,
        absent: Option<u8>,
    }
    let server = TestServer::start(|_, _| Reply::empty(204)).await;
    let body = Token {
        grant_type: "client_credentials",
        scope: vec!["a.read", "b write"],
        claims: serde_json::json!({"k": 1}),
        absent: None,
    };
    server
        .client()
        .__call::<Empty>(&POST_FORM)
        .form_body(&body)
        .await
        .unwrap();
    let seen = server.seen();
    let r = seen.last().unwrap();
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        "grant_type=client_credentials&scope=a.read&scope=b+write&claims=%7B%22k%22%3A1%7D"
    );
}

#[tokio::test]
async fn trace_is_sent_as_trace() {
    let server = TestServer::start(|_, _| Reply::empty(200)).await;
    server.client().__call::<Empty>(&TRACE).await.unwrap();
    assert_eq!(server.seen().last().unwrap().method, "TRACE");
}

//! One call of an operation: its description, the builder generated code
//! fills in, the response decoders and the typed response.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::{Body, Client, Prepared};
use super::encode;
use super::error::{Error, Result};
use super::rate_limit::RateLimit;

/// HTTP method of an [`Operation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
    /// `TRACE`
    Trace,
}

impl Method {
    /// The method name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
        }
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
            Method::Options => reqwest::Method::OPTIONS,
            Method::Trace => reqwest::Method::TRACE,
        }
    }
}

/// The static description of an API operation, declared by generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`, used in tracing spans.
    pub id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template relative to the org URL, with `{name}` placeholders.
    pub path: &'static str,
    /// Whether sending the request twice has the effect of sending it once.
    /// Only idempotent operations are retried after 503, 504 or a
    /// connection failure (a 429 means the request was not processed, so
    /// it is retried for every operation).
    pub idempotent: bool,
    /// OAuth 2.0 scopes the operation requires (informational; the token
    /// is requested with the scopes of the configuration).
    pub scopes: &'static [&'static str],
}

/// Turns a success response into the operation's return value: a marker
/// naming one of the decoders of `decode` (the runtime's own tests
/// describe calls by hand with it).
pub trait Decode: Send + 'static {
    /// What a successful call returns.
    type Output: Send + 'static;

    /// Decodes a 2xx response.
    fn decode(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Result<Self::Output>;
}

/// Decodes a JSON body into `T`.
pub struct Json<T>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned + Send + 'static> Decode for Json<T> {
    type Output = T;

    fn decode(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Result<T> {
        decode::json(status, headers, body)
    }
}

/// Ignores the body (202, 204 and other responses without content).
pub struct Empty;

impl Decode for Empty {
    type Output = ();

    fn decode(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Result<()> {
        decode::empty(status, headers, body)
    }
}

/// Returns the body as text (invalid UTF-8 is a decode error).
pub struct Text;

impl Decode for Text {
    type Output = String;

    fn decode(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Result<String> {
        decode::text(status, headers, body)
    }
}

/// Returns the body as bytes.
pub struct Binary;

impl Decode for Binary {
    type Output = Bytes;

    fn decode(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Result<Bytes> {
        decode::binary(status, headers, body)
    }
}

/// How a call turns a 2xx response into its value; chosen when the call is
/// built (generated code names one of [`decode`]'s functions).
pub type DecodeFn<T> = fn(StatusCode, &HeaderMap, Bytes) -> Result<T>;

/// The decoders of success responses, one per kind of response the
/// generator knows. Generated code passes one to `Client::call`; the output
/// type is inferred from the operation's return type.
pub mod decode {
    use bytes::Bytes;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;
    use serde::de::DeserializeOwned;

    use super::super::error::{Error, Result, excerpt, request_id_of};

    /// A JSON body decoded as `T` (an empty body is a decode error).
    pub fn json<T: DeserializeOwned>(
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<T> {
        let fail = |message: String| Error::Decode {
            status,
            message,
            excerpt: excerpt(&body),
            request_id: request_id_of(headers),
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(fail("expected a JSON body, got an empty one".to_owned()));
        }
        serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))
    }

    /// No value: the body (202, 204 and other responses without content)
    /// is ignored.
    pub fn empty(_: StatusCode, _: &HeaderMap, _: Bytes) -> Result<()> {
        Ok(())
    }

    /// The body as text (invalid UTF-8 is a decode error).
    pub fn text(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Result<String> {
        String::from_utf8(body.to_vec()).map_err(|e| Error::Decode {
            status,
            message: e.to_string(),
            excerpt: excerpt(&body),
            request_id: request_id_of(headers),
        })
    }

    /// The body as bytes.
    pub fn binary(_: StatusCode, _: &HeaderMap, body: Bytes) -> Result<Bytes> {
        Ok(body)
    }
}

/// A successful response: the typed value plus status and headers.
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: StatusCode,
    headers: HeaderMap,
    value: T,
}

impl<T> Response<T> {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, value: T) -> Self {
        Self {
            status,
            headers,
            value,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// `X-Okta-Request-Id`.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-okta-request-id")
            .and_then(|v| v.to_str().ok())
    }

    /// `X-Rate-Limit-*` figures.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }

    /// The typed value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// Status, headers and value.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, T) {
        (self.status, self.headers, self.value)
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// The request of one call as generated code describes it: the operation,
/// its encoded parameters and body. Each parameter is encoded when it is
/// set; one that cannot be is remembered and returned as
/// [`Error::InvalidInput`] when the call is sent, and nothing reaches the
/// wire. Setting a query or header parameter again replaces its value.
pub struct Request {
    pub(crate) op: &'static Operation,
    pub(crate) path_params: Vec<(&'static str, String)>,
    /// Set by pagination: an already encoded path from a `Link` header.
    pub(crate) raw_path: Option<String>,
    /// Already percent-encoded name/value pairs, in order, each with the
    /// parameter it encodes (`""` for pairs taken from a `Link` header).
    pub(crate) query: Vec<(&'static str, String, String)>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Option<Body>,
    pub(crate) error: Option<Error>,
}

impl Request {
    /// A request of `op` with no parameters yet.
    pub fn new(op: &'static Operation) -> Self {
        Request {
            op,
            path_params: Vec::new(),
            raw_path: None,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            error: None,
        }
    }

    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Sets a string path parameter, percent-encoded as one path segment.
    /// `""`, `"."` and `".."` are refused.
    pub fn path_param(mut self, name: &'static str, value: &str) -> Self {
        match encode::path_segment(name, value) {
            Ok(v) => self.path_params.push((name, v)),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sets a non-string path parameter (rendered like a query value).
    pub fn path_param_value<V: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        value: &V,
    ) -> Self {
        match encode::simple_value(name, value) {
            Ok(Some(v)) => return self.path_param(name, &v),
            Ok(None) => self.fail(Error::invalid_input(format!(
                "path parameter `{name}` must not be null"
            ))),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sets a path parameter serialized as OpenAPI's `style` (`Simple`,
    /// `Label`, `Matrix`) and `explode` say (`blue,black`, `.blue.black`,
    /// `;color=blue,black`…), percent-encoded.
    pub fn path_param_with<V: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        style: encode::Style,
        explode: bool,
        value: &V,
    ) -> Self {
        match encode::path_styled(name, style, explode, value) {
            Ok(v) => self.path_params.push((name, v)),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sets a query parameter in OpenAPI's default style (`form`,
    /// `explode: true`): `None`/null is skipped, a scalar is one
    /// `name=value`, an array repeats the parameter, an object sends one
    /// pair per property.
    pub fn query<V: Serialize + ?Sized>(self, name: &'static str, value: &V) -> Self {
        self.query_with(name, encode::Style::Form, true, false, value)
    }

    /// Sets a query parameter serialized as OpenAPI's `style` and `explode`
    /// say (`color=blue,black`, `color=blue&color=black`,
    /// `color=blue%20black`, `color=blue|black`, `color[R]=100`);
    /// `allow_reserved` leaves reserved characters in values unencoded.
    pub fn query_with<V: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        style: encode::Style,
        explode: bool,
        allow_reserved: bool,
        value: &V,
    ) -> Self {
        match encode::query_styled(name, style, explode, allow_reserved, value) {
            Ok(pairs) => {
                self.query.retain(|(param, _, _)| *param != name);
                self.query
                    .extend(pairs.into_iter().map(|(k, v)| (name, k, v)));
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sets a header parameter of the operation (`None`/null skipped,
    /// arrays joined with commas, CR/LF refused).
    pub fn header_param<V: Serialize + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        match encode::simple_value(name, value) {
            Ok(Some(v)) => return self.header(name, &v),
            Ok(None) => {}
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sets a header parameter in `simple` style with `explode` (which only
    /// changes objects: `R=100,G=200` rather than `R,100,G,200`).
    pub fn header_param_with<V: Serialize + ?Sized>(
        mut self,
        name: &'static str,
        explode: bool,
        value: &V,
    ) -> Self {
        match encode::header_styled(name, explode, value) {
            Ok(Some(v)) => return self.header(name, &v),
            Ok(None) => {}
            Err(e) => self.fail(e),
        }
        self
    }

    /// Sets a header (replacing one of the same name set before). Invalid
    /// names and values, CR or LF, and `Authorization` are refused.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        if value.contains(['\r', '\n']) {
            self.fail(Error::invalid_input(format!(
                "header `{name}` must not contain CR or LF"
            )));
            return self;
        }
        let name_parsed = HeaderName::from_bytes(name.as_bytes());
        let value_parsed = HeaderValue::from_str(value);
        match (name_parsed, value_parsed) {
            (Ok(n), Ok(v)) => {
                if n == reqwest::header::AUTHORIZATION {
                    self.fail(Error::invalid_input(
                        "the Authorization header is set by the client's authentication",
                    ));
                } else {
                    self.headers.retain(|(old, _)| *old != n);
                    self.headers.push((n, v));
                }
            }
            (Err(_), _) => self.fail(Error::invalid_input(format!(
                "invalid header name {name:?}"
            ))),
            (_, Err(_)) => self.fail(Error::invalid_input(format!(
                "invalid value for header `{name}`"
            ))),
        }
        self
    }

    /// Serializes `body` as the JSON request body (now; an error is
    /// returned when the call is sent).
    pub fn json_body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(Body {
                    content_type: HeaderValue::from_static("application/json"),
                    bytes: Bytes::from(bytes),
                })
            }
            Err(e) => self.fail(Error::invalid_input(format!(
                "request body cannot be serialized: {e}"
            ))),
        }
        self
    }

    /// Like [`Request::json_body`]; `None` sends no body.
    pub fn json_body_opt<B: Serialize + ?Sized>(self, body: Option<&B>) -> Self {
        match body {
            Some(b) => self.json_body(b),
            None => self,
        }
    }

    /// Serializes `body` as an `application/x-www-form-urlencoded` body
    /// (OpenAPI's form defaults: an array repeats its name, an object
    /// property is sent as JSON text).
    pub fn form_body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match encode::form_body(body) {
            Ok(text) => {
                self.body = Some(Body {
                    content_type: HeaderValue::from_static("application/x-www-form-urlencoded"),
                    bytes: Bytes::from(text),
                })
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// Like [`Request::form_body`]; `None` sends no body.
    pub fn form_body_opt<B: Serialize + ?Sized>(self, body: Option<&B>) -> Self {
        match body {
            Some(b) => self.form_body(b),
            None => self,
        }
    }

    /// Sends `body` as is with the given content type (binary uploads,
    /// `text/plain`, `multipart/form-data` with the caller's boundary…). A
    /// content type that is not a valid header value is an
    /// [`Error::InvalidInput`].
    pub fn bytes_body(mut self, content_type: &str, body: Bytes) -> Self {
        match HeaderValue::from_str(content_type) {
            Ok(content_type) => {
                self.body = Some(Body {
                    content_type,
                    bytes: body,
                })
            }
            Err(_) => self.fail(Error::invalid_input(
                "the content type is not a valid header value".to_owned(),
            )),
        }
        self
    }

    /// The query pairs, in order.
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .map(|(_, k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A call of one operation, ready to send: `T` is what it returns
/// (`Call<IdentitySourceSession, _>`, `Call<(), _>`…), `O` names the
/// operation (a type of [`crate::operations`]).
///
/// Await it (`call.await?`), or use [`Call::send`] or
/// [`Call::send_with_response`] (which also gives the status, headers,
/// request id and rate-limit figures). Before sending, set the operation's
/// optional parameters with their methods (`.limit(200)`, `.after(cursor)`,
/// listed on each operation's [`Call`] type), a per-call
/// [`timeout`](Call::timeout) or an extra [`header`](Call::header). A
/// paginated operation's call also has `paginate()`: a stream of every item
/// of every page.
///
/// Because every operation has its own `O`, a release that adds an
/// optional parameter to an operation only adds a method to its call: code
/// that awaits or sends the call, or names its type, still compiles.
///
/// A parameter that cannot be encoded is remembered and returned as
/// [`Error::InvalidInput`] when the call is sent; nothing reaches the wire.
#[must_use = "a Call does nothing until it is awaited or sent"]
pub struct Call<T, O = ()> {
    client: Client,
    pub(crate) request: Request,
    timeout: Option<Duration>,
    decode: DecodeFn<T>,
    _operation: PhantomData<fn() -> O>,
}

impl<T, O> std::fmt::Debug for Call<T, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.request.op.id)
            .field("path_params", &self.request.path_params)
            .field("query", &self.request.query_pairs())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<T, O> Call<T, O> {
    pub(crate) fn new(client: Client, request: Request, decode: DecodeFn<T>) -> Self {
        Call {
            client,
            request,
            timeout: None,
            decode,
            _operation: PhantomData,
        }
    }

    /// Adds a custom header to this call (after the client's default
    /// headers, replacing one of the same name). Invalid names and values,
    /// including CR or LF, and `Authorization` are refused when the call is
    /// sent.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// Overrides the total deadline of this call, retries included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The spec's `operationId` of the operation this call sends (also the
    /// name of its tracing span).
    pub fn operation_id(&self) -> &'static str {
        self.request.op.id
    }

    /// Sends the call and returns the typed value.
    pub async fn send(self) -> Result<T> {
        self.send_with_response().await.map(Response::into_inner)
    }

    /// Sends the call and returns the typed value with status and headers.
    pub async fn send_with_response(self) -> Result<Response<T>> {
        let decode = self.decode;
        let (client, prepared) = self.prepare()?;
        let raw = client.execute(prepared).await?;
        let value = decode(raw.status, &raw.headers, raw.body)?;
        Ok(Response::new(raw.status, raw.headers, value))
    }

    fn prepare(self) -> Result<(Client, Prepared)> {
        let request = self.request;
        if let Some(e) = request.error {
            return Err(e);
        }
        let path = match request.raw_path {
            Some(p) => p,
            None => encode::fill_template(request.op.path, &request.path_params)?,
        };
        Ok((
            self.client,
            Prepared {
                operation: request.op.id,
                method: request.op.method.to_reqwest(),
                template: request.op.path,
                idempotent: request.op.idempotent,
                path,
                query: request.query.into_iter().map(|(_, k, v)| (k, v)).collect(),
                headers: request.headers,
                body: request.body,
                timeout: self.timeout,
            },
        ))
    }

    /// A call of the same operation with the same headers, body and
    /// timeout, for another (already encoded) path and query. Used by
    /// pagination.
    pub(crate) fn follow(&self, path: String, query: Vec<(String, String)>) -> Self {
        let mut request = Request::new(self.request.op);
        request.raw_path = Some(path);
        request.query = query.into_iter().map(|(k, v)| ("", k, v)).collect();
        request.headers = self.request.headers.clone();
        request.body = self.request.body.clone();
        Call {
            client: self.client.clone(),
            request,
            timeout: self.timeout,
            decode: self.decode,
            _operation: PhantomData,
        }
    }
}

impl Client {
    /// A call of `request`, decoded by `decode`; every generated operation
    /// ends with this (unused in a crate generated from a spec without
    /// operations).
    #[allow(dead_code)]
    pub(crate) fn call<T, O>(&self, request: Request, decode: DecodeFn<T>) -> Call<T, O> {
        Call::new(self.clone(), request, decode)
    }

    /// Starts a call of an operation described by hand. Not a stable API:
    /// it exists for the runtime's own tests. Prefer the generated methods.
    #[doc(hidden)]
    pub fn __call<D: Decode>(&self, op: &'static Operation) -> Call<D::Output> {
        Call::new(self.clone(), Request::new(op), D::decode)
    }
}

impl<T: Send + 'static, O: 'static> IntoFuture for Call<T, O> {
    type Output = Result<T>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Thing {
        id: String,
    }

    #[test]
    fn json_decoder_never_panics() {
        let h = HeaderMap::new();
        let ok = Json::<Thing>::decode(StatusCode::OK, &h, Bytes::from_static(br#"{"id":"a"}"#));
        assert_eq!(ok.ok(), Some(Thing { id: "a".into() }));
        for body in [&b""[..], b"  ", b"<html>", b"{\"id\":1}", b"[1,2"] {
            match Json::<Thing>::decode(StatusCode::CREATED, &h, Bytes::copy_from_slice(body)) {
                Err(Error::Decode {
                    status, excerpt, ..
                }) => {
                    assert_eq!(status, StatusCode::CREATED);
                    assert_eq!(excerpt.as_bytes(), body);
                }
                other => panic!("expected a decode error for {body:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn other_decoders() {
        let h = HeaderMap::new();
        assert!(Empty::decode(StatusCode::ACCEPTED, &h, Bytes::from_static(b"junk")).is_ok());
        assert_eq!(
            Text::decode(StatusCode::OK, &h, Bytes::from_static(b"hi"))
                .ok()
                .as_deref(),
            Some("hi")
        );
        assert!(matches!(
            Text::decode(StatusCode::OK, &h, Bytes::from_static(&[0xff])),
            Err(Error::Decode { .. })
        ));
        assert_eq!(
            Binary::decode(StatusCode::OK, &h, Bytes::from_static(&[1, 2])).ok(),
            Some(Bytes::from_static(&[1, 2]))
        );
    }
}

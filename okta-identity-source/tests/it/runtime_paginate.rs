//! Pagination over `Link: <…>; rel="next"` with the memberships shape of
//! the upstream IdentitySource tag (`after` cursor plus `limit`).

use crate::runtime_common as common;

use common::*;
use futures_util::{StreamExt, TryStreamExt};
use okta_identity_source::__private::RawCall as _;
use okta_identity_source::__private::{Json, paginate};
use okta_identity_source::Error;
use serde_json::json;

#[derive(Debug, serde::Deserialize, PartialEq)]
struct Member {
    id: String,
}

fn members(ids: &[&str]) -> serde_json::Value {
    json!(ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>())
}

fn list(client: &okta_identity_source::Client) -> okta_identity_source::Call<Vec<Member>> {
    client
        .__call::<Json<Vec<Member>>>(&LIST_MEMBERSHIPS)
        .path_param("identitySourceId", "0oa1")
        .path_param("groupOrExternalId", "grp 1")
        .query("limit", &Some(2))
        .query("after", &None::<String>)
        .header("X-Page-Test", "kept")
}

#[tokio::test]
async fn follows_next_links_and_keeps_the_original_query() {
    let server = TestServer::start(|n, req| {
        let base = "/api/v1/identity-sources/0oa1/groups/grp%201/membership";
        match n {
            0 => Reply::json(200, members(&["u1", "u2"]))
                .header(
                    "link",
                    format!("<http://elsewhere.example{base}?limit=2>; rel=\"self\""),
                )
                // the link omits `limit`: it must be carried over
                .header(
                    "link",
                    format!("<https://elsewhere.example{base}?after=c%2F2>; rel=\"next\""),
                ),
            1 => Reply::json(200, members(&["u3", "u4"]))
                .header("link", format!("<{base}?after=c4&limit=2>; rel=\"next\"")),
            2 => Reply::json(200, members(&["u5"]))
                .header("link", format!("<{}{base}?limit=2>; rel=\"self\"", req.uri)),
            _ => Reply::json(500, json!({})),
        }
    })
    .await;
    let client = server.client();
    let all: Vec<Member> = paginate(list(&client)).try_collect().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["u1", "u2", "u3", "u4", "u5"]);

    let seen = server.seen();
    let uris: Vec<&str> = seen.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "/api/v1/identity-sources/0oa1/groups/grp%201/membership?limit=2",
            "/api/v1/identity-sources/0oa1/groups/grp%201/membership?after=c%2F2&limit=2",
            "/api/v1/identity-sources/0oa1/groups/grp%201/membership?after=c4&limit=2",
        ]
    );
    // every page went to the org (not the link's host), with auth and custom headers
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == Some(format!("SSWS {TOKEN}").as_str()))
    );
    assert!(seen.iter().all(|r| r.header("x-page-test") == Some("kept")));
}

#[tokio::test]
async fn a_single_page_without_link_and_an_empty_list() {
    let server = TestServer::start(|n, _| match n {
        0 => Reply::json(200, members(&["only"])),
        _ => Reply::json(200, json!([])),
    })
    .await;
    let client = server.client();
    let all: Vec<Member> = paginate(list(&client)).try_collect().await.unwrap();
    assert_eq!(all, [Member { id: "only".into() }]);
    let none: Vec<Member> = paginate(list(&client)).try_collect().await.unwrap();
    assert!(none.is_empty());
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn an_error_page_ends_the_stream_after_the_items_before_it() {
    let server = TestServer::start(|n, _| match n {
        0 => Reply::json(200, members(&["u1"]))
            .header("link", "</api/v1/next?after=x>; rel=\"next\""),
        _ => Reply::json(404, okta_error("E0000007", "Not found: group")),
    })
    .await;
    let client = server.client();
    let items: Vec<Result<Member, Error>> = paginate(list(&client)).collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().ok(), Some(&Member { id: "u1".into() }));
    assert_eq!(
        items[1].as_ref().err().and_then(|e| e.okta_error_code()),
        Some("E0000007")
    );
    assert_eq!(server.seen()[1].uri, "/api/v1/next?after=x&limit=2");
}

#[tokio::test]
async fn a_link_back_to_the_same_page_stops_instead_of_looping() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, members(&["u1"]))
            .header("link", "</api/v1/loop?after=same&limit=2>; rel=\"next\"")
    })
    .await;
    let client = server.client();
    let all: Vec<Member> = paginate(list(&client)).try_collect().await.unwrap();
    assert_eq!(all.len(), 2, "the first page and the linked page once");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn the_stream_is_lazy_and_send() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, members(&["a", "b"]))
            .header("link", "</api/v1/more?after=z>; rel=\"next\"")
    })
    .await;
    let client = server.client();
    let stream = paginate(list(&client));
    let first_two: Vec<Member> =
        tokio::spawn(async move { stream.take(2).try_collect::<Vec<_>>().await })
            .await
            .unwrap()
            .unwrap();
    assert_eq!(first_two.len(), 2);
    assert_eq!(
        server.seen().len(),
        1,
        "the second page is not fetched until needed"
    );
}

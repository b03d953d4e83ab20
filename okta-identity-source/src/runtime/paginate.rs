//! A stream over every item of a paginated list (`Link: <…>; rel="next"`).

use std::collections::VecDeque;

use futures_util::Stream;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

use super::call::Call;
use super::error::{Error, Result};

/// Follows `Link: <…>; rel="next"` headers and yields every item of every
/// page. The next page keeps the original query parameters that the link
/// does not set itself (as the Go SDK does), and is always requested from
/// the client's org URL: only the path and query of the link are used, so
/// credentials never go to another host. Stops after the first error, when
/// a page has no `next` link, or when a link points back to the same page.
pub fn paginate<T, O>(
    call: Call<Vec<T>, O>,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    O: 'static,
{
    paginate_with(call, |page: Vec<T>| page)
}

/// [`paginate`] for a list wrapped in an object: each page decodes as `P`
/// and `items` takes the list out of it (the generator emits this for an
/// operation whose response is an object with one array property, such as
/// `{"memberExternalIds": [...]}`).
pub fn paginate_with<P, T, F, O>(
    call: Call<P, O>,
    items: F,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    P: Send + 'static,
    T: Send + 'static,
    F: Fn(P) -> Vec<T> + Send + 'static,
    O: 'static,
{
    struct State<P, T, F, O> {
        next: Option<Call<P, O>>,
        items: VecDeque<T>,
        extract: F,
    }
    let state = State {
        next: Some(call),
        items: VecDeque::new(),
        extract: items,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.items.pop_front() {
                return Some((Ok(item), state));
            }
            let call = state.next.take()?;
            let current_query = call.request.query_pairs();
            let current_path = call.request.raw_path.clone();
            let template = call.follow(String::new(), Vec::new());
            match call.send_with_response().await {
                Err(e) => return Some((Err(e), state)),
                Ok(response) => {
                    if let Some((path, query)) = next_link(response.headers()) {
                        let merged = merge_query(&current_query, query);
                        let same = current_path.as_deref() == Some(path.as_str())
                            && merged == current_query;
                        if !same {
                            state.next = Some(template.follow(path, merged));
                        }
                    }
                    let page = (state.extract)(response.into_inner());
                    state.items.extend(page);
                }
            }
        }
    })
}

/// The path and query pairs of the `rel="next"` link, if any.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<(String, Vec<(String, String)>)> {
    let base = Url::parse("http://placeholder.invalid/").ok()?;
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        for link in split_links(value) {
            let Some((target, params)) = parse_link(link) else {
                continue;
            };
            let is_next = params.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case("rel")
                    && v.split_whitespace().any(|r| r.eq_ignore_ascii_case("next"))
            });
            if !is_next {
                continue;
            }
            let Ok(url) = base.join(target) else { continue };
            // Kept encoded, as the server wrote them (`expand=a,b` stays one
            // value with literal commas).
            let query = url
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.to_owned(), v.to_owned()),
                    None => (p.to_owned(), String::new()),
                })
                .collect();
            return Some((url.path().to_owned(), query));
        }
    }
    None
}

/// Splits a `Link` header into its links (commas inside `<…>` or quotes do
/// not split).
fn split_links(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut in_angle, mut in_quote, mut start) = (false, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            '"' if !in_angle => in_quote = !in_quote,
            ',' if !in_angle && !in_quote => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

fn parse_link(link: &str) -> Option<(&str, Vec<(String, String)>)> {
    let link = link.trim();
    let rest = link.strip_prefix('<')?;
    let end = rest.find('>')?;
    let target = &rest[..end];
    let params = rest[end + 1..]
        .split(';')
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        })
        .collect();
    Some((target, params))
}

/// The link's query, plus every original parameter whose name the link
/// does not set.
fn merge_query(
    original: &[(String, String)],
    link: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut merged = link;
    let link_keys: Vec<String> = merged.iter().map(|(k, _)| k.clone()).collect();
    for (k, v) in original {
        if !link_keys.contains(k) {
            merged.push((k.clone(), v.clone()));
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.append("link", v);
            }
        }
        h
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn finds_next_among_links() {
        let h = headers(&[
            r#"<https://x.okta.com/api/v1/groups/g1/membership?limit=2>; rel="self""#,
            r#"<https://x.okta.com/api/v1/groups/g1/membership?after=abc%3D&limit=2>; rel="next""#,
        ]);
        assert_eq!(
            next_link(&h),
            Some((
                "/api/v1/groups/g1/membership".to_owned(),
                pairs(&[("after", "abc%3D"), ("limit", "2")])
            ))
        );
        let h = headers(&[r#"<https://x/a?after=1>; rel="self", </a?after=2>; rel=next"#]);
        assert_eq!(
            next_link(&h),
            Some(("/a".to_owned(), pairs(&[("after", "2")])))
        );
        assert_eq!(next_link(&headers(&[r#"<https://x/a>; rel="self""#])), None);
        assert_eq!(
            next_link(&headers(&["garbage", "<unterminated; rel=next"])),
            None
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn keeps_original_query_the_link_does_not_set() {
        let original = pairs(&[("limit", "200"), ("filter", "x"), ("after", "old")]);
        let merged = merge_query(&original, pairs(&[("after", "new")]));
        assert_eq!(
            merged,
            pairs(&[("after", "new"), ("limit", "200"), ("filter", "x")])
        );
    }
}

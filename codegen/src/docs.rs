//! Spec prose → rustdoc lines that render well and never compile as doctests.

/// Clean one block of Markdown from the spec into doc lines:
/// - fenced code blocks without a language become ```` ```text ```` (and any
///   fence that is not plainly Rust is tagged `text`), so rustdoc never tries to
///   compile spec snippets;
/// - indentation outside fences is removed (four spaces would otherwise start
///   an indented code block, which rustdoc compiles as a doctest);
/// - bare URLs become `<url>` autolinks;
/// - brackets that are not a Markdown link are escaped, so they are not read
///   as broken intra-doc links.
pub fn clean(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    // Width of the current list item's marker, so continuation lines are
    // indented under it instead of being lazy continuations.
    let mut list_indent: Option<usize> = None;
    // Inside a `>` block quote, continuation lines get the marker too.
    let mut in_quote = false;
    for raw in join_split_links(text) {
        let raw = raw.as_str();
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(lang) = trimmed.strip_prefix("```") {
            if in_fence {
                out.push(String::from("```"));
            } else {
                let lang = lang.trim();
                let tag = if lang.is_empty() || lang != "rust" {
                    "text"
                } else {
                    "ignore"
                };
                out.push(format!("```{tag}"));
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_string());
            continue;
        }
        if trimmed.is_empty() {
            list_indent = None;
            in_quote = false;
            out.push(String::new());
            continue;
        }
        if trimmed.starts_with('>') {
            in_quote = true;
            out.push(inline(trimmed));
        } else if in_quote {
            out.push(format!("> {}", inline(trimmed)));
        } else if let Some(width) = list_marker(trimmed) {
            list_indent = Some(width);
            out.push(inline(trimmed));
        } else if let Some(width) = list_indent {
            out.push(format!("{}{}", " ".repeat(width), inline(trimmed)));
        } else {
            out.push(inline(trimmed));
        }
    }
    // No trailing blank lines.
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    if in_fence {
        out.push(String::from("```"));
    }
    out
}

/// `- `, `*   `, `+ ` or `12. ` at the start of a line: the width up to the
/// item's text (CommonMark: the marker and one to four spaces; five or
/// more start an indented code block after one).
fn list_marker(line: &str) -> Option<usize> {
    let marker = if line.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || !line[digits..].starts_with(['.', ')']) {
            return None;
        }
        digits + 1
    };
    let spaces = line[marker..].chars().take_while(|c| *c == ' ').count();
    match spaces {
        0 => None,
        1..=4 if line.len() > marker + spaces => Some(marker + spaces),
        _ => Some(marker + 1),
    }
}

/// The lines of `text`, with a line that opens a Markdown link (`[text`)
/// joined to the lines that close it (`more](url)`), so the link survives
/// line-by-line cleaning; code fences are left as they are.
fn join_split_links(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            out.push(line.to_string());
            continue;
        }
        let mut joined = line.to_string();
        if !in_fence && unclosed_bracket(&joined) {
            // The link closes (`](`) within the next few non-blank lines.
            let end = lines[i..]
                .iter()
                .take(4)
                .take_while(|l| !l.trim().is_empty() && !l.trim_start().starts_with("```"))
                .position(|l| l.contains("]("));
            if let Some(end) = end {
                for next in &lines[i..=i + end] {
                    joined.push(' ');
                    joined.push_str(next.trim());
                }
                i += end + 1;
            }
        }
        out.push(joined);
    }
    out
}

/// Whether `line` ends inside `[…` outside code spans, with a `](`
/// nowhere after it (the link's rest must be on a following line).
fn unclosed_bracket(line: &str) -> bool {
    let mut depth = 0usize;
    let mut in_code = false;
    for c in line.chars() {
        match c {
            '`' => in_code = !in_code,
            '[' if !in_code => depth += 1,
            ']' if !in_code => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth > 0
}

fn inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut in_code = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
            continue;
        }
        if in_code {
            out.push(c);
            i += 1;
            continue;
        }
        // Bare URL → <url>, unless already inside (...) of a link or <...>.
        if starts_with_at(&chars, i, "http://") || starts_with_at(&chars, i, "https://") {
            let prev = if i > 0 { chars[i - 1] } else { ' ' };
            let end = url_end(&chars, i);
            let url: String = chars[i..end].iter().collect();
            if prev == '(' || prev == '<' || prev == '"' || prev == '\'' || prev == '=' {
                out.push_str(&url);
            } else {
                out.push('<');
                out.push_str(&url);
                out.push('>');
            }
            i = end;
            continue;
        }
        if c == '[' {
            if let Some(close) = matching_bracket(&chars, i)
                && chars.get(close + 1) == Some(&'(')
            {
                out.push(c);
                i += 1;
                continue;
            }
            out.push_str("\\[");
            i += 1;
            continue;
        }
        if c == ']' {
            // Closing bracket of a real link stays; an unmatched one is escaped.
            if chars.get(i + 1) == Some(&'(') {
                out.push_str("](");
                i += 2;
                // A site-relative link (`/openapi/…`, `/docs/…`) points into
                // developer.okta.com, where the spec is published.
                if chars.get(i) == Some(&'/') && chars.get(i + 1) != Some(&'/') {
                    if starts_with_at(&chars, i, "/openapi/") {
                        out.push_str(OKTA_DOCS_API);
                    } else {
                        out.push_str(OKTA_SITE);
                    }
                }
            } else {
                out.push_str("\\]");
                i += 1;
            }
            continue;
        }
        if c == '<'
            && let Some((end, replacement)) = html_tag(&chars, i)
        {
            out.push_str(replacement);
            i = end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Where Okta's site-relative links point: `/docs/…` and the rest under the
/// site, `/openapi/…` (the API reference) under its `docs/api`.
const OKTA_SITE: &str = "https://developer.okta.com";
const OKTA_DOCS_API: &str = "https://developer.okta.com/docs/api";

/// HTML elements of Okta's prose that rustdoc would show as raw tags or
/// warn about: dropped, keeping their text.
const HTML_TAGS: &[&str] = &[
    "a", "b", "br", "code", "details", "div", "em", "hr", "i", "img", "li", "ol", "p", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
];

/// An HTML tag starting at `chars[start]` (`<`) that the docs drop: the index
/// after its `>` and what replaces it. Okta's lifecycle badges
/// (`<x-lifecycle class="ea">`) become words; other tags of Okta's site
/// (`x-…`) and plain HTML elements ([`HTML_TAGS`]) vanish (`<br>` is a
/// space). Anything else (`<https://…>` autolinks, `<id>` placeholders) is
/// not a tag to drop.
fn html_tag(chars: &[char], start: usize) -> Option<(usize, &'static str)> {
    let mut i = start + 1;
    let closing = chars.get(i) == Some(&'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '-') {
        i += 1;
    }
    let name: String = chars[name_start..i]
        .iter()
        .collect::<String>()
        .to_ascii_lowercase();
    if name.is_empty() || !(name.starts_with("x-") || HTML_TAGS.contains(&name.as_str())) {
        return None;
    }
    match chars.get(i) {
        Some('>' | ' ' | '/' | '\t') => {}
        _ => return None,
    }
    let close = i + chars[i..].iter().position(|c| *c == '>')?;
    let attrs: String = chars[i..close].iter().collect();
    let replacement = match name.as_str() {
        "x-lifecycle" if !closing => {
            if attrs.contains("\"ea\"") {
                "(Early Access) "
            } else if attrs.contains("\"oie\"") {
                "(Identity Engine) "
            } else if attrs.contains("\"beta\"") {
                "(Beta) "
            } else {
                ""
            }
        }
        "br" => " ",
        _ => "",
    };
    Some((close + 1, replacement))
}

fn starts_with_at(chars: &[char], i: usize, pat: &str) -> bool {
    let pat: Vec<char> = pat.chars().collect();
    chars.get(i..i + pat.len()) == Some(&pat[..])
}

fn url_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    while end < chars.len()
        && !chars[end].is_whitespace()
        && !matches!(chars[end], ')' | '>' | '"' | '\'' | '`')
    {
        end += 1;
    }
    // Trailing punctuation is sentence punctuation, not part of the URL.
    while end > start && matches!(chars[end - 1], '.' | ',' | ';' | ':') {
        end -= 1;
    }
    end
}

fn matching_bracket(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in chars.iter().enumerate().skip(open) {
        match c {
            '[' => depth += 1,
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("plain text", &["plain text"]),
            ("see https://okta.com/x.", &["see <https://okta.com/x>."]),
            (
                "a [link](https://okta.com) here",
                &["a [link](https://okta.com) here"],
            ),
            ("array [x] and x[0]", &["array \\[x\\] and x\\[0\\]"]),
            ("```\nlet x = 1;\n```", &["```text", "let x = 1;", "```"]),
            ("```json\n{}\n```", &["```text", "{}", "```"]),
            ("    indented code", &["indented code"]),
            ("`[code]` stays", &["`[code]` stays"]),
            ("unclosed ```\nfence", &["unclosed ```", "fence"]),
            ("- item\nmore\n\nafter", &["- item", "  more", "", "after"]),
            ("1. one\ntwo", &["1. one", "   two"]),
            ("> **Note:** a\nb\n\nc", &["> **Note:** a", "> b", "", "c"]),
            ("text\n\n", &["text"]),
            (
                "*   item one\ncontinued\n*   item two",
                &["*   item one", "    continued", "*   item two"],
            ),
            ("1.  first\nmore", &["1.  first", "    more"]),
            (
                "see [the\nguide](https://x.example/g) now",
                &["see [the guide](https://x.example/g) now"],
            ),
            ("a [b\n\nc", &["a \\[b", "", "c"]),
            (
                "<x-lifecycle-container><x-lifecycle class=\"ea\"></x-lifecycle> <x-lifecycle class=\"oie\"></x-lifecycle></x-lifecycle-container>Resource",
                &["(Early Access)  (Identity Engine) Resource"],
            ),
            ("SSO only<br>", &["SSO only "]),
            (
                "<details><summary>More</summary>text</details>",
                &["Moretext"],
            ),
            (
                "a `<br>` and <id> and <https://x.example>",
                &["a `<br>` and <id> and <https://x.example>"],
            ),
            (
                "see [Users](/openapi/okta-management/management/tag/User/)",
                &[
                    "see [Users](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/)",
                ],
            ),
            (
                "a [feature](/docs/concepts/x/#y) and [abs](https://x.example/a)",
                &[
                    "a [feature](https://developer.okta.com/docs/concepts/x/#y) and [abs](https://x.example/a)",
                ],
            ),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), *want, "clean({input:?})");
        }
    }

    #[test]
    fn open_fence_is_closed() {
        assert_eq!(clean("```\ncode"), ["```text", "code", "```"]);
    }
}

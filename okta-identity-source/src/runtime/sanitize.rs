//! Making text that came from a server or a file safe to print: control
//! characters escaped, length bounded.

use std::fmt::Write as _;

/// Characters of server text kept in one message; the rest is cut with a
/// note saying how much was left out.
pub const MAX_SERVER_TEXT_CHARS: usize = 500;

/// Whether `c` must not reach a terminal as is: C0 and C1 controls, DEL,
/// and the invisible or direction-changing format characters (byte order
/// mark, zero-width characters, bidi embeddings, overrides and isolates).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `text` with every [unsafe character](is_unsafe_char) written as a Rust
/// escape (`\n`, `\t`, `\u{1b}`), and at most `max_chars` characters of it
/// kept (the cut is said: `… (1234 more characters)`).
pub fn escape_text(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    let mut chars = text.chars();
    for (kept, c) in chars.by_ref().enumerate() {
        if kept == max_chars {
            let rest = 1 + chars.count();
            let _ = write!(out, "… ({rest} more characters)");
            return out;
        }
        if is_unsafe_char(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// [`escape_text`] with the default bound for server text.
pub fn escape_server_text(text: &str) -> String {
    escape_text(text, MAX_SERVER_TEXT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_text_is_bounded() {
        assert_eq!(escape_text("a\u{1b}[2Jb", 100), "a\\u{1b}[2Jb");
        assert_eq!(escape_text("x\ny\rz\t", 100), "x\\ny\\rz\\t");
        assert_eq!(escape_text("\u{feff}id", 100), "\\u{feff}id");
        assert_eq!(escape_text("\u{202e}evil", 100), "\\u{202e}evil");
        assert_eq!(escape_text("\u{9b}31m", 100), "\\u{9b}31m");
        assert_eq!(escape_text("héllo wörld", 5), "héllo… (6 more characters)");
        assert_eq!(escape_text("abc", 3), "abc");
        assert_eq!(escape_text("", 0), "");
    }
}

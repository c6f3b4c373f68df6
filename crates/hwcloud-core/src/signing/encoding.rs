//! Text transforms of the canonical request, each matching one Python standard-library call the
//! official signer makes (`urllib.parse.quote(s, safe='~')`, `urllib.parse.unquote`,
//! `str.strip()`).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Python's always-safe set (`A-Z a-z 0-9 _ . - ~`); everything else is `%XX`, upper-case hex.
/// That is RFC 3986 unreserved.
const PY_QUOTE_SAFE_TILDE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// The same set with `/` kept: a path made only of these is its own canonical URI.
const UNRESERVED_AND_SLASH: &AsciiSet = &PY_QUOTE_SAFE_TILDE.remove(b'/');

/// `urllib.parse.quote(s, safe='~')`: percent-encodes every byte of the UTF-8 form except the
/// RFC 3986 unreserved characters. Space becomes `%20`, `/` becomes `%2F`.
pub fn url_encode(s: &str) -> String {
    utf8_percent_encode(s, PY_QUOTE_SAFE_TILDE).collect()
}

/// [`url_encode`] appending to `out`: also how clients encode path segments and query
/// parameters on the wire.
pub fn url_encode_into(s: &str, out: &mut String) {
    out.extend(utf8_percent_encode(s, PY_QUOTE_SAFE_TILDE));
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `urllib.parse.unquote(s)`: every run of `%XX` escapes is decoded to bytes and then to text
/// as UTF-8 with invalid sequences replaced by U+FFFD; a `%` not followed by two hex digits is
/// kept as is.
pub fn url_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut run: Vec<u8> = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let escape = if bytes[i] == b'%' && i + 2 < bytes.len() {
            hex_val(bytes[i + 1]).zip(hex_val(bytes[i + 2]))
        } else {
            None
        };
        match escape {
            Some((hi, lo)) => {
                if literal_start < i {
                    out.push_str(&s[literal_start..i]);
                }
                run.push(hi << 4 | lo);
                i += 3;
                literal_start = i;
            }
            None => {
                if !run.is_empty() {
                    out.push_str(&String::from_utf8_lossy(&run));
                    run.clear();
                }
                // Advance by one whole character so slicing stays on char boundaries.
                i += s[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    if !run.is_empty() {
        out.push_str(&String::from_utf8_lossy(&run));
    }
    if literal_start < bytes.len() {
        out.push_str(&s[literal_start..]);
    }
    out
}

/// Splits a raw query string (without `?`) into decoded `(key, value)` pairs in order; a
/// part without `=` is a key with an empty value. What a server (the emulator, test servers)
/// hands to [`verify`](super::verify) as `SignableRequest::query`.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (url_decode(k), url_decode(v)),
            None => (url_decode(p), String::new()),
        })
        .collect()
}

/// True for the characters Python's `str.isspace()` accepts, which is what `str.strip()` with
/// no argument removes. This is Unicode `White_Space` plus U+001C..U+001F.
pub fn is_py_space(c: char) -> bool {
    matches!(c, '\u{1c}'..='\u{1f}') || c.is_whitespace()
}

/// Python's `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// The canonical URI: the wire path is percent-decoded as a whole, split on `/`, each segment
/// is re-encoded with [`url_encode`], and a `/` is appended when the result does not end in one.
///
/// Because the whole path is decoded before splitting, an encoded slash (`%2F`) inside a
/// segment becomes a real separator, as in the official signer.
pub fn canonical_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    write_canonical_uri(path, &mut |s| out.push_str(s));
    out
}

/// [`canonical_uri`] written piece by piece (the signer streams it into the hash).
pub(crate) fn write_canonical_uri(path: &str, out: &mut impl FnMut(&str)) {
    // The usual API path (`/v3/tasks`, ids of letters, digits and `-`) encodes to itself.
    // The encoder's first chunk is the whole input exactly when nothing needs encoding.
    let unchanged = utf8_percent_encode(path, UNRESERVED_AND_SLASH)
        .next()
        .is_none_or(|chunk| chunk == path);
    if unchanged {
        out(path);
        if !path.ends_with('/') {
            out("/");
        }
        return;
    }
    let decoded: std::borrow::Cow<'_, str> = if path.contains('%') {
        url_decode(path).into()
    } else {
        path.into()
    };
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out("/");
        }
        utf8_percent_encode(segment, PY_QUOTE_SAFE_TILDE).for_each(&mut *out);
    }
    // The last segment is written empty exactly when the decoded path ends in `/`.
    if !decoded.ends_with('/') {
        out("/");
    }
}

/// The canonical query string: pairs sorted by key, then value (code-point order, which is
/// the byte order of UTF-8), each written `key=value` with both sides [`url_encode`]d, joined
/// with `&`. The official client sends exactly this string as the URL query.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What Python's `s.encode('utf-8').decode('iso-8859-1')` gives: each UTF-8 byte becomes the
/// character with that code point. The official signer writes header values back this way
/// before it reads the payload-hash header, so a non-ASCII value there ends up encoded twice.
pub fn utf8_as_latin1(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing() {
        assert_eq!(
            parse_query("offset=1&name=a%26b%20c&flag&&x=%zz"),
            [
                ("offset".to_string(), "1".to_string()),
                ("name".to_string(), "a&b c".to_string()),
                ("flag".to_string(), String::new()),
                ("x".to_string(), "%zz".to_string()),
            ]
        );
        assert!(parse_query("").is_empty());
    }

    #[test]
    fn encode_keeps_unreserved_only() {
        assert_eq!(url_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(url_encode(" "), "%20");
        assert_eq!(url_encode("+/%=&?:@"), "%2B%2F%25%3D%26%3F%3A%40");
        assert_eq!(url_encode("é"), "%C3%A9");
        assert_eq!(url_encode("中"), "%E4%B8%AD");
        assert_eq!(url_encode("😀"), "%F0%9F%98%80");
        assert_eq!(url_encode("*!'()"), "%2A%21%27%28%29");
    }

    #[test]
    fn decode_like_python_unquote() {
        assert_eq!(url_decode("abc"), "abc");
        assert_eq!(url_decode("a%20b"), "a b");
        assert_eq!(url_decode("%C3%A9t%c3%a9"), "été");
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz%4"), "%zz%4");
        assert_eq!(url_decode("%4"), "%4");
        assert_eq!(url_decode("a%2Fb"), "a/b");
        assert_eq!(url_decode("+"), "+");
        // Invalid UTF-8 becomes U+FFFD, as with errors='replace'.
        assert_eq!(url_decode("%FFx"), "\u{fffd}x");
        assert_eq!(url_decode("é%C3%A9"), "éé");
    }

    #[test]
    fn strip_like_python() {
        assert_eq!(py_strip("  a b  "), "a b");
        assert_eq!(
            py_strip("\t\n\u{b}\u{c}\r\u{1c}\u{1f}x\u{85}\u{a0}\u{3000}"),
            "x"
        );
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x"); // zero-width space is not whitespace
        assert_eq!(py_strip(""), "");
    }

    #[test]
    fn uri_always_ends_in_slash() {
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(
            canonical_uri("/v2/p/migration-task"),
            "/v2/p/migration-task/"
        );
        assert_eq!(
            canonical_uri("/v2/p/migration-task/"),
            "/v2/p/migration-task/"
        );
        assert_eq!(canonical_uri("/v3//tasks"), "/v3//tasks/");
        assert_eq!(canonical_uri("/a%20b/c~d"), "/a%20b/c~d/");
        assert_eq!(canonical_uri("/a b/c:d@e+f"), "/a%20b/c%3Ad%40e%2Bf/");
        assert_eq!(canonical_uri("/x/a%2Fb"), "/x/a/b/");
        assert_eq!(canonical_uri("/x/%25"), "/x/%25/");
        assert_eq!(canonical_uri("/t%C3%A9"), "/t%C3%A9/");
        // Same length as its first encoded chunk (`%C3`): still not its own canonical form.
        assert_eq!(canonical_uri("é/"), "%C3%A9/");
        assert_eq!(canonical_uri("abc"), "abc/");
    }

    #[test]
    fn query_sorted_by_key_then_value() {
        let q = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(canonical_query(&[]), "");
        assert_eq!(
            canonical_query(&q(&[("b", "2"), ("a", "z"), ("a", "Z"), ("B", "1")])),
            "B=1&a=Z&a=z&b=2"
        );
        assert_eq!(canonical_query(&q(&[("k", "")])), "k=");
        assert_eq!(
            canonical_query(&q(&[("n", "a b+c"), ("é", "中")])),
            "n=a%20b%2Bc&%C3%A9=%E4%B8%AD"
        );
    }

    #[test]
    fn latin1_view() {
        assert_eq!(utf8_as_latin1("abc"), "abc");
        assert_eq!(utf8_as_latin1("é"), "\u{c3}\u{a9}");
    }
}

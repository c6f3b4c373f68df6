//! The canonical request and the string to sign, written piece by piece into a [`Write`]:
//! a hash or MAC on the send path (no intermediate strings), text as well when every step is
//! wanted ([`sign`](super::sign), the test vectors), and the verifier's rebuild of what a
//! client signed.

use super::{Algorithm, Header, SignableRequest, crypto, encoding, header_value};

/// Where the canonical request and the string to sign are written: text (for
/// [`SigningOutput`](super::SigningOutput)), a hash or MAC, or both at once. Writing straight into the hash is
/// what keeps a signature free of intermediate strings.
pub(super) trait Write {
    fn write(&mut self, s: &str);
    /// Writes ASCII bytes (hex digits, lower-cased names): the hashes take them without a
    /// UTF-8 check.
    fn write_ascii(&mut self, ascii: &[u8]);
}

impl Write for String {
    fn write(&mut self, s: &str) {
        self.push_str(s);
    }
    fn write_ascii(&mut self, ascii: &[u8]) {
        self.push_str(std::str::from_utf8(ascii).expect("ASCII is UTF-8"));
    }
}

impl Write for crypto::AnyHash {
    fn write(&mut self, s: &str) {
        self.update(s.as_bytes());
    }
    fn write_ascii(&mut self, ascii: &[u8]) {
        self.update(ascii);
    }
}

impl Write for crypto::AnyMac {
    fn write(&mut self, s: &str) {
        self.update(s.as_bytes());
    }
    fn write_ascii(&mut self, ascii: &[u8]) {
        self.update(ascii);
    }
}

/// Feeds a digest and, when asked, keeps the text too.
pub(super) struct Tee<'t, D> {
    pub(super) digest: D,
    pub(super) text: Option<&'t mut String>,
}

impl<D: Write> Write for Tee<'_, D> {
    fn write(&mut self, s: &str) {
        self.digest.write(s);
        if let Some(text) = self.text.as_deref_mut() {
            text.push_str(s);
        }
    }
    fn write_ascii(&mut self, ascii: &[u8]) {
        self.digest.write_ascii(ascii);
        if let Some(text) = self.text.as_deref_mut() {
            text.write_ascii(ascii);
        }
    }
}

/// Writes `name` lower-cased (ASCII names without allocating).
pub(super) fn write_lowercase(name: &str, out: &mut impl Write) {
    if !name.is_ascii() {
        out.write(&name.to_lowercase());
        return;
    }
    if !name.bytes().any(|b| b.is_ascii_uppercase()) {
        out.write(name);
        return;
    }
    let mut buf = [0u8; 64];
    for chunk in name.as_bytes().chunks(buf.len()) {
        let lowered = &mut buf[..chunk.len()];
        lowered.copy_from_slice(chunk);
        lowered.make_ascii_lowercase();
        out.write_ascii(lowered);
    }
}

/// `k.to_lowercase() == name`, without allocating when `k` is ASCII (for ASCII text
/// `to_lowercase` is `to_ascii_lowercase`).
pub(super) fn lowercase_is(k: &str, name: &str) -> bool {
    if k.is_ascii() {
        k.len() == name.len()
            && k.bytes()
                .zip(name.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        k.to_lowercase() == name
    }
}

/// `a.to_lowercase() == b.to_lowercase()`, without allocating for ASCII names.
pub(super) fn lowercase_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// `a.to_lowercase().cmp(&b.to_lowercase())`, without allocating for ASCII names.
pub(super) fn lowercase_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        let lower_a = a.bytes().map(|c| c.to_ascii_lowercase());
        lower_a.cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.to_lowercase().cmp(&b.to_lowercase())
    }
}

/// The indices of the headers the signer signs (name without `_`), sorted by lower-cased name;
/// on the stack for the usual handful of headers.
pub(super) struct SignedOrder {
    small: [usize; 16],
    len: usize,
    large: Vec<usize>,
}

impl SignedOrder {
    pub(super) fn of<H: Header>(headers: &[H]) -> Self {
        let mut order = SignedOrder {
            small: [0; 16],
            len: 0,
            large: Vec::new(),
        };
        let signed = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.name().contains('_'))
            .map(|(i, _)| i);
        let indices: &mut [usize] = if headers.len() <= order.small.len() {
            for i in signed {
                order.small[order.len] = i;
                order.len += 1;
            }
            &mut order.small[..order.len]
        } else {
            order.large = signed.collect();
            &mut order.large
        };
        indices.sort_by(|&a, &b| lowercase_cmp(headers[a].name(), headers[b].name()));
        order
    }

    fn indices(&self) -> &[usize] {
        if self.large.is_empty() {
            &self.small[..self.len]
        } else {
            &self.large
        }
    }

    /// The signed header names in signing order, as sent (not yet lower-cased).
    pub(super) fn names<'h, H: Header>(&self, headers: &'h [H]) -> impl Iterator<Item = &'h str> {
        self.indices().iter().map(move |&i| headers[i].name())
    }

    /// Each signed name with the value the signer uses for it: that of the last header with
    /// the same lower-cased name. The sort is stable, so that header ends its run of equal
    /// names.
    pub(super) fn entries<'h, H: Header>(
        &self,
        headers: &'h [H],
    ) -> impl Iterator<Item = (&'h str, &'h str)> {
        let indices = self.indices();
        (0..indices.len()).map(move |p| {
            let name = headers[indices[p]].name();
            let mut last = p;
            while last + 1 < indices.len() && lowercase_eq(headers[indices[last + 1]].name(), name)
            {
                last += 1;
            }
            (name, headers[indices[last]].value())
        })
    }
}

/// The last line of the canonical request.
pub(super) enum PayloadLine<'a> {
    /// What the official signer writes (see [`write_payload_hash`]).
    AsSigner(Algorithm),
    /// Decided by the caller: the verifier, which never takes a hash from an unsigned header.
    Given(&'a str),
}

/// Writes the canonical request: `signed` holds the signed headers in signing order, each
/// name (any case; written lower-cased) with its value as sent (written trimmed).
pub(super) fn write_canonical_request<'n, H: Header>(
    req: &SignableRequest<'_, H>,
    signed: impl Iterator<Item = (&'n str, &'n str)>,
    signed_joined: &str,
    payload: PayloadLine<'_>,
    out: &mut impl Write,
) {
    if req.method.bytes().any(|b| b.is_ascii_lowercase()) || !req.method.is_ascii() {
        out.write(&req.method.to_uppercase());
    } else {
        out.write(req.method);
    }
    out.write("\n");
    encoding::write_canonical_uri(req.path, &mut |s| out.write(s));
    out.write("\n");
    if !req.query.is_empty() {
        out.write(&encoding::canonical_query(req.query));
    }
    out.write("\n");
    for (name, value) in signed {
        write_lowercase(name, out);
        out.write(":");
        out.write(encoding::py_strip(value));
        out.write("\n");
    }
    out.write("\n");
    out.write(signed_joined);
    out.write("\n");
    match payload {
        PayloadLine::AsSigner(algorithm) => write_payload_hash(algorithm, req, out),
        PayloadLine::Given(line) => out.write(line),
    }
}

/// Writes the last line of the canonical request (see [`payload_hash`](super::payload_hash)).
pub(super) fn write_payload_hash<H: Header>(
    algorithm: Algorithm,
    req: &SignableRequest<'_, H>,
    out: &mut impl Write,
) {
    if !req.body.is_empty()
        && let Some(v) = header_value(req.headers, algorithm.content_hash_header())
    {
        let v = encoding::py_strip(v);
        if !v.is_empty() {
            // The official signer reads this after writing header values back as
            // `value.encode('utf-8').decode('iso-8859-1')`; mirror that for non-ASCII values.
            if v.is_ascii() {
                out.write(v);
            } else {
                out.write(&encoding::utf8_as_latin1(v));
            }
            return;
        }
    }
    let digest = crypto::AnyHash::digest(algorithm, req.body);
    out.write_ascii(crypto::Hex32::of(&digest).as_bytes());
}

/// Writes the names lower-cased and joined with `;`.
pub(super) fn write_joined<'n>(names: impl Iterator<Item = &'n str>, out: &mut impl Write) {
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.write(";");
        }
        write_lowercase(name, out);
    }
}

/// Writes the string to sign: `ALG\nDATE\nhex(hash(canonical))`, with the credential scope as
/// an extra third line for `V11-HMAC-SHA256`.
pub(super) fn write_string_to_sign(
    algorithm: Algorithm,
    sdk_date: &str,
    v11_info: Option<&str>,
    canonical_hash: &crypto::Hex32,
    out: &mut impl Write,
) {
    out.write(algorithm.name());
    out.write("\n");
    out.write(sdk_date);
    out.write("\n");
    if let Some(info) = v11_info {
        out.write(info);
        out.write("\n");
    }
    out.write_ascii(canonical_hash.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::signed_header_names;

    fn headers(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), format!(" v{i} ")))
            .collect()
    }

    /// The signed-header part of the canonical request as the official signer spells it out:
    /// lower-case every name without `_`, sort, and give each the trimmed value of the last
    /// header with that lower-cased name.
    fn naive_header_lines(h: &[(String, String)]) -> (Vec<String>, String) {
        let mut names: Vec<String> = h
            .iter()
            .filter(|(k, _)| !k.contains('_'))
            .map(|(k, _)| k.to_lowercase())
            .collect();
        names.sort();
        let lines = names
            .iter()
            .map(|n| {
                let v = h
                    .iter()
                    .rev()
                    .find(|(k, _)| k.to_lowercase() == *n)
                    .unwrap();
                format!("{n}:{}\n", encoding::py_strip(&v.1))
            })
            .collect();
        (names, lines)
    }

    #[test]
    fn header_order_and_values_match_the_plain_definition() {
        let few = headers(&["X-Sdk-Date", "host", "Content-Type", "x_skip", "X-B", "x-b"]);
        let mut many_names: Vec<String> = (0..20).map(|i| format!("X-H{:02}", 19 - i)).collect();
        many_names.extend([
            "HOST".into(),
            "x-h05".into(),
            "Ünï-Name".into(),
            "a_b".into(),
        ]);
        let many = headers(&many_names.iter().map(String::as_str).collect::<Vec<_>>());
        for h in [few, many] {
            let (names, lines) = naive_header_lines(&h);
            assert_eq!(signed_header_names(&h), names);
            let order = SignedOrder::of(&h);
            let mut got = String::new();
            for (name, value) in order.entries(&h) {
                write_lowercase(name, &mut got);
                got.push(':');
                got.push_str(encoding::py_strip(value));
                got.push('\n');
            }
            assert_eq!(got, lines);
        }
    }

    #[test]
    fn lowercase_helpers_agree_with_to_lowercase() {
        let words = [
            "abc",
            "ABC",
            "aBd",
            "X-Sdk-Date",
            "x-sdk-date",
            "Ünï",
            "ünï",
            "",
            "a-b",
        ];
        for a in words {
            let mut lowered = String::new();
            write_lowercase(a, &mut lowered);
            assert_eq!(lowered, a.to_lowercase(), "{a}");
            for b in words {
                assert_eq!(
                    lowercase_cmp(a, b),
                    a.to_lowercase().cmp(&b.to_lowercase()),
                    "{a} {b}"
                );
                assert_eq!(
                    lowercase_eq(a, b),
                    a.to_lowercase() == b.to_lowercase(),
                    "{a} {b}"
                );
                assert_eq!(lowercase_is(a, b), a.to_lowercase() == b, "{a} {b}");
            }
        }
        let long = "X-".repeat(70);
        let mut lowered = String::new();
        write_lowercase(&long, &mut lowered);
        assert_eq!(lowered, long.to_lowercase());
    }
}

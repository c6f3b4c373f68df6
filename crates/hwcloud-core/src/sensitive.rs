//! Where secrets sit in a JSON body, by the paths the generator lists per operation
//! ([`OperationMeta::sensitive_body`](crate::operation::OperationMeta::sensitive_body)):
//! matching a concrete path against them and masking the values.

use serde_json::Value;

/// What a masked value is replaced with.
pub const MASK: &str = "***";

/// `path` with every array index written `[]` (`files[3].secret` → `files[].secret`).
pub fn generic_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' if in_index => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// Masks the value(s) at the generic `path` (`a.b`, `a[].b`) in `v`; answers how many.
/// Missing fields and values of another shape are left alone.
pub fn redact_path(v: &mut Value, path: &str) -> usize {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let (name, items) = match head.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (head, false),
    };
    let Some(field) = v.as_object_mut().and_then(|o| o.get_mut(name)) else {
        return 0;
    };
    let mut targets: Vec<&mut Value> = if items {
        match field.as_array_mut() {
            Some(a) => a.iter_mut().collect(),
            None => return 0,
        }
    } else {
        vec![field]
    };
    match rest {
        Some(r) => targets.iter_mut().map(|t| redact_path(t, r)).sum(),
        None => {
            let n = targets.len();
            for t in targets {
                *t = Value::String(MASK.to_owned());
            }
            n
        }
    }
}

/// A serde error message with every input value taken out, so that an error never echoes
/// what was sent (a wrongly typed password included): what was wrong and what was expected,
/// never the value. `invalid type: integer `31415926`, expected a string` becomes `invalid
/// type: integer, expected a string`; field names (`missing field `x``) are kept.
pub fn without_values(msg: &str) -> String {
    const KINDS: [&str; 2] = ["invalid type: ", "invalid value: "];
    for head in KINDS {
        if let Some(rest) = msg.strip_prefix(head) {
            // The value comes first and may itself contain ", expected ": the last one
            // introduces what the type expects (written by code, not taken from the input).
            let (unexpected, expected) = match rest.rfind(", expected ") {
                Some(at) => (&rest[..at], Some(&rest[at + 2..])),
                None => (rest, None),
            };
            let kind = unexpected
                .split(['`', '"', '\''])
                .next()
                .unwrap_or("")
                .trim();
            let kind = if kind.is_empty() { "value" } else { kind };
            return match expected {
                Some(e) => format!("{head}{kind}, {}", clip_chars(e, 200)),
                None => format!("{head}{kind}"),
            };
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        return match rest.rfind(", expected ") {
            Some(at) => format!("unknown variant, {}", clip_chars(&rest[at + 2..], 200)),
            None => "unknown variant".to_owned(),
        };
    }
    let names_a_field = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .any(|p| msg.starts_with(p));
    if names_a_field || !msg.contains(['`', '"', '\'']) {
        return clip_chars(msg, 300);
    }
    // Anything else that quotes something: keep the words before the first quote.
    let head = msg.split(['`', '"', '\'']).next().unwrap_or("").trim();
    if head.is_empty() {
        "invalid value".to_owned()
    } else {
        clip_chars(head, 200)
    }
}

/// At most `n` characters of `s`, ending in `…` when cut.
fn clip_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        None => s.to_owned(),
        Some(_) => {
            let keep = n.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..end])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indexes_become_generic() {
        assert_eq!(generic_path("a.b"), "a.b");
        assert_eq!(generic_path("files[3].secret"), "files[].secret");
        assert_eq!(generic_path("m[0][12].x"), "m[][].x");
    }

    #[test]
    fn masks_objects_arrays_and_any_value_shape() {
        let mut v = json!({
            "source_instance": {"password": 31415926, "addrs": "a:1"},
            "files": [{"secret": "s1"}, {"name": "n"}, {"secret": {"deep": 1}}],
            "other": "keep"
        });
        assert_eq!(redact_path(&mut v, "source_instance.password"), 1);
        assert_eq!(redact_path(&mut v, "files[].secret"), 2);
        assert_eq!(redact_path(&mut v, "missing.x"), 0);
        assert_eq!(redact_path(&mut v, "other.x"), 0);
        assert_eq!(
            v,
            json!({
                "source_instance": {"password": "***", "addrs": "a:1"},
                "files": [{"secret": "***"}, {"name": "n"}, {"secret": "***"}],
                "other": "keep"
            })
        );
    }

    proptest::proptest! {
        /// Any JSON, any path: never panics, and a masked body keeps its shape elsewhere.
        #[test]
        fn never_panics(s in "[a-z.\\[\\]]{0,20}", n in 0i64..5) {
            let mut v = json!({"a": [{"b": n}, {"b": [n]}], "c": {"d": null}});
            let _ = redact_path(&mut v, &s);
            let _ = generic_path(&s);
        }
    }

    #[test]
    fn serde_messages_lose_their_values_and_keep_the_rest() {
        for (msg, want) in [
            (
                "invalid type: integer `31415926`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                "invalid type: string \"hunter2, expected x\", expected u16",
                "invalid type: string, expected u16",
            ),
            (
                "invalid value: integer `70000`, expected u16",
                "invalid value: integer, expected u16",
            ),
            (
                "invalid type: null, expected a string",
                "invalid type: null, expected a string",
            ),
            (
                "unknown variant `s3cret`, expected `a` or `b`",
                "unknown variant, expected `a` or `b`",
            ),
            ("missing field `name`", "missing field `name`"),
            (
                "invalid length 3, expected 2 elements",
                "invalid length 3, expected 2 elements",
            ),
            ("weird `value` here", "weird"),
            ("`value`", "invalid value"),
        ] {
            assert_eq!(without_values(msg), want, "{msg}");
        }
    }
}

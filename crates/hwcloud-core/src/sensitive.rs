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
}

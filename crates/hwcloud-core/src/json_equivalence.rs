//! "Equivalent JSON" as the SDK promises it: what we send back may differ from what we
//! received only by dropped `null`s, numbers we re-encode as strings (lenient fields such as
//! `bandwidth_limit_mb`) and enum aliases we canonicalize (`INCRMIGRATING` → `INCRMIGEATING`).
//! Used by the generated per-example tests; handy for users' own replay tests too.

use serde_json::Value;

/// Checks that `reencoded` is equivalent to `original`; the error names the first differing
/// JSON path.
pub fn check(original: &Value, reencoded: &Value, aliases: &[(&str, &str)]) -> Result<(), String> {
    compare("$", original, reencoded, aliases)
}

fn compare(path: &str, a: &Value, b: &Value, aliases: &[(&str, &str)]) -> Result<(), String> {
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            for (k, va) in ma {
                let p = format!("{path}.{k}");
                match mb.get(k) {
                    None if va.is_null() => {}
                    None => return Err(format!("{p}: dropped (was {va})")),
                    Some(vb) => compare(&p, va, vb, aliases)?,
                }
            }
            for (k, vb) in mb {
                if !ma.contains_key(k) {
                    return Err(format!("{path}.{k}: added ({vb})"));
                }
            }
            Ok(())
        }
        (Value::Array(xa), Value::Array(xb)) => {
            if xa.len() != xb.len() {
                return Err(format!("{path}: {} items became {}", xa.len(), xb.len()));
            }
            for (i, (va, vb)) in xa.iter().zip(xb).enumerate() {
                compare(&format!("{path}[{i}]"), va, vb, aliases)?;
            }
            Ok(())
        }
        (Value::Number(n), Value::String(s)) if n.to_string() == *s => Ok(()),
        (Value::String(sa), Value::String(sb)) if sa != sb => {
            if aliases
                .iter()
                .any(|(alias, canon)| alias == sa && canon == sb)
            {
                Ok(())
            } else {
                Err(format!("{path}: {a} became {b}"))
            }
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} became {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn allowed_differences() {
        let a = json!({"a": null, "b": 123, "c": "INCRMIGRATING", "d": [1, {"e": null}]});
        let b = json!({"b": "123", "c": "INCRMIGEATING", "d": [1, {}]});
        check(&a, &b, &[("INCRMIGRATING", "INCRMIGEATING")]).unwrap();
    }

    #[test]
    fn real_differences_name_the_path() {
        let e = check(&json!({"x": {"y": 1}}), &json!({"x": {"y": 2}}), &[]).unwrap_err();
        assert_eq!(e, "$.x.y: 1 became 2");
        let e = check(&json!({"x": 1}), &json!({}), &[]).unwrap_err();
        assert_eq!(e, "$.x: dropped (was 1)");
        let e = check(&json!({}), &json!({"x": 1}), &[]).unwrap_err();
        assert_eq!(e, "$.x: added (1)");
        let e = check(&json!({"s": "a"}), &json!({"s": "b"}), &[("b", "a")]).unwrap_err();
        assert_eq!(e, "$.s: \"a\" became \"b\"");
        assert!(check(&json!([1, 2]), &json!([1]), &[]).is_err());
        assert!(check(&json!("7"), &json!(7), &[]).is_err());
    }
}

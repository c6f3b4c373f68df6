//! A validator for the part of JSON Schema 2020-12 the exported OpenAPI 3.1 documents use:
//! `$ref`, `type` (one or a list, `null` for nullable), `enum`, `properties`, `required`,
//! `additionalProperties`, `items`, `minItems`/`maxItems`, `minLength`/`maxLength`,
//! `minimum`/`maximum`, `pattern`, `format` (`int32`, `int64`, `ipv4`, `ipv6`), `allOf`,
//! `anyOf`, `not`, `if`/`then`. `x-open-enum` lists known values of an open set, so any
//! string passes. In a response, a `writeOnly` property (a password) must never appear.
//! The `tests::keywords_in_use` test fails when the documents start using another keyword.

use serde_json::Value;

use super::spec::resolve;

/// Whether a value is checked as a request or a response (`writeOnly` matters for the latter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// The keywords this validator implements or deliberately ignores (annotations).
pub const KNOWN_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "pattern",
    "format",
    "allOf",
    "anyOf",
    "not",
    "if",
    "then",
    "writeOnly",
    // Annotations: no effect on validity.
    "description",
    "default",
    "examples",
    "deprecated",
    "x-source",
    "x-note",
    "x-open-enum",
    "x-aliases",
    "x-lenient-number",
    "x-integer-range",
    "x-rust-name",
];

/// Every violation of `schema` by `value`, each with its JSON path (`$.a.b[0]`).
pub fn violations(doc: &Value, schema: &Value, value: &Value, dir: Direction) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, "$", dir, &mut out, 0);
    out
}

/// Whether `value` satisfies `schema`.
pub fn is_valid(doc: &Value, schema: &Value, value: &Value, dir: Direction) -> bool {
    violations(doc, schema, value, dir).is_empty()
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => {
            v.is_i64()
                || v.is_u64()
                || v.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.is_finite())
        }
        _ => false,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The compiled `pattern`, compiled once per thread.
pub fn cached_regex(pattern: &str) -> Result<regex_lite::Regex, String> {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, regex_lite::Regex>> =
            std::cell::RefCell::default();
    }
    CACHE.with(|c| {
        if let Some(re) = c.borrow().get(pattern) {
            return Ok(re.clone());
        }
        let re = regex_lite::Regex::new(pattern).map_err(|e| e.to_string())?;
        c.borrow_mut().insert(pattern.to_owned(), re.clone());
        Ok(re)
    })
}

/// `host:port` with a port of 1..=65535 (the `host_port_list` format of the DCS `addrs`).
fn is_host_port(item: &str) -> bool {
    let Some((host, port)) = item.trim().rsplit_once(':') else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    !host.is_empty()
        && !host.contains(char::is_whitespace)
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// `YYYY-MM-DD hh:mm:ss` (the `date_time_local` format).
fn is_date_time_local(v: &str) -> bool {
    let Some(c) = cached_regex(r"^\d{4}-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$")
        .ok()
        .and_then(|re| re.captures(v))
    else {
        return false;
    };
    let n = |i: usize| c[i].parse::<u32>().unwrap_or(99);
    (1..=12).contains(&n(1)) && (1..=31).contains(&n(2)) && n(3) < 24 && n(4) < 60 && n(5) < 61
}

#[allow(clippy::too_many_lines)]
fn check(
    doc: &Value,
    schema: &Value,
    v: &Value,
    at: &str,
    dir: Direction,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 64 {
        out.push(format!("{at}: schema nesting deeper than 64"));
        return;
    }
    let s = resolve(doc, schema);
    let Some(obj) = s.as_object() else {
        if s == &Value::Bool(false) {
            out.push(format!("{at}: no value is allowed here"));
        }
        return;
    };
    // Sibling keywords of a `$ref` (3.1 allows them) apply as well.
    if schema.get("$ref").is_some() && !std::ptr::eq(s, schema) {
        let mut rest = schema.clone();
        if let Some(m) = rest.as_object_mut() {
            m.remove("$ref");
            if !m.is_empty() {
                check(doc, &rest, v, at, dir, out, depth + 1);
            }
        }
    }
    if let Some(t) = obj.get("type") {
        let ok = match t {
            Value::String(t) => type_matches(t, v),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, v)),
            _ => true,
        };
        if !ok {
            out.push(format!("{at}: {} where the schema wants {t}", kind(v)));
            return;
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            out.push(format!(
                "{at}: {v} is not one of {}",
                Value::Array(e.clone())
            ));
        }
    }
    match v {
        Value::String(text) => {
            let n = text.chars().count() as u64;
            if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
                if n > max {
                    out.push(format!("{at}: {n} characters, more than maxLength {max}"));
                }
            }
            if let Some(min) = obj.get("minLength").and_then(Value::as_u64) {
                if n < min {
                    out.push(format!("{at}: {n} characters, fewer than minLength {min}"));
                }
            }
            if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
                match cached_regex(p) {
                    Ok(re) if !re.is_match(text) => {
                        out.push(format!("{at}: does not match the pattern {p}"));
                    }
                    Ok(_) => {}
                    Err(e) => out.push(format!("{at}: the schema's pattern {p} is invalid: {e}")),
                }
            }
            match obj.get("format").and_then(Value::as_str) {
                Some("ipv4") if text.parse::<std::net::Ipv4Addr>().is_err() => {
                    out.push(format!("{at}: not an IPv4 address"));
                }
                Some("ipv6") if text.parse::<std::net::Ipv6Addr>().is_err() => {
                    out.push(format!("{at}: not an IPv6 address"));
                }
                Some("host_port_list") if !text.split(',').all(is_host_port) => {
                    out.push(format!("{at}: not a host:port list"));
                }
                Some("date_time_local") if !is_date_time_local(text) => {
                    out.push(format!("{at}: not a local date-time (YYYY-MM-DD hh:mm:ss)"));
                }
                _ => {}
            }
        }
        Value::Number(num) => {
            let f = num.as_f64().unwrap_or(f64::NAN);
            if let Some(max) = obj.get("maximum").and_then(Value::as_f64) {
                if f > max {
                    out.push(format!("{at}: {num} is above the maximum {max}"));
                }
            }
            if let Some(min) = obj.get("minimum").and_then(Value::as_f64) {
                if f < min {
                    out.push(format!("{at}: {num} is below the minimum {min}"));
                }
            }
            let range = match obj.get("format").and_then(Value::as_str) {
                Some("int32") => Some((f64::from(i32::MIN), f64::from(i32::MAX))),
                Some("int64") => Some((i64::MIN as f64, i64::MAX as f64)),
                _ => None,
            };
            if let Some((lo, hi)) = range {
                if !(lo..=hi).contains(&f) {
                    out.push(format!("{at}: {num} is outside the range of its format"));
                }
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if let Some(max) = obj.get("maxItems").and_then(Value::as_u64) {
                if n > max {
                    out.push(format!("{at}: {n} items, more than maxItems {max}"));
                }
            }
            if let Some(min) = obj.get("minItems").and_then(Value::as_u64) {
                if n < min {
                    out.push(format!("{at}: {n} items, fewer than minItems {min}"));
                }
            }
            if let Some(item) = obj.get("items") {
                for (i, x) in items.iter().enumerate() {
                    check(doc, item, x, &format!("{at}[{i}]"), dir, out, depth + 1);
                }
            }
        }
        Value::Object(map) => {
            for r in obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(r) = r.as_str() {
                    if !map.contains_key(r) {
                        out.push(format!("{at}: required property {r} is missing"));
                    }
                }
            }
            let props = obj.get("properties").and_then(Value::as_object);
            for (k, x) in map {
                let here = format!("{at}.{k}");
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => {
                        let write_only = |s: &Value| s.get("writeOnly") == Some(&Value::Bool(true));
                        if dir == Direction::Response
                            && (write_only(ps) || write_only(resolve(doc, ps)))
                        {
                            out.push(format!("{here}: a writeOnly property came back"));
                        }
                        check(doc, ps, x, &here, dir, out, depth + 1);
                    }
                    None => match obj.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            out.push(format!("{here}: property not allowed by the schema"));
                        }
                        Some(extra @ Value::Object(_)) => {
                            check(doc, extra, x, &here, dir, out, depth + 1);
                        }
                        _ => {}
                    },
                }
            }
        }
        _ => {}
    }
    for sub in obj
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(doc, sub, v, at, dir, out, depth + 1);
    }
    if let Some(any) = obj.get("anyOf").and_then(Value::as_array) {
        let mut first = Vec::new();
        let ok = any.iter().enumerate().any(|(i, sub)| {
            let mut e = Vec::new();
            check(doc, sub, v, at, dir, &mut e, depth + 1);
            if i == 0 {
                first = e.clone();
            }
            e.is_empty()
        });
        if !ok {
            out.push(format!("{at}: matches none of anyOf (first: {first:?})"));
        }
    }
    if let Some(not) = obj.get("not") {
        let mut e = Vec::new();
        check(doc, not, v, at, dir, &mut e, depth + 1);
        if e.is_empty() {
            out.push(format!("{at}: matches a schema under `not`"));
        }
    }
    if let Some(cond) = obj.get("if") {
        let mut e = Vec::new();
        check(doc, cond, v, at, dir, &mut e, depth + 1);
        if e.is_empty() {
            if let Some(then) = obj.get("then") {
                check(doc, then, v, at, dir, out, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every keyword the documents use is one this validator knows: a new keyword in the
    /// spec makes this fail instead of being skipped silently.
    #[test]
    fn keywords_in_use() {
        let spec = super::super::spec::Spec::load().unwrap();
        let mut unknown = Vec::new();
        for doc in [&spec.dcs, &spec.sms] {
            for s in doc["components"]["schemas"].as_object().unwrap().values() {
                walk(s, &mut unknown);
            }
        }
        assert!(
            unknown.is_empty(),
            "keywords the validator ignores: {unknown:?}"
        );
    }

    fn walk(s: &Value, unknown: &mut Vec<String>) {
        let Some(m) = s.as_object() else { return };
        for (k, v) in m {
            if !KNOWN_KEYWORDS.contains(&k.as_str()) {
                unknown.push(k.clone());
            }
            match k.as_str() {
                "properties" => v
                    .as_object()
                    .into_iter()
                    .flatten()
                    .for_each(|(_, p)| walk(p, unknown)),
                "allOf" | "anyOf" => v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .for_each(|p| walk(p, unknown)),
                "items" | "additionalProperties" | "not" | "if" | "then" => walk(v, unknown),
                _ => {}
            }
        }
    }

    #[test]
    fn each_keyword_refuses_what_it_should() {
        let doc = json!({"components": {"schemas": {"E": {"type": "string", "enum": ["a"]}}}});
        let s = json!({
            "type": "object", "additionalProperties": false, "required": ["n"],
            "properties": {
                "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 3, "format": "int32"},
                "e": {"$ref": "#/components/schemas/E"},
                "s": {"type": "string", "maxLength": 2, "pattern": "^[0-9]+$"},
                "l": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "p": {"type": "string", "writeOnly": true}
            },
            "allOf": [{"if": {"properties": {"e": {"enum": ["a"]}}, "required": ["e"]},
                       "then": {"required": ["s"]}}]
        });
        let req = Direction::Request;
        assert!(is_valid(&doc, &s, &json!({"n": 2}), req));
        assert!(is_valid(
            &doc,
            &s,
            &json!({"n": null, "e": "a", "s": "12"}),
            req
        ));
        for bad in [
            json!({}),
            json!({"n": 0}),
            json!({"n": 4}),
            json!({"n": 1.5}),
            json!({"n": "1"}),
            json!({"n": 1, "e": "b"}),
            json!({"n": 1, "e": "a"}),
            json!({"n": 1, "s": "123"}),
            json!({"n": 1, "s": "ab"}),
            json!({"n": 1, "l": []}),
            json!({"n": 1, "l": [1]}),
            json!({"n": 1, "x": 1}),
            json!([]),
        ] {
            assert!(!is_valid(&doc, &s, &bad, req), "{bad} passed");
        }
        assert!(is_valid(&doc, &s, &json!({"n": 1, "p": "pw"}), req));
        assert!(!is_valid(
            &doc,
            &s,
            &json!({"n": 1, "p": "pw"}),
            Direction::Response
        ));
    }
}

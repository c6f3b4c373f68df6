//! Invalid inputs made from valid ones: a required property left out, a value of the wrong
//! type, a number or length out of range, an unknown value of a closed enum, a body that is
//! not JSON or not an object, an empty body, an unknown property. Which of them the emulator
//! must refuse is decided by the validator, not by the mutation: see [`Mutation::must_refuse`].

use fastrand::Rng;
use serde_json::{Value, json};

use super::spec::resolve;

/// What was done to a valid body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mutation {
    MissingRequired,
    WrongType,
    OutOfRange,
    Oversized,
    UnknownEnum,
    UnknownProperty,
    /// `null` for an optional property: decoded as absent, as the SDK's types decode it
    /// (spec/README.md, `nullable`), so it need not be refused.
    NullOptional,
    NotJson,
    NotObject,
    EmptyBody,
}

impl Mutation {
    /// Whether a body so changed, when the validator confirms it breaks the schema, must be
    /// refused. An unknown property is not: the request types ignore fields they do not
    /// know, as the services do.
    pub fn must_refuse(self) -> bool {
        !matches!(self, Mutation::UnknownProperty | Mutation::NullOptional)
    }

    pub fn name(self) -> &'static str {
        match self {
            Mutation::MissingRequired => "missing required property",
            Mutation::WrongType => "wrong type",
            Mutation::OutOfRange => "out of range",
            Mutation::Oversized => "oversized string",
            Mutation::UnknownEnum => "unknown enum value",
            Mutation::UnknownProperty => "unknown property",
            Mutation::NullOptional => "null optional property",
            Mutation::NotJson => "not JSON",
            Mutation::NotObject => "not an object",
            Mutation::EmptyBody => "empty body",
        }
    }
}

/// A node of a value with its schema: where it is (keys and indexes) and what it must be.
struct Node {
    at: Vec<Seg>,
    schema: Value,
    /// A property its object does not require.
    optional: bool,
}

#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn nodes(
    doc: &Value,
    schema: &Value,
    v: &Value,
    optional: bool,
    at: &mut Vec<Seg>,
    out: &mut Vec<Node>,
) {
    let s = resolve(doc, schema);
    out.push(Node {
        at: at.clone(),
        schema: s.clone(),
        optional,
    });
    match v {
        Value::Object(m) => {
            let required = |k: &str| {
                s.get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|x| x == k))
            };
            for (k, x) in m {
                if let Some(ps) = s.get("properties").and_then(|p| p.get(k)) {
                    at.push(Seg::Key(k.clone()));
                    nodes(doc, ps, x, !required(k), at, out);
                    at.pop();
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = s.get("items") {
                for (i, x) in items.iter().enumerate().take(4) {
                    at.push(Seg::Index(i));
                    nodes(doc, item, x, false, at, out);
                    at.pop();
                }
            }
        }
        _ => {}
    }
}

fn slot<'v>(v: &'v mut Value, at: &[Seg]) -> Option<&'v mut Value> {
    let mut cur = v;
    for seg in at {
        cur = match seg {
            Seg::Key(k) => cur.get_mut(k.as_str())?,
            Seg::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

fn types(s: &Value) -> Vec<String> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A value of none of the schema's types (`None` when the schema takes any type); never
/// `null` for an `optional` property (see [`Mutation::NullOptional`]).
pub fn wrong_type(s: &Value, optional: bool, rng: &mut Rng) -> Option<Value> {
    let ts = types(s);
    if ts.is_empty() {
        return None;
    }
    let mut options = vec![
        ("integer", json!(12345)),
        ("number", json!(1.5)),
        ("string", json!("text")),
        ("boolean", json!(true)),
        ("array", json!([1])),
        ("object", json!({"k": 1})),
        ("null", Value::Null),
    ];
    let allowed = |t: &str| {
        ts.iter()
            .any(|x| x == t || (x == "number" && t == "integer"))
    };
    options.retain(|(t, _)| !allowed(t) && (!optional || *t != "null"));
    (!options.is_empty()).then(|| options[rng.usize(..options.len())].1.clone())
}

/// Applies `m` to the bytes of `valid` (a body valid for `schema`); `None` when the body has
/// no place for this mutation.
pub fn apply(
    doc: &Value,
    schema: &Value,
    valid: &Value,
    m: Mutation,
    rng: &mut Rng,
) -> Option<Vec<u8>> {
    match m {
        Mutation::NotJson => {
            if rng.bool() {
                // Random bytes, invalid UTF-8 included.
                return Some((0..rng.usize(1..300)).map(|_| rng.u8(..)).collect());
            }
            let text = serde_json::to_string(valid).ok()?;
            let cut = rng.usize(..text.len().max(1));
            return Some(format!("{}{{\"", &text[..cut]).into_bytes());
        }
        Mutation::NotObject => {
            let v = [
                json!([valid.clone()]),
                json!("body"),
                json!(42),
                Value::Null,
            ];
            return serde_json::to_vec(&v[rng.usize(..v.len())]).ok();
        }
        Mutation::EmptyBody => {
            return Some(if rng.bool() {
                Vec::new()
            } else {
                b"  ".to_vec()
            });
        }
        _ => {}
    }
    let mut all = Vec::new();
    nodes(doc, schema, valid, false, &mut Vec::new(), &mut all);
    let fits = |n: &Node| -> bool {
        let s = &n.schema;
        match m {
            Mutation::MissingRequired => s.get("required").is_some(),
            Mutation::WrongType => !n.at.is_empty() && !types(s).is_empty(),
            Mutation::OutOfRange => {
                ["minimum", "maximum", "minItems"]
                    .iter()
                    .any(|k| s.get(k).is_some())
                    || s.get("maxItems")
                        .and_then(Value::as_u64)
                        .is_some_and(|x| x <= 64)
            }
            Mutation::Oversized => {
                types(s).iter().any(|t| t == "string") && s.get("enum").is_none()
            }
            Mutation::UnknownEnum => s.get("enum").is_some(),
            Mutation::UnknownProperty => types(s).iter().any(|t| t == "object"),
            Mutation::NullOptional => n.optional,
            _ => false,
        }
    };
    let candidates: Vec<&Node> = all.iter().filter(|n| fits(n)).collect();
    if candidates.is_empty() {
        return None;
    }
    let node = candidates[rng.usize(..candidates.len())];
    let mut v = valid.clone();
    let target = slot(&mut v, &node.at)?;
    let s = &node.schema;
    match m {
        Mutation::MissingRequired => {
            let req: Vec<&str> = s["required"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let present: Vec<&str> = req
                .into_iter()
                .filter(|k| target.get(*k).is_some())
                .collect();
            if present.is_empty() {
                return None;
            }
            target
                .as_object_mut()?
                .remove(present[rng.usize(..present.len())]);
        }
        Mutation::WrongType => *target = wrong_type(s, node.optional, rng)?,
        Mutation::NullOptional => *target = Value::Null,
        Mutation::OutOfRange => {
            if let Some(max) = s
                .get("maximum")
                .and_then(Value::as_f64)
                .filter(|_| rng.bool())
            {
                *target = json!(max as i64 + 1 + rng.i64(0..1000));
            } else if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
                *target = json!(min as i64 - 1 - rng.i64(0..1000));
            } else if let Some(max) = s
                .get("maxItems")
                .and_then(Value::as_u64)
                .filter(|x| *x <= 64)
            {
                let item = target
                    .as_array()
                    .and_then(|a| a.first().cloned())
                    .unwrap_or(json!("x"));
                *target = Value::Array(vec![item; max as usize + 1]);
            } else {
                *target = json!([]);
            }
        }
        Mutation::Oversized => {
            let max = s.get("maxLength").and_then(Value::as_u64).unwrap_or(1024) as usize;
            let n = if rng.bool() {
                max + 1
            } else {
                max + rng.usize(1..20_000)
            };
            *target = Value::String("x".repeat(n));
        }
        Mutation::UnknownEnum => *target = json!("NOT_A_DOCUMENTED_VALUE"),
        Mutation::UnknownProperty => {
            target
                .as_object_mut()?
                .insert("fuzz_unknown_property".into(), json!(1));
        }
        _ => return None,
    }
    serde_json::to_vec(&v).ok()
}

/// The body mutations, for drawing one.
pub const BODY: &[Mutation] = &[
    Mutation::MissingRequired,
    Mutation::WrongType,
    Mutation::OutOfRange,
    Mutation::Oversized,
    Mutation::UnknownEnum,
    Mutation::UnknownProperty,
    Mutation::NullOptional,
    Mutation::NotJson,
    Mutation::NotObject,
    Mutation::EmptyBody,
];

//! Values drawn from a schema of the exported OpenAPI: valid ones (types, enums, ranges,
//! lengths, patterns, formats, required properties, `if`/`then` and `anyOf` rules) and, in
//! [`super::mutate`], invalid ones made from them. A field whose value must name a real
//! object (a task, an instance, a source server) is asked of a hint first, so that valid
//! bodies reach the handlers instead of stopping at "does not exist".

use fastrand::Rng;
use serde_json::{Map, Value, json};

use super::schema::{Direction, is_valid};
use super::spec::resolve;

/// Supplies a value for a property path (`target_instance.id`, `migration_tasks[]`), or
/// `None` to draw one from the schema.
pub type Hint<'h> = &'h mut dyn FnMut(&str, &mut Rng) -> Option<Value>;

/// Draws values valid for schemas of one document.
pub struct Gen<'a, 'h> {
    pub doc: &'a Value,
    pub rng: &'a mut Rng,
    pub hint: Hint<'h>,
}

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A random string of `n` characters from `[a-z0-9]`.
pub fn token(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(ALNUM[rng.usize(..ALNUM.len())]))
        .collect()
}

fn merged(base: &Value, extra: &Value) -> Value {
    let mut m = base.as_object().cloned().unwrap_or_default();
    for (k, v) in extra.as_object().into_iter().flatten() {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

impl Gen<'_, '_> {
    /// A value valid for `schema` at property path `at` ("" for the root).
    pub fn valid(&mut self, schema: &Value, at: &str) -> Value {
        if let Some(v) = (self.hint)(at, self.rng) {
            return v;
        }
        let s = resolve(self.doc, schema).clone();
        if let Some(e) = s
            .get("enum")
            .and_then(Value::as_array)
            .filter(|e| !e.is_empty())
        {
            return e[self.rng.usize(..e.len())].clone();
        }
        if let Some(e) = s
            .get("x-open-enum")
            .and_then(Value::as_array)
            .filter(|e| !e.is_empty())
        {
            return e[self.rng.usize(..e.len())].clone();
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ if s.get("properties").is_some() => vec!["object"],
            _ => vec!["object", "string"],
        };
        let non_null: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        let t = if non_null.is_empty() || (types.contains(&"null") && self.rng.u8(..8) == 0) {
            "null"
        } else {
            non_null[self.rng.usize(..non_null.len())]
        };
        match t {
            "null" => Value::Null,
            "boolean" => Value::Bool(self.rng.bool()),
            "integer" => json!(self.integer(&s)),
            "number" => {
                let lo = s.get("minimum").and_then(Value::as_f64).unwrap_or(0.0);
                let hi = s
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .unwrap_or(lo + 1000.0);
                json!(lo + (hi - lo) * self.rng.f64())
            }
            "string" => Value::String(self.string(&s)),
            "array" => {
                let lo = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
                let hi = s
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .map_or(lo + 3, |m| m as usize);
                let n = self.rng.usize(lo..=hi.min(lo + 3).max(lo));
                let item = s.get("items").cloned().unwrap_or(json!({"type": "string"}));
                let at = format!("{at}[]");
                Value::Array((0..n).map(|_| self.valid(&item, &at)).collect())
            }
            _ => self.object(&s, at),
        }
    }

    fn integer(&mut self, s: &Value) -> i64 {
        let lo = s.get("minimum").and_then(Value::as_i64).unwrap_or(0);
        let hi = s
            .get("maximum")
            .and_then(Value::as_i64)
            .unwrap_or(lo.saturating_add(1000));
        // Mostly small values (pages, limits), sometimes the bounds themselves.
        match self.rng.u8(..6) {
            0 => lo,
            1 => hi,
            _ => self.rng.i64(lo..=hi.min(lo.saturating_add(200)).max(lo)),
        }
    }

    fn string(&mut self, s: &Value) -> String {
        let max = s.get("maxLength").and_then(Value::as_u64).unwrap_or(32) as usize;
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
        match s.get("format").and_then(Value::as_str) {
            Some("ipv4") => return self.ipv4(),
            Some("ipv6") => return format!("fd00::{:x}:{:x}", self.rng.u16(..), self.rng.u16(1..)),
            Some("host_port_list") => {
                let n = self.rng.usize(1..=2);
                let items: Vec<String> = (0..n)
                    .map(|_| format!("{}:{}", self.ipv4(), self.rng.u16(1..)))
                    .collect();
                return items.join(",");
            }
            Some("date_time_local") => {
                return format!(
                    "20{:02}-{:02}-{:02} {:02}:{:02}:{:02}",
                    self.rng.u8(10..30),
                    self.rng.u8(1..=12),
                    self.rng.u8(1..=28),
                    self.rng.u8(..24),
                    self.rng.u8(..60),
                    self.rng.u8(..60)
                );
            }
            _ => {}
        }
        match s.get("pattern").and_then(Value::as_str) {
            Some("^[0-9]+$") => {
                let (lo, hi) = s
                    .get("x-integer-range")
                    .and_then(Value::as_array)
                    .and_then(|r| Some((r.first()?.as_i64()?, r.get(1)?.as_i64()?)))
                    .unwrap_or((0, 100_000));
                self.rng.i64(lo..=hi).to_string()
            }
            Some("^[0-9]{14}$") => format!(
                "20{:02}{:02}{:02}{:02}{:02}{:02}",
                self.rng.u8(10..30),
                self.rng.u8(1..=12),
                self.rng.u8(1..=28),
                self.rng.u8(..24),
                self.rng.u8(..60),
                self.rng.u8(..60)
            ),
            Some("^[0-9]{1,2}:[0-9]{2}$") => {
                format!("{:02}:{:02}", self.rng.u8(..24), self.rng.u8(..60))
            }
            Some(other) => format!("unsupported pattern {other}"),
            None => {
                let n = self.rng.usize(min.min(max)..=max.min(min.max(1) + 12));
                token(self.rng, n)
            }
        }
    }

    fn ipv4(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.rng.u8(..),
            self.rng.u8(..),
            self.rng.u8(1..255)
        )
    }

    fn object(&mut self, s: &Value, at: &str) -> Value {
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: Vec<String> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut out = Map::new();
        for (k, ps) in &props {
            if required.contains(k) || self.rng.u8(..3) == 0 {
                let v = self.valid(ps, &child(at, k));
                out.insert(k.clone(), v);
            }
        }
        let mut v = Value::Object(out);
        // `anyOf` of `required` lists: meet one of them.
        for group in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(any) = group.get("anyOf").and_then(Value::as_array) {
                if !any.is_empty() && !is_valid(self.doc, group, &v, Direction::Request) {
                    let pick = any[self.rng.usize(..any.len())].clone();
                    self.add_required(&pick, &props, at, &mut v);
                }
            }
        }
        // `if`/`then`: when the condition holds, meet the consequence (required properties,
        // stricter property schemas).
        for group in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(cond), Some(then)) = (group.get("if"), group.get("then")) else {
                continue;
            };
            if is_valid(self.doc, cond, &v, Direction::Request) {
                self.add_required(then, &props, at, &mut v);
                for (k, extra) in then
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if v.get(k).is_some() {
                        let base = props
                            .get(k)
                            .map(|p| resolve(self.doc, p).clone())
                            .unwrap_or_default();
                        let value = self.valid(&merged(&base, extra), &child(at, k));
                        v[k] = value;
                    }
                }
            }
        }
        v
    }

    fn add_required(&mut self, s: &Value, props: &Map<String, Value>, at: &str, v: &mut Value) {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(k) = r.as_str() else { continue };
            if v.get(k).is_none_or(Value::is_null) {
                let ps = props.get(k).cloned().unwrap_or(json!({"type": "string"}));
                // A required property present but null does not meet the rule: draw again.
                let mut value = self.valid(&ps, &child(at, k));
                for _ in 0..32 {
                    if !value.is_null() {
                        break;
                    }
                    value = self.valid(&ps, &child(at, k));
                }
                v[k] = value;
            }
        }
    }
}

/// The path of property `k` under `at`.
pub fn child(at: &str, k: &str) -> String {
    if at.is_empty() {
        k.to_owned()
    } else {
        format!("{at}.{k}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::violations;
    use super::super::spec::Spec;
    use super::*;

    /// What the generator draws for every request body and parameter of both documents
    /// passes the validator (a thousand draws each).
    #[test]
    fn drawn_values_are_valid() {
        let spec = Spec::load().unwrap();
        let mut rng = Rng::with_seed(7);
        let mut none = |_: &str, _: &mut Rng| None;
        for op in &spec.operations {
            let doc = spec.doc(op.service);
            let mut schemas: Vec<Value> = op.params.iter().map(|p| p.schema.clone()).collect();
            schemas.extend(op.body.iter().map(|(_, s)| s.clone()));
            for s in &schemas {
                for _ in 0..1000 {
                    let v = Gen {
                        doc,
                        rng: &mut rng,
                        hint: &mut none,
                    }
                    .valid(s, "");
                    let e = violations(doc, s, &v, Direction::Request);
                    assert!(e.is_empty(), "{}: {v} -> {e:?}", op.id);
                }
            }
        }
    }
}

//! OpenAPI 3.1 export of a service spec, so standard tools (viewers, fuzzers, other
//! generators) can use it. Constraints, enums, cross-field rules (as JSON Schema `if`/`then`,
//! `anyOf`, `oneOf`) and error responses carry over; spec-only facts go in `x-` extensions.

use crate::files::Output;
use crate::spec::ir::{self, Cond, ParamIn, ResponseKind, Rule, SchemaKind, Type};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

pub fn generate(spec: &ir::Spec, spec_file: &str) -> Output {
    let doc = document(spec, spec_file);
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    Output {
        path: PathBuf::from("spec/openapi").join(format!("{}.json", spec.service.name)),
        text,
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn type_schema(t: &Type) -> Value {
    match t {
        Type::String => json!({"type": "string"}),
        Type::Bool => json!({"type": "boolean"}),
        Type::Int32 => json!({"type": "integer", "format": "int32"}),
        Type::Int64 => json!({"type": "integer", "format": "int64"}),
        Type::F64 => json!({"type": "number", "format": "double"}),
        Type::NumberOrString => json!({"type": ["number", "string"]}),
        Type::Json => json!({}),
        Type::Array(i) => json!({"type": "array", "items": type_schema(i)}),
        Type::Object(n) | Type::Enum(n) => schema_ref(n),
    }
}

fn apply_constraints(s: &mut Map<String, Value>, c: &ir::Constraints) {
    let mut put = |k: &str, v: Value| {
        s.insert(k.to_string(), v);
    };
    if let Some(v) = c.min_length {
        put("minLength", json!(v));
    }
    if let Some(v) = c.max_length {
        put("maxLength", json!(v));
    }
    if let Some(v) = c.minimum {
        put("minimum", number(v));
    }
    if let Some(v) = c.maximum {
        put("maximum", number(v));
    }
    if let Some(v) = c.min_items {
        put("minItems", json!(v));
    }
    if let Some(v) = c.max_items {
        put("maxItems", json!(v));
    }
    if let Some(v) = &c.pattern {
        put("pattern", json!(v));
    }
    if let Some(v) = &c.format {
        put("format", json!(v));
    }
    if let Some([lo, hi]) = c.integer_range {
        put("pattern", json!("^[0-9]+$"));
        put("x-integer-range", json!([lo, hi]));
    }
}

fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn field_schema(f: &ir::Field) -> Value {
    let mut s = match type_schema(&f.ty) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    // A $ref with siblings is fine in 3.1; keep the description beside it.
    s.insert("description".into(), json!(f.description));
    apply_constraints(&mut s, &f.constraints);
    if let Some(d) = &f.default {
        s.insert("default".into(), d.clone());
    }
    if f.sensitive {
        s.insert("format".into(), json!("password"));
        s.insert("writeOnly".into(), json!(true));
    }
    if f.lenient {
        // Sent as a string, but documents and services also send the number itself (S004's
        // `bandwidth_limit_mb: 123`): both are valid on the wire.
        match f.constraints.integer_range {
            Some([lo, hi]) => {
                s.insert("type".into(), json!(["string", "integer"]));
                s.insert("minimum".into(), json!(lo));
                s.insert("maximum".into(), json!(hi));
            }
            None => {
                s.insert("type".into(), json!(["string", "number"]));
            }
        }
        s.insert("x-lenient-number".into(), json!(true));
    }
    if f.nullable {
        allow_null(&mut s);
    }
    if f.rust != f.wire {
        s.insert("x-rust-name".into(), json!(f.rust));
    }
    if let Some(n) = &f.note {
        s.insert("x-note".into(), json!(n));
    }
    if !f.source.is_empty() {
        s.insert("x-source".into(), json!(f.source));
    }
    Value::Object(s)
}

/// Admits JSON `null` besides the schema's own values: `type` gains `"null"`; a `$ref` (which
/// has no `type` of its own) moves into `anyOf` with `{"type": "null"}`.
fn allow_null(s: &mut Map<String, Value>) {
    match s.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            s.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(ts)) => ts.push(json!("null")),
        _ => {
            if let Some(r) = s.remove("$ref") {
                s.insert("anyOf".into(), json!([{"$ref": r}, {"type": "null"}]));
            }
        }
    }
}

fn cond_schema(c: &Cond) -> Value {
    let (field, values, negate) = match c {
        Cond::Equals(f, v) => (f, v, false),
        Cond::NotEquals(f, v) => (f, v, true),
    };
    let holds = json!({"properties": {field: {"enum": values}}, "required": [field]});
    if negate { json!({"not": holds}) } else { holds }
}

/// `fields` are present and not `null`: a `null` decodes as absent (`nullable` fields), so a
/// rule that wants a field set is not met by one.
fn set<S: AsRef<str>>(fields: &[S]) -> Value {
    let not_null: Map<String, Value> = fields
        .iter()
        .map(|f| (f.as_ref().to_owned(), json!({"not": {"type": "null"}})))
        .collect();
    json!({"required": fields.iter().map(AsRef::as_ref).collect::<Vec<_>>(), "properties": not_null})
}

fn rule_schema(r: &Rule) -> Value {
    match r {
        Rule::RequiredIf { fields, cond } => {
            json!({"if": cond_schema(cond), "then": set(fields)})
        }
        Rule::ExactlyOneOf(fs) => {
            json!({"oneOf": fs.iter().map(|f| set(&[f])).collect::<Vec<_>>()})
        }
        Rule::AtLeastOneOf(fs) => {
            json!({"anyOf": fs.iter().map(|f| set(&[f])).collect::<Vec<_>>()})
        }
        Rule::FormatIf {
            field,
            format,
            cond,
        } => json!({
            "if": cond_schema(cond),
            "then": {"properties": {field: {"format": format}}}
        }),
        // An annotation only: the use stays valid.
        Rule::DeprecatedIf { cond, why } => json!({
            "if": cond_schema(cond),
            "then": {"deprecated": true, "description": format!("Deprecated use: {why}")}
        }),
    }
}

fn component(s: &ir::Schema) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), json!(s.description));
    match &s.kind {
        SchemaKind::Enum { values, closed } => {
            let wire: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
            out.insert("type".into(), json!("string"));
            if *closed {
                out.insert("enum".into(), json!(wire));
            } else {
                // Open enum: documented values, but any string is accepted.
                out.insert("examples".into(), json!(wire));
                out.insert("x-open-enum".into(), json!(wire));
            }
            let aliases: Map<String, Value> = values
                .iter()
                .flat_map(|v| v.aliases.iter().map(move |a| (a.clone(), json!(v.wire))))
                .collect();
            if !aliases.is_empty() {
                out.insert("x-aliases".into(), Value::Object(aliases));
            }
        }
        SchemaKind::Object {
            fields,
            rules,
            keep_unknown,
        } => {
            out.insert("type".into(), json!("object"));
            let props: Map<String, Value> = fields
                .iter()
                .map(|f| (f.wire.clone(), field_schema(f)))
                .collect();
            out.insert("properties".into(), Value::Object(props));
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.wire.as_str())
                .collect();
            if !required.is_empty() {
                out.insert("required".into(), json!(required));
            }
            if !rules.is_empty() {
                out.insert(
                    "allOf".into(),
                    Value::Array(rules.iter().map(rule_schema).collect()),
                );
            }
            out.insert("additionalProperties".into(), json!(*keep_unknown));
        }
    }
    if let Some(n) = &s.note {
        out.insert("x-note".into(), json!(n));
    }
    out.insert("x-source".into(), json!(s.source));
    Value::Object(out)
}

/// Example objects keyed by name: the source as summary, the note as description.
fn examples<'a>(list: impl Iterator<Item = &'a ir::Example>) -> Map<String, Value> {
    list.map(|e| {
        let mut v = json!({"summary": e.source, "value": e.json});
        if let Some(n) = &e.note {
            v["description"] = json!(n);
        }
        (e.name.clone(), v)
    })
    .collect()
}

fn operation(spec: &ir::Spec, op: &ir::Operation) -> Value {
    let params: Vec<Value> = op
        .params
        .iter()
        .map(|p| {
            let mut schema = match type_schema(&p.ty) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            apply_constraints(&mut schema, &p.constraints);
            if let Some(d) = &p.default {
                schema.insert("default".into(), d.clone());
            }
            let mut v = json!({
                "name": p.wire,
                "in": match p.location { ParamIn::Path => "path", ParamIn::Query => "query", ParamIn::Header => "header" },
                "required": p.required,
                "description": p.description,
                "schema": schema,
            });
            if p.from_credentials {
                v["x-from-credentials"] = json!(true);
            }
            v
        })
        .collect();
    let mut responses = Map::new();
    for r in &op.responses {
        let mut v = json!({"description": r.description});
        match (r.kind, &r.body) {
            (ResponseKind::Json, Some(b)) => {
                let mut content = json!({"schema": schema_ref(b)});
                let examples = examples(op.examples.iter().filter(|e| e.status == Some(r.status)));
                if !examples.is_empty() {
                    content["examples"] = Value::Object(examples);
                }
                v["content"] = json!({"application/json": content});
            }
            (ResponseKind::Text, _) => {
                v["content"] = json!({"text/plain": {"schema": {"type": "string"}}});
            }
            _ => {}
        }
        responses.insert(r.status.to_string(), v);
    }
    let mut o = json!({
        "operationId": op.name,
        "summary": op.summary,
        "parameters": params,
        "responses": responses,
        "x-idempotent": op.idempotent,
        "x-source": op.source,
    });
    if let Some(d) = &op.description {
        o["description"] = json!(d);
    }
    if let Some(b) = &op.body
        && let SchemaKind::Object { rules, .. } = &spec.schema(b).kind
    {
        let uses: Vec<String> = rules
            .iter()
            .filter(|r| matches!(r, Rule::DeprecatedIf { .. }))
            .map(crate::codegen::rules::describe_rule)
            .collect();
        if !uses.is_empty() {
            o["x-deprecated-use"] = json!(uses);
        }
    }
    if let Some(d) = &op.deprecated {
        o["deprecated"] = json!(true);
        o["x-deprecation"] = json!(d);
    }
    if let Some(b) = &op.body {
        let mut content = json!({"schema": schema_ref(b)});
        let examples = examples(op.examples.iter().filter(|e| e.request));
        if !examples.is_empty() {
            content["examples"] = Value::Object(examples);
        }
        o["requestBody"] = json!({"required": true, "content": {op.content_type.clone(): content}});
    }
    if let Some(p) = &op.pagination {
        o["x-pagination"] =
            json!({"offset": p.offset, "limit": p.limit, "items": p.items, "total": p.total});
    }
    let waiters: Vec<Value> = spec
        .waiters
        .iter()
        .filter(|w| w.operation == op.name)
        .map(|w| json!({"name": w.name, "field": w.field, "success": w.success, "failure": w.failure}))
        .collect();
    if !waiters.is_empty() {
        o["x-waiters"] = json!(waiters);
    }
    o
}

fn document(spec: &ir::Spec, spec_file: &str) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for op in &spec.operations {
        let entry = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        entry[op.method.to_lowercase()] = operation(spec, op);
    }
    let servers: Vec<Value> = spec
        .service
        .endpoints
        .iter()
        .flat_map(|(cloud, c)| {
            c.regions
                .iter()
                .map(move |(r, e)| json!({"url": e, "description": format!("{cloud} {r}")}))
        })
        .collect();
    let schemas: Map<String, Value> = spec
        .schemas
        .iter()
        .map(|s| (s.name.clone(), component(s)))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{} ({})", spec.service.title, spec.service.name),
            "version": spec.service.api_version,
            "description": format!("{}\n\nGenerated by `cargo xtask codegen` from {spec_file}; do not edit.", spec.service.description),
        },
        "servers": servers,
        "security": [{"SdkHmacSha256": []}, {"AuthToken": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "SdkHmacSha256": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "SDK-HMAC-SHA256 AK/SK request signature (X-Sdk-Date signed)."},
                "AuthToken": {"type": "apiKey", "in": "header", "name": "X-Auth-Token", "description": "IAM user token."}
            }
        }
    })
}

//! The operations of the exported OpenAPI documents (`spec/openapi/{dcs,sms}.json`), read at
//! run time so that the fuzzer follows the spec without a hand-kept list: path, method,
//! parameters, request body schema and every documented response.

use std::collections::BTreeMap;

use serde_json::Value;

/// Which emulated service an operation belongs to (its error shape and id rules differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    Dcs,
    Sms,
}

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    pub required: bool,
    pub schema: Value,
}

/// One documented response: its media type and schema, if it has a body.
#[derive(Debug, Clone)]
pub struct Documented {
    pub media: Option<String>,
    pub schema: Option<Value>,
}

/// One operation of an exported OpenAPI document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub service: Service,
    pub id: String,
    pub method: String,
    /// The path template, e.g. `/v2/{project_id}/migration-task/{task_id}`.
    pub path: String,
    pub params: Vec<Param>,
    /// Media type and schema of the request body, when the operation takes one.
    pub body: Option<(String, Value)>,
    pub responses: BTreeMap<u16, Documented>,
}

impl Operation {
    /// The path parameters, in template order.
    pub fn path_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.location == "path")
    }

    pub fn query_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.location == "query")
    }
}

/// Both documents and their operations.
pub struct Spec {
    pub dcs: Value,
    pub sms: Value,
    pub operations: Vec<Operation>,
}

impl Spec {
    /// The documents as exported by `cargo xtask codegen` (compiled in, so the fuzzer runs
    /// from any directory and always against the spec of its own commit).
    pub fn load() -> Result<Self, String> {
        let dcs: Value = serde_json::from_str(include_str!("../../../../spec/openapi/dcs.json"))
            .map_err(|e| format!("spec/openapi/dcs.json: {e}"))?;
        let sms: Value = serde_json::from_str(include_str!("../../../../spec/openapi/sms.json"))
            .map_err(|e| format!("spec/openapi/sms.json: {e}"))?;
        let mut operations = operations_of(Service::Dcs, &dcs)?;
        operations.extend(operations_of(Service::Sms, &sms)?);
        Ok(Self {
            dcs,
            sms,
            operations,
        })
    }

    /// The document an operation comes from (for `$ref` resolution).
    pub fn doc(&self, service: Service) -> &Value {
        match service {
            Service::Dcs => &self.dcs,
            Service::Sms => &self.sms,
        }
    }
}

fn operations_of(service: Service, doc: &Value) -> Result<Vec<Operation>, String> {
    let paths = doc["paths"]
        .as_object()
        .ok_or("OpenAPI document without paths")?;
    let mut out = Vec::new();
    for (path, item) in paths {
        let item = item
            .as_object()
            .ok_or_else(|| format!("{path}: not an object"))?;
        for (method, op) in item {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            out.push(operation(service, path, method, op)?);
        }
    }
    Ok(out)
}

fn operation(service: Service, path: &str, method: &str, op: &Value) -> Result<Operation, String> {
    let id = op["operationId"]
        .as_str()
        .ok_or_else(|| format!("{method} {path}: no operationId"))?
        .to_owned();
    let params = op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| Param {
                    name: p["name"].as_str().unwrap_or_default().to_owned(),
                    location: p["in"].as_str().unwrap_or_default().to_owned(),
                    required: p["required"].as_bool().unwrap_or(false),
                    schema: p["schema"].clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let body = op["requestBody"]["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .map(|(media, m)| (media.clone(), m["schema"].clone()));
    let mut responses = BTreeMap::new();
    for (status, r) in op["responses"].as_object().into_iter().flatten() {
        let status: u16 = status
            .parse()
            .map_err(|_| format!("{id}: response status {status} is not a number"))?;
        let content = r["content"].as_object().and_then(|c| c.iter().next());
        responses.insert(
            status,
            Documented {
                media: content.map(|(m, _)| m.clone()),
                schema: content.map(|(_, m)| m["schema"].clone()),
            },
        );
    }
    Ok(Operation {
        service,
        id,
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        params,
        body,
        responses,
    })
}

/// The schema `s` with one level of `$ref` resolved against `doc` (repeatedly, so a
/// reference to a reference ends at a schema).
pub fn resolve<'a>(doc: &'a Value, mut s: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = s.get("$ref").and_then(Value::as_str) else {
            return s;
        };
        let Some(ptr) = r.strip_prefix('#') else {
            return s;
        };
        match doc.pointer(ptr) {
            Some(t) => s = t,
            None => return s,
        }
    }
    s
}

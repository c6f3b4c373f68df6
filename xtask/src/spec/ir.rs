//! The checked, resolved spec the generators work from.
//!
//! The loader turns the hand-written YAML ([`super::model`]) into these types only after
//! every reference, name and rule has been checked, so generators never meet a dangling
//! reference and never need to report errors themselves.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Spec {
    /// The file it was loaded from, as given to the loader.
    pub file: String,
    pub service: Service,
    pub operations: Vec<Operation>,
    pub schemas: Vec<Schema>,
    pub waiters: Vec<Waiter>,
}

impl Spec {
    pub fn schema(&self, name: &str) -> &Schema {
        self.schemas
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| unreachable!("loader resolved schema {name}"))
    }

    pub fn operation(&self, name: &str) -> &Operation {
        self.operations
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| unreachable!("loader resolved operation {name}"))
    }
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub title: String,
    pub api_version: String,
    pub crate_name: String,
    pub description: String,
    pub default_content_type: String,
    pub error_schema: String,
    /// cloud id (`huaweicloud`, `otc`) → sorted region → endpoint.
    pub endpoints: BTreeMap<String, CloudEndpoints>,
    pub source: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CloudEndpoints {
    pub template: Option<String>,
    pub regions: Vec<(String, String)>,
    pub note: Option<String>,
    pub source: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    String,
    Bool,
    Int32,
    Int64,
    F64,
    /// Documented as a string, sent as a number by the service; keeps its representation.
    NumberOrString,
    /// Free-form JSON.
    Json,
    Array(Box<Type>),
    Object(String),
    Enum(String),
}

impl Type {
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int32 | Type::Int64 | Type::F64)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub pattern: Option<String>,
    pub format: Option<String>,
    pub integer_range: Option<[i64; 2]>,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub wire: String,
    pub rust: String,
    pub ty: Type,
    pub required: bool,
    pub description: String,
    pub default: Option<serde_json::Value>,
    pub constraints: Constraints,
    pub sensitive: bool,
    pub lenient: bool,
    /// The documents show JSON `null` for it (decoded as absent).
    pub nullable: bool,
    pub source: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub wire: String,
    pub rust: String,
    pub aliases: Vec<String>,
    pub description: String,
    pub source: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// The field has one of the wire values.
    Equals(String, Vec<serde_json::Value>),
    /// The field is absent or has none of the wire values.
    NotEquals(String, Vec<serde_json::Value>),
}

impl Cond {
    /// Human description used in validation messages.
    pub fn describe(&self) -> String {
        let list = |vals: &[serde_json::Value]| {
            vals.iter()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" or ")
        };
        match self {
            Cond::Equals(f, v) => format!("{f} is {}", list(v)),
            Cond::NotEquals(f, v) => format!("{f} is not {}", list(v)),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Rule {
    RequiredIf {
        fields: Vec<String>,
        cond: Cond,
    },
    ExactlyOneOf(Vec<String>),
    AtLeastOneOf(Vec<String>),
    FormatIf {
        field: String,
        format: String,
        cond: Cond,
    },
    /// Documentation only: the condition describes a deprecated use.
    DeprecatedIf {
        cond: Cond,
        why: String,
    },
}

#[derive(Debug, Clone)]
pub enum SchemaKind {
    Object {
        fields: Vec<Field>,
        rules: Vec<Rule>,
        keep_unknown: bool,
    },
    Enum {
        values: Vec<EnumValue>,
        closed: bool,
    },
}

/// Where a schema is reachable from: decides whether required fields may be plain values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub request: bool,
    pub response: bool,
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub name: String,
    pub description: String,
    pub kind: SchemaKind,
    pub usage: Usage,
    pub source: Vec<String>,
    pub note: Option<String>,
}

impl Schema {
    pub fn fields(&self) -> &[Field] {
        match &self.kind {
            SchemaKind::Object { fields, .. } => fields,
            SchemaKind::Enum { .. } => &[],
        }
    }

    /// Required fields are plain (non-`Option`) values only in request-only schemas:
    /// anything the service sends back is decoded tolerantly.
    pub fn strict_required(&self) -> bool {
        !self.usage.response
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub wire: String,
    pub rust: String,
    pub location: ParamIn,
    pub ty: Type,
    pub required: bool,
    pub description: String,
    pub default: Option<serde_json::Value>,
    pub constraints: Constraints,
    pub sensitive: bool,
    pub from_credentials: bool,
    pub source: Vec<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    Json,
    Text,
    Empty,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub description: String,
    pub body: Option<String>,
    pub kind: ResponseKind,
    pub source: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Pagination {
    pub offset: String,
    pub limit: String,
    pub items: String,
    pub total: String,
}

#[derive(Debug, Clone)]
pub struct Example {
    pub name: String,
    pub file: String,
    pub request: bool,
    pub status: Option<u16>,
    pub source: String,
    pub note: Option<String>,
    pub json: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    pub summary: String,
    pub description: Option<String>,
    pub method: String,
    pub path: String,
    pub content_type: String,
    pub idempotent: bool,
    pub deprecated: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<String>,
    pub responses: Vec<Response>,
    pub pagination: Option<Pagination>,
    pub examples: Vec<Example>,
    pub source: Vec<String>,
}

impl Operation {
    /// Parameters the caller sets: all but those the runtime fills from the credentials
    /// (the project id).
    pub fn caller_params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| !p.from_credentials)
    }

    /// The success response (lowest 2xx).
    pub fn success(&self) -> &Response {
        self.find_success()
            .unwrap_or_else(|| unreachable!("loader requires a 2xx response"))
    }

    /// The success response, if the operation lists one: the loader's later passes run on
    /// operations it has already rejected for lacking one.
    pub fn find_success(&self) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| (200..300).contains(&r.status))
    }
}

#[derive(Debug, Clone)]
pub struct Waiter {
    pub name: String,
    pub description: String,
    pub operation: String,
    pub field: String,
    pub success: Vec<String>,
    pub failure: Vec<String>,
    pub source: Vec<String>,
}

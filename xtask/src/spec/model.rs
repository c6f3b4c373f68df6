//! The YAML spec as written by hand: one file per service (`spec/dcs.yaml`, `spec/sms.yaml`).
//!
//! Every list entry that can be referenced carries a `Spanned` name so the loader can point
//! at the exact line of a problem. Lists (not maps) keep the author's order, which is also the
//! generated order, and let the loader detect duplicate names.

use serde::Deserialize;
use serde_saphyr::Spanned;

/// A string with its source position.
pub type Str = Spanned<String>;

/// One service file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    pub service: Service,
    #[serde(default)]
    pub operations: Vec<Operation>,
    #[serde(default)]
    pub schemas: Vec<Schema>,
    #[serde(default)]
    pub waiters: Vec<Waiter>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Short name: `dcs`, `sms`; used for endpoint env overrides and module names.
    pub name: Str,
    pub title: String,
    pub api_version: String,
    /// The crate the generated code goes to, e.g. `hwcloud-dcs`.
    #[serde(rename = "crate")]
    pub crate_name: Str,
    pub description: String,
    /// Content-Type used when an operation does not name its own.
    pub default_content_type: String,
    pub endpoints: Endpoints,
    /// Schema used for every error status not given its own body (e.g. `DcsErrorBody`).
    pub error_schema: Str,
    #[serde(default)]
    pub source: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    pub huaweicloud: Option<CloudEndpoints>,
    pub otc: Option<CloudEndpoints>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudEndpoints {
    /// Template with `{region}`, for regions listed in `regions` without an explicit endpoint.
    pub template: Option<String>,
    /// Region entries: either a bare region id (uses `template`) or `{id, endpoint}`.
    pub regions: Vec<RegionEntry>,
    #[serde(default)]
    pub source: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RegionEntry {
    Id(Str),
    Explicit(ExplicitRegion),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitRegion {
    pub id: Str,
    pub endpoint: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// PascalCase id, as the official SDKs name the operation.
    pub name: Str,
    pub summary: String,
    #[serde(default)]
    pub description: Option<String>,
    pub method: Str,
    pub path: Str,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Safe to retry after the server may have seen it.
    pub idempotent: bool,
    #[serde(default)]
    pub deprecated: Option<String>,
    #[serde(default)]
    pub params: Vec<Param>,
    /// Request body schema.
    #[serde(default)]
    pub body: Option<Str>,
    pub responses: Vec<Response>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
    #[serde(default)]
    pub examples: Vec<Example>,
    pub source: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamIn {
    Path,
    Query,
    Header,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: Str,
    #[serde(rename = "in")]
    pub location: ParamIn,
    #[serde(default)]
    pub rust_name: Option<Str>,
    #[serde(rename = "type")]
    pub ty: Str,
    #[serde(default)]
    pub required: bool,
    pub description: String,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub constraints: Constraints,
    #[serde(default)]
    pub sensitive: bool,
    /// Filled by the runtime (the project id), not by the caller.
    #[serde(default)]
    pub from_credentials: bool,
    #[serde(default)]
    pub source: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    Json,
    Text,
    Empty,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub status: Spanned<u16>,
    pub description: String,
    /// Body schema; error statuses default to the service's `error_schema`.
    #[serde(default)]
    pub body: Option<Str>,
    #[serde(default)]
    pub kind: Option<ResponseKind>,
    #[serde(default)]
    pub source: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// Query parameter holding the offset.
    pub offset: Str,
    /// Query parameter holding the page size.
    pub limit: Str,
    /// Response field holding the page's items (an array).
    pub items: Str,
    /// Response field holding the total count.
    pub total: Str,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub name: Str,
    /// JSON file, relative to `spec/`.
    pub file: Str,
    /// `request` body, or a response `status`.
    #[serde(default)]
    pub request: bool,
    #[serde(default)]
    pub status: Option<u16>,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub name: Str,
    pub description: String,
    /// Object fields (an object schema).
    #[serde(default)]
    pub fields: Option<Vec<Field>>,
    /// Enumeration values (an enum schema).
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<EnumValue>>,
    /// Enum only: unknown values are a validation error (the docs fix the set).
    #[serde(default)]
    pub closed: bool,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Object only: keep unknown wire fields in `extra` (default: true for response schemas).
    #[serde(default)]
    pub keep_unknown: Option<bool>,
    pub source: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Wire name.
    pub name: Str,
    #[serde(default)]
    pub rust_name: Option<Str>,
    #[serde(rename = "type")]
    pub ty: Str,
    /// Array item type.
    #[serde(default)]
    pub items: Option<Str>,
    #[serde(default)]
    pub required: bool,
    pub description: String,
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub constraints: Constraints,
    /// Passwords and tokens: redacted in Debug.
    #[serde(default)]
    pub sensitive: bool,
    /// String sent as a JSON string but accepted as a number too.
    #[serde(default)]
    pub lenient: bool,
    /// The documents show JSON `null` for it: decoded as absent, never sent.
    #[serde(default)]
    pub nullable: bool,
    #[serde(default)]
    pub source: Vec<String>,
    /// How a discrepancy between sources was resolved, with the evidence.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub pattern: Option<Str>,
    pub format: Option<Str>,
    /// For lenient strings holding integers: inclusive range of the integer.
    pub integer_range: Option<[i64; 2]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub value: Str,
    #[serde(default)]
    pub rust_name: Option<Str>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub description: String,
    #[serde(default)]
    pub source: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A cross-field rule the docs state in prose.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Rule {
    RequiredIf(Conditional),
    ExactlyOneOf(Vec<Str>),
    AtLeastOneOf(Vec<Str>),
    FormatIf(FormatIf),
    /// A value that is still accepted but should no longer be sent (documentation only).
    DeprecatedIf(DeprecatedIf),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeprecatedIf {
    pub when: Str,
    #[serde(default)]
    pub equals: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub not_equals: Option<Vec<serde_json::Value>>,
    /// Why, and what to use instead.
    pub why: String,
    #[serde(default)]
    pub source: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditional {
    /// Fields required when the condition holds.
    pub fields: Vec<Str>,
    /// Field the condition looks at.
    pub when: Str,
    /// Holds when `when` has one of these values.
    #[serde(default)]
    pub equals: Option<Vec<serde_json::Value>>,
    /// Holds when `when` is absent or has none of these values.
    #[serde(default)]
    pub not_equals: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub source: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatIf {
    pub field: Str,
    pub format: Str,
    pub when: Str,
    #[serde(default)]
    pub equals: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub not_equals: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub source: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiter {
    pub name: Str,
    pub description: String,
    /// Operation polled (a `show`).
    pub operation: Str,
    /// Response field holding the state.
    pub field: Str,
    pub success: Vec<Str>,
    pub failure: Vec<Str>,
    pub source: Vec<String>,
}

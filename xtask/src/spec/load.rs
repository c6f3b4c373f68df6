//! Loading and checking the spec. Every problem becomes a [`SpecError`] with the file, the
//! line and a hint; the loader collects as many as it can in one pass and never panics.

use super::ir;
use super::model;
use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: String,
    pub line: u64,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Types a field may name besides a schema.
pub const PRIMITIVES: &[&str] = &[
    "string",
    "bool",
    "int32",
    "int64",
    "f64",
    "number_or_string",
    "json",
    "array",
];

/// Formats a string field may declare.
pub const FORMATS: &[&str] = &["ipv4", "ipv6", "date_time_local", "host_port_list"];

/// Prelude names the generated code uses unqualified.
const PRELUDE_TYPES: &[&str] = &[
    "Option", "Some", "None", "String", "Vec", "Result", "Ok", "Err", "Box", "Default", "Into",
    "From",
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH"];

/// Names generated code uses itself, so fields may not take them.
const RESERVED_FIELDS: &[&str] = &["extra", "builder"];

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield",
];

/// Loads every `*.yaml` file directly in `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<ir::Spec>, Vec<SpecError>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect(),
        Err(e) => {
            return Err(vec![SpecError {
                file: dir.display().to_string(),
                line: 0,
                message: format!("cannot read spec directory: {e}"),
                hint: "the spec directory is found from the xtask crate's location; check the checkout".into(),
            }]);
        }
    };
    files.sort();
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load_file(&f) {
            Ok(s) => specs.push(s),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(errors)
    }
}

/// Loads one spec file; example files are resolved relative to its directory.
pub fn load_file(path: &Path) -> Result<ir::Spec, Vec<SpecError>> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![SpecError {
            file: display.clone(),
            line: 0,
            message: format!("cannot read file: {e}"),
            hint: String::new(),
        }]
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    load_str(&display, &text, base)
}

/// Loads spec text named `file` (for messages); examples resolve against `base_dir`.
pub fn load_str(file: &str, text: &str, base_dir: &Path) -> Result<ir::Spec, Vec<SpecError>> {
    let raw: model::SpecFile = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        let full = e.to_string();
        let first = full.lines().next().unwrap_or("invalid YAML");
        // serde-saphyr prefixes "error: line L column C: "; the line is reported separately.
        let message = first
            .strip_prefix("error: ")
            .unwrap_or(first)
            .split_once(": ")
            .filter(|(pos, _)| pos.starts_with("line "))
            .map_or(first, |(_, rest)| rest)
            .to_string();
        let hint = if message.contains("unknown field") {
            "check the key's spelling; spec/README.md lists every key each entry accepts"
        } else if message.contains("missing field") {
            "this entry needs that key; see spec/README.md"
        } else if message.contains("unknown variant") {
            "use one of the values listed in the message"
        } else {
            "see spec/README.md for the format"
        };
        vec![SpecError {
            file: file.to_string(),
            line,
            message,
            hint: hint.to_string(),
        }]
    })?;
    let enum_known = raw
        .schemas
        .iter()
        .filter_map(|s| {
            let vals = s.enum_values.as_ref()?;
            let set = vals
                .iter()
                .flat_map(|v| {
                    std::iter::once(v.value.value.clone()).chain(v.aliases.iter().cloned())
                })
                .collect();
            Some((s.name.value.clone(), set))
        })
        .collect();
    let mut cx = Checker {
        file: file.to_string(),
        errors: Vec::new(),
        enum_known,
    };
    let spec = cx.check(raw, base_dir);
    if cx.errors.is_empty() {
        Ok(spec)
    } else {
        Err(cx.errors)
    }
}

struct Checker {
    file: String,
    errors: Vec<SpecError>,
    /// Enum schema name → wire values and aliases.
    enum_known: HashMap<String, BTreeSet<String>>,
}

fn line<T>(s: &Spanned<T>) -> u64 {
    s.referenced.line()
}

impl Checker {
    fn err(&mut self, line: u64, message: impl Into<String>, hint: impl Into<String>) {
        self.errors.push(SpecError {
            file: self.file.clone(),
            line,
            message: message.into(),
            hint: hint.into(),
        });
    }

    fn check(&mut self, raw: model::SpecFile, base_dir: &Path) -> ir::Spec {
        // Schema names first: every type reference resolves against them.
        let mut kinds: BTreeMap<String, bool> = BTreeMap::new(); // name -> is_enum
        let mut seen = HashMap::new();
        for s in &raw.schemas {
            if let Some(prev) = seen.insert(s.name.value.clone(), line(&s.name)) {
                self.err(
                    line(&s.name),
                    format!("duplicate schema `{}`", s.name.value),
                    format!("the first definition is on line {prev}; rename or merge them"),
                );
            }
            if PRIMITIVES.contains(&s.name.value.as_str()) {
                self.err(
                    line(&s.name),
                    format!("schema name `{}` is a built-in type", s.name.value),
                    "schema names are PascalCase, e.g. `MigrationTask`",
                );
            }
            if PRELUDE_TYPES.contains(&s.name.value.as_str()) {
                self.err(
                    line(&s.name),
                    format!("schema name `{}` shadows a Rust prelude type", s.name.value),
                    "generated code uses Option, String, Vec, Result and Box unqualified; pick another name",
                );
            }
            if s.name.value.to_upper_camel_case() != s.name.value {
                self.err(
                    line(&s.name),
                    format!("schema name `{}` is not PascalCase", s.name.value),
                    format!("use `{}`", s.name.value.to_upper_camel_case()),
                );
            }
            kinds.insert(s.name.value.clone(), s.enum_values.is_some());
        }

        let service = self.service(&raw.service, &kinds);
        let mut schemas: Vec<ir::Schema> =
            raw.schemas.iter().map(|s| self.schema(s, &kinds)).collect();
        let operations: Vec<ir::Operation> = raw
            .operations
            .iter()
            .map(|o| self.operation(o, &kinds, &service, base_dir))
            .collect();
        let mut op_seen = HashMap::new();
        for o in &raw.operations {
            if let Some(prev) = op_seen.insert(o.name.value.clone(), line(&o.name)) {
                self.err(
                    line(&o.name),
                    format!("duplicate operation `{}`", o.name.value),
                    format!("the first definition is on line {prev}"),
                );
            }
        }

        compute_usage(&mut schemas, &operations);
        for s in &mut schemas {
            if let ir::SchemaKind::Object { keep_unknown, .. } = &mut s.kind {
                let explicit = raw
                    .schemas
                    .iter()
                    .find(|r| r.name.value == s.name)
                    .and_then(|r| r.keep_unknown);
                *keep_unknown = explicit.unwrap_or(s.usage.response);
            }
        }

        let spec = ir::Spec {
            file: self.file.clone(),
            service,
            operations,
            schemas,
            waiters: Vec::new(),
        };
        // Second pass: checks that need the resolved schemas.
        for (o, ro) in spec.operations.iter().zip(&raw.operations) {
            self.check_pagination(&spec, o, ro);
        }
        let waiters = raw
            .waiters
            .iter()
            .filter_map(|w| self.waiter(&spec, w))
            .collect();
        ir::Spec { waiters, ..spec }
    }

    fn service(&mut self, s: &model::Service, kinds: &BTreeMap<String, bool>) -> ir::Service {
        let mut endpoints = BTreeMap::new();
        for (cloud, ce) in [
            ("huaweicloud", &s.endpoints.huaweicloud),
            ("otc", &s.endpoints.otc),
        ] {
            let Some(ce) = ce else { continue };
            let mut regions = Vec::new();
            let mut seen = BTreeSet::new();
            for r in &ce.regions {
                let (id, endpoint, l) = match r {
                    model::RegionEntry::Id(id) => {
                        let Some(t) = &ce.template else {
                            self.err(
                                line(id),
                                format!("region `{}` has no endpoint and {cloud} has no template", id.value),
                                "write `{id: REGION, endpoint: https://...}` or add `template:` with `{region}`",
                            );
                            continue;
                        };
                        (id.value.clone(), t.replace("{region}", &id.value), line(id))
                    }
                    model::RegionEntry::Explicit(e) => {
                        (e.id.value.clone(), e.endpoint.clone(), line(&e.id))
                    }
                };
                if !endpoint.starts_with("https://") {
                    self.err(
                        l,
                        format!("endpoint `{endpoint}` is not https"),
                        "cloud endpoints are https; plain http is only for --endpoint overrides",
                    );
                }
                if !seen.insert(id.clone()) {
                    self.err(
                        l,
                        format!("duplicate region `{id}` for {cloud}"),
                        "list each region once",
                    );
                }
                regions.push((id, endpoint));
            }
            regions.sort();
            endpoints.insert(
                cloud.to_string(),
                ir::CloudEndpoints {
                    template: ce.template.clone(),
                    regions,
                    note: ce.note.clone(),
                    source: ce.source.clone(),
                },
            );
        }
        if kinds.get(&s.error_schema.value) != Some(&false) {
            self.err(
                line(&s.error_schema),
                format!(
                    "error_schema `{}` is not an object schema of this file",
                    s.error_schema.value
                ),
                "define the error body under `schemas:` and name it here",
            );
        }
        ir::Service {
            name: s.name.value.clone(),
            title: s.title.clone(),
            api_version: s.api_version.clone(),
            crate_name: s.crate_name.value.clone(),
            description: s.description.clone(),
            default_content_type: s.default_content_type.clone(),
            error_schema: s.error_schema.value.clone(),
            endpoints,
            source: s.source.clone(),
        }
    }

    /// Resolves a type name (plus `items` for arrays).
    fn ty(
        &mut self,
        ty: &model::Str,
        items: Option<&model::Str>,
        kinds: &BTreeMap<String, bool>,
        what: &str,
    ) -> ir::Type {
        let t = match ty.value.as_str() {
            "string" => ir::Type::String,
            "bool" => ir::Type::Bool,
            "int32" => ir::Type::Int32,
            "int64" => ir::Type::Int64,
            "f64" => ir::Type::F64,
            "number_or_string" => ir::Type::NumberOrString,
            "json" => ir::Type::Json,
            "array" => {
                let Some(items) = items else {
                    self.err(
                        line(ty),
                        format!("{what} is an array without `items`"),
                        "add `items: TYPE` (a built-in type or a schema name)",
                    );
                    return ir::Type::Json;
                };
                if items.value == "array" {
                    self.err(
                        line(items),
                        format!("{what}: nested arrays are not supported"),
                        "wrap the inner array in an object schema",
                    );
                    return ir::Type::Json;
                }
                return ir::Type::Array(Box::new(self.ty(items, None, kinds, what)));
            }
            name => match kinds.get(name) {
                Some(true) => ir::Type::Enum(name.to_string()),
                Some(false) => ir::Type::Object(name.to_string()),
                None => {
                    let hint = match closest(
                        name,
                        kinds
                            .keys()
                            .map(String::as_str)
                            .chain(PRIMITIVES.iter().copied()),
                    ) {
                        Some(c) => format!(
                            "did you mean `{c}`? types are {} or a schema name",
                            PRIMITIVES.join(", ")
                        ),
                        None => format!(
                            "types are {} or a schema name defined under `schemas:`",
                            PRIMITIVES.join(", ")
                        ),
                    };
                    self.err(line(ty), format!("unknown type `{name}` for {what}"), hint);
                    ir::Type::Json
                }
            },
        };
        if let Some(items) = items {
            self.err(
                line(items),
                format!("{what} has `items` but is not an array"),
                "remove `items` or set `type: array`",
            );
        }
        t
    }

    fn rust_ident(&mut self, wire: &model::Str, rust: Option<&model::Str>, what: &str) -> String {
        let name = match rust {
            Some(r) => r.value.clone(),
            None => wire.value.to_snake_case(),
        };
        let l = rust.map(line).unwrap_or(line(wire));
        if RUST_KEYWORDS.contains(&name.as_str()) {
            self.err(
                l,
                format!("{what} `{}` becomes the Rust keyword `{name}`", wire.value),
                format!(
                    "add `rust_name:` (e.g. `{}_`, or a more telling name)",
                    name
                ),
            );
        } else if RESERVED_FIELDS.contains(&name.as_str()) {
            self.err(
                l,
                format!(
                    "{what} `{}` uses the reserved Rust name `{name}`",
                    wire.value
                ),
                "add `rust_name:` with another name",
            );
        } else if name.is_empty()
            || name.to_snake_case() != name
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            self.err(
                l,
                format!(
                    "{what} `{}` has no valid snake_case Rust name (`{name}`)",
                    wire.value
                ),
                "add `rust_name:` in snake_case",
            );
        }
        name
    }

    fn constraints(
        &mut self,
        c: &model::Constraints,
        ty: &ir::Type,
        l: u64,
        what: &str,
    ) -> ir::Constraints {
        let is_string = matches!(ty, ir::Type::String);
        let is_array = matches!(ty, ir::Type::Array(_));
        let bad = |this: &mut Self, key: &str, needs: &str| {
            this.err(
                l,
                format!("{what}: `{key}` does not apply to type {ty:?}"),
                format!("`{key}` applies to {needs}"),
            );
        };
        if (c.min_length.is_some() || c.max_length.is_some()) && !is_string {
            bad(self, "min_length/max_length", "strings");
        }
        if (c.minimum.is_some() || c.maximum.is_some()) && !ty.is_numeric() {
            bad(
                self,
                "minimum/maximum",
                "int32, int64 and f64 (use integer_range for numeric strings)",
            );
        }
        if (c.min_items.is_some() || c.max_items.is_some()) && !is_array {
            bad(self, "min_items/max_items", "arrays");
        }
        if c.integer_range.is_some() && !is_string {
            bad(self, "integer_range", "strings that hold integers");
        }
        if let Some(p) = &c.pattern {
            if !is_string {
                bad(self, "pattern", "strings");
            }
            if let Err(e) = regex_lite::Regex::new(&p.value) {
                self.err(
                    line(p),
                    format!("{what}: pattern does not compile: {e}"),
                    "patterns use Rust regex syntax; anchor them with ^...$",
                );
            }
        }
        if let Some(f) = &c.format {
            if !is_string {
                bad(self, "format", "strings");
            }
            if !FORMATS.contains(&f.value.as_str()) {
                self.err(
                    line(f),
                    format!("{what}: unknown format `{}`", f.value),
                    format!("formats are {}", FORMATS.join(", ")),
                );
            }
        }
        let pairs = [
            (
                c.min_length.map(|v| v as f64),
                c.max_length.map(|v| v as f64),
                "min_length",
                "max_length",
            ),
            (c.minimum, c.maximum, "minimum", "maximum"),
            (
                c.min_items.map(|v| v as f64),
                c.max_items.map(|v| v as f64),
                "min_items",
                "max_items",
            ),
            (
                c.integer_range.map(|r| r[0] as f64),
                c.integer_range.map(|r| r[1] as f64),
                "integer_range[0]",
                "integer_range[1]",
            ),
        ];
        for (lo, hi, a, b) in pairs {
            if let (Some(lo), Some(hi)) = (lo, hi)
                && lo > hi
            {
                self.err(
                    l,
                    format!("{what}: {a} ({lo}) is greater than {b} ({hi})"),
                    "swap them or fix the bound",
                );
            }
        }
        ir::Constraints {
            min_length: c.min_length,
            max_length: c.max_length,
            minimum: c.minimum,
            maximum: c.maximum,
            min_items: c.min_items,
            max_items: c.max_items,
            pattern: c.pattern.as_ref().map(|p| p.value.clone()),
            format: c.format.as_ref().map(|p| p.value.clone()),
            integer_range: c.integer_range,
        }
    }

    fn schema(&mut self, s: &model::Schema, kinds: &BTreeMap<String, bool>) -> ir::Schema {
        let name = s.name.value.clone();
        let kind = match (&s.fields, &s.enum_values) {
            (Some(_), Some(_)) => {
                self.err(
                    line(&s.name),
                    format!("schema `{name}` has both `fields` and `enum`"),
                    "a schema is either an object (fields) or an enum",
                );
                ir::SchemaKind::Enum {
                    values: vec![],
                    closed: false,
                }
            }
            (None, None) => {
                self.err(
                    line(&s.name),
                    format!("schema `{name}` has neither `fields` nor `enum`"),
                    "add `fields:` for an object or `enum:` for an enumeration",
                );
                ir::SchemaKind::Enum {
                    values: vec![],
                    closed: false,
                }
            }
            (None, Some(values)) => self.enum_schema(s, values),
            (Some(fields), None) => self.object_schema(s, fields, kinds),
        };
        if s.closed && s.fields.is_some() {
            self.err(
                line(&s.name),
                format!("`closed` applies to enums, but `{name}` is an object"),
                "remove `closed`",
            );
        }
        ir::Schema {
            name,
            description: s.description.clone(),
            kind,
            usage: ir::Usage::default(),
            source: s.source.clone(),
            note: s.note.clone(),
        }
    }

    fn enum_schema(&mut self, s: &model::Schema, values: &[model::EnumValue]) -> ir::SchemaKind {
        let name = &s.name.value;
        if values.is_empty() {
            self.err(
                line(&s.name),
                format!("enum `{name}` has no values"),
                "list at least one `- value: ...`",
            );
        }
        if !s.rules.is_empty() {
            self.err(
                line(&s.name),
                format!("enum `{name}` has `rules`"),
                "rules belong to object schemas",
            );
        }
        let mut wires = HashMap::new();
        let mut rusts = HashMap::new();
        let mut out = Vec::new();
        for v in values {
            let rust = match &v.rust_name {
                Some(r) => r.value.clone(),
                None => v.value.value.to_upper_camel_case(),
            };
            for w in std::iter::once(&v.value.value).chain(&v.aliases) {
                if let Some(prev) = wires.insert(w.clone(), line(&v.value)) {
                    self.err(
                        line(&v.value),
                        format!("enum `{name}`: value `{w}` appears twice"),
                        format!("first on line {prev}"),
                    );
                }
            }
            if rust == "Unknown" || rust.is_empty() || rust.to_upper_camel_case() != rust {
                self.err(
                    line(&v.value),
                    format!(
                        "enum `{name}`: value `{}` has no usable Rust name (`{rust}`)",
                        v.value.value
                    ),
                    "add `rust_name:` in PascalCase (`Unknown` is reserved for the catch-all)",
                );
            }
            if let Some(prev) = rusts.insert(rust.clone(), line(&v.value)) {
                self.err(
                    line(&v.value),
                    format!("enum `{name}`: Rust name `{rust}` is used twice"),
                    format!("first on line {prev}; add `rust_name:`"),
                );
            }
            out.push(ir::EnumValue {
                wire: v.value.value.clone(),
                rust,
                aliases: v.aliases.clone(),
                description: v.description.clone(),
                source: v.source.clone(),
                note: v.note.clone(),
            });
        }
        ir::SchemaKind::Enum {
            values: out,
            closed: s.closed,
        }
    }

    fn object_schema(
        &mut self,
        s: &model::Schema,
        fields: &[model::Field],
        kinds: &BTreeMap<String, bool>,
    ) -> ir::SchemaKind {
        let sname = &s.name.value;
        let mut out: Vec<ir::Field> = Vec::new();
        let mut wires = HashMap::new();
        let mut rusts = HashMap::new();
        for f in fields {
            let what = format!("field `{}` of `{sname}`", f.name.value);
            let duplicate_wire = wires.insert(f.name.value.clone(), line(&f.name));
            if let Some(prev) = duplicate_wire {
                self.err(
                    line(&f.name),
                    format!("duplicate field `{}` in `{sname}`", f.name.value),
                    format!("first on line {prev}"),
                );
            }
            let rust = self.rust_ident(&f.name, f.rust_name.as_ref(), "field");
            if let Some(prev) = rusts.insert(rust.clone(), line(&f.name))
                && duplicate_wire.is_none()
            {
                self.err(
                    line(&f.name),
                    format!(
                        "Rust name `{rust}` of field `{}` in `{sname}` is used twice",
                        f.name.value
                    ),
                    format!("first on line {prev}; add `rust_name:`"),
                );
            }
            let ty = self.ty(&f.ty, f.items.as_ref(), kinds, &what);
            if f.lenient && ty != ir::Type::String {
                self.err(
                    line(&f.ty),
                    format!("{what}: `lenient` applies to strings only"),
                    "use type number_or_string for response numbers that may arrive as strings",
                );
            }
            let constraints = self.constraints(&f.constraints, &ty, line(&f.name), &what);
            if f.nullable && f.required {
                self.err(
                    line(&f.name),
                    format!("{what}: a required field cannot be `nullable`"),
                    "`nullable` marks optional fields the documents show as null",
                );
            }
            out.push(ir::Field {
                wire: f.name.value.clone(),
                rust,
                ty,
                required: f.required,
                description: f.description.clone(),
                default: f.default.clone(),
                constraints,
                sensitive: f.sensitive,
                lenient: f.lenient,
                nullable: f.nullable,
                source: f.source.clone(),
                note: f.note.clone(),
            });
        }
        let rules = s
            .rules
            .iter()
            .filter_map(|r| self.rule(sname, r, &out))
            .collect();
        ir::SchemaKind::Object {
            fields: out,
            rules,
            keep_unknown: false,
        }
    }

    fn field_ref<'f>(
        &mut self,
        sname: &str,
        name: &model::Str,
        fields: &'f [ir::Field],
    ) -> Option<&'f ir::Field> {
        let found = fields.iter().find(|f| f.wire == name.value);
        if found.is_none() {
            let hint = match closest(&name.value, fields.iter().map(|f| f.wire.as_str())) {
                Some(c) => {
                    format!("did you mean `{c}`? rules name wire field names of the same schema")
                }
                None => "rules name wire field names of the same schema".into(),
            };
            self.err(
                line(name),
                format!(
                    "rule in `{sname}` names field `{}`, which `{sname}` does not have",
                    name.value
                ),
                hint,
            );
        }
        found
    }

    fn cond(
        &mut self,
        sname: &str,
        when: &model::Str,
        equals: &Option<Vec<serde_json::Value>>,
        not_equals: &Option<Vec<serde_json::Value>>,
        fields: &[ir::Field],
    ) -> Option<ir::Cond> {
        let field = self.field_ref(sname, when, fields)?.clone();
        let (values, negate) = match (equals, not_equals) {
            (Some(v), None) => (v.clone(), false),
            (None, Some(v)) => (v.clone(), true),
            _ => {
                self.err(
                    line(when),
                    format!("rule in `{sname}`: give exactly one of `equals` or `not_equals`"),
                    "e.g. `when: migration_type` with `equals: [online_migration]`",
                );
                return None;
            }
        };
        if values.is_empty() {
            self.err(
                line(when),
                format!("rule in `{sname}`: empty value list"),
                "list at least one value",
            );
        }
        for v in &values {
            let ok = match (&field.ty, v) {
                (ir::Type::Bool, serde_json::Value::Bool(_)) => true,
                (ir::Type::String, serde_json::Value::String(_)) => true,
                (ir::Type::Enum(e), serde_json::Value::String(s)) => {
                    self.enum_known.get(e).is_none_or(|vals| vals.contains(s))
                }
                _ => false,
            };
            if !ok {
                self.err(line(when), format!("rule in `{sname}`: value {v} does not fit field `{}` ({:?})", field.wire, field.ty), "conditions compare bool, string or enum fields with values of that type (enum values by wire name)");
            }
        }
        Some(if negate {
            ir::Cond::NotEquals(field.wire, values)
        } else {
            ir::Cond::Equals(field.wire, values)
        })
    }

    fn rule(&mut self, sname: &str, r: &model::Rule, fields: &[ir::Field]) -> Option<ir::Rule> {
        match r {
            model::Rule::RequiredIf(c) => {
                for f in &c.fields {
                    self.field_ref(sname, f, fields);
                }
                let cond = self.cond(sname, &c.when, &c.equals, &c.not_equals, fields)?;
                Some(ir::Rule::RequiredIf {
                    fields: c.fields.iter().map(|f| f.value.clone()).collect(),
                    cond,
                })
            }
            model::Rule::ExactlyOneOf(names) | model::Rule::AtLeastOneOf(names) => {
                if names.len() < 2 {
                    self.err(
                        names.first().map(line).unwrap_or(0),
                        format!("rule in `{sname}` lists fewer than two fields"),
                        "one-of rules need at least two fields",
                    );
                }
                for f in names {
                    if let Some(field) = self.field_ref(sname, f, fields)
                        && field.required
                    {
                        self.err(
                            line(f),
                            format!(
                                "one-of rule in `{sname}` names required field `{}`",
                                f.value
                            ),
                            "fields in a one-of rule must be optional",
                        );
                    }
                }
                let names = names.iter().map(|f| f.value.clone()).collect();
                Some(match r {
                    model::Rule::ExactlyOneOf(_) => ir::Rule::ExactlyOneOf(names),
                    _ => ir::Rule::AtLeastOneOf(names),
                })
            }
            model::Rule::FormatIf(fi) => {
                if let Some(field) = self.field_ref(sname, &fi.field, fields)
                    && field.ty != ir::Type::String
                {
                    self.err(
                        line(&fi.field),
                        format!(
                            "format_if in `{sname}`: `{}` is not a string",
                            fi.field.value
                        ),
                        "format_if applies to string fields",
                    );
                }
                if !FORMATS.contains(&fi.format.value.as_str()) {
                    self.err(
                        line(&fi.format),
                        format!("unknown format `{}`", fi.format.value),
                        format!("formats are {}", FORMATS.join(", ")),
                    );
                }
                let cond = self.cond(sname, &fi.when, &fi.equals, &fi.not_equals, fields)?;
                Some(ir::Rule::FormatIf {
                    field: fi.field.value.clone(),
                    format: fi.format.value.clone(),
                    cond,
                })
            }
            model::Rule::DeprecatedIf(d) => {
                if d.why.trim().is_empty() {
                    self.err(
                        line(&d.when),
                        format!("deprecated_if in `{sname}` has an empty `why`"),
                        "say why the use is deprecated and what to use instead",
                    );
                }
                let cond = self.cond(sname, &d.when, &d.equals, &d.not_equals, fields)?;
                Some(ir::Rule::DeprecatedIf {
                    cond,
                    why: d.why.trim().to_string(),
                })
            }
        }
    }
}

impl Checker {
    fn operation(
        &mut self,
        o: &model::Operation,
        kinds: &BTreeMap<String, bool>,
        service: &ir::Service,
        base_dir: &Path,
    ) -> ir::Operation {
        let name = o.name.value.clone();
        if name.to_upper_camel_case() != name {
            self.err(
                line(&o.name),
                format!("operation name `{name}` is not PascalCase"),
                format!("use `{}`", name.to_upper_camel_case()),
            );
        }
        if !METHODS.contains(&o.method.value.as_str()) {
            self.err(
                line(&o.method),
                format!("operation `{name}`: unknown method `{}`", o.method.value),
                format!("methods are {}", METHODS.join(", ")),
            );
        }
        if !o.path.value.starts_with('/') {
            self.err(
                line(&o.path),
                format!("operation `{name}`: path must start with `/`"),
                "paths are relative to the endpoint, e.g. /v2/{project_id}/migration-task",
            );
        }
        // Params.
        let mut params = Vec::new();
        let mut seen = HashMap::new();
        for p in &o.params {
            let what = format!("parameter `{}` of `{name}`", p.name.value);
            if let Some(prev) = seen.insert((p.name.value.clone(), p.location), line(&p.name)) {
                self.err(
                    line(&p.name),
                    format!("duplicate {what}"),
                    format!("first on line {prev}"),
                );
            }
            let ty = self.ty(&p.ty, None, kinds, &what);
            if matches!(
                ty,
                ir::Type::Object(_)
                    | ir::Type::Array(_)
                    | ir::Type::Json
                    | ir::Type::NumberOrString
            ) {
                self.err(
                    line(&p.ty),
                    format!("{what} has type `{}`", p.ty.value),
                    "parameters are string, bool, int32, int64, f64 or an enum",
                );
            }
            if p.location == model::ParamIn::Path && !p.required {
                self.err(
                    line(&p.name),
                    format!("path {what} is not required"),
                    "path parameters are always `required: true`",
                );
            }
            if p.from_credentials && p.location != model::ParamIn::Path {
                self.err(
                    line(&p.name),
                    format!("{what}: `from_credentials` applies to path parameters"),
                    "only the project id is filled from credentials",
                );
            }
            let rust = self.rust_ident(&p.name, p.rust_name.as_ref(), "parameter");
            let constraints = self.constraints(&p.constraints, &ty, line(&p.name), &what);
            params.push(ir::Param {
                wire: p.name.value.clone(),
                rust,
                location: match p.location {
                    model::ParamIn::Path => ir::ParamIn::Path,
                    model::ParamIn::Query => ir::ParamIn::Query,
                    model::ParamIn::Header => ir::ParamIn::Header,
                },
                ty,
                required: p.required,
                description: p.description.clone(),
                default: p.default.clone(),
                constraints,
                sensitive: p.sensitive,
                from_credentials: p.from_credentials,
                source: p.source.clone(),
                note: p.note.clone(),
            });
        }
        // Path placeholders ↔ path params.
        let placeholders = placeholders(&o.path.value);
        for ph in &placeholders {
            if !params
                .iter()
                .any(|p| p.location == ir::ParamIn::Path && &p.wire == ph)
            {
                self.err(line(&o.path), format!("operation `{name}`: path placeholder `{{{ph}}}` has no path parameter"), format!("add `- {{name: {ph}, in: path, type: string, required: true, ...}}` to `params`"));
            }
        }
        for p in o
            .params
            .iter()
            .filter(|p| p.location == model::ParamIn::Path)
        {
            if !placeholders.contains(&p.name.value) {
                self.err(
                    line(&p.name),
                    format!(
                        "path parameter `{}` of `{name}` is not in the path",
                        p.name.value
                    ),
                    format!("the path is `{}`", o.path.value),
                );
            }
        }
        // Body.
        let body = o.body.as_ref().map(|b| {
            match kinds.get(&b.value) {
                Some(false) => {}
                Some(true) => self.err(
                    line(b),
                    format!("operation `{name}`: body `{}` is an enum", b.value),
                    "a request body is an object schema",
                ),
                None => self.err(
                    line(b),
                    format!(
                        "operation `{name}`: body schema `{}` is not defined",
                        b.value
                    ),
                    closest(&b.value, kinds.keys().map(String::as_str))
                        .map(|c| format!("did you mean `{c}`?"))
                        .unwrap_or_else(|| "define it under `schemas:`".into()),
                ),
            }
            b.value.clone()
        });
        if body.is_some() && o.method.value == "GET" {
            self.err(
                line(&o.method),
                format!("operation `{name}`: GET with a body"),
                "GET requests carry no body",
            );
        }
        // Responses.
        let mut responses = Vec::new();
        let mut statuses = HashMap::new();
        for r in &o.responses {
            let status = r.status.value;
            if let Some(prev) = statuses.insert(status, line(&r.status)) {
                self.err(
                    line(&r.status),
                    format!("operation `{name}`: status {status} listed twice"),
                    format!("first on line {prev}"),
                );
            }
            if !(100..600).contains(&status) {
                self.err(
                    line(&r.status),
                    format!("operation `{name}`: {status} is not an HTTP status"),
                    "use 100..=599",
                );
            }
            let body = match &r.body {
                Some(b) => {
                    if kinds.get(&b.value) != Some(&false) {
                        self.err(
                            line(b),
                            format!(
                                "operation `{name}`: response body `{}` is not an object schema",
                                b.value
                            ),
                            closest(&b.value, kinds.keys().map(String::as_str))
                                .map(|c| format!("did you mean `{c}`?"))
                                .unwrap_or_else(|| "define it under `schemas:`".into()),
                        );
                    }
                    Some(b.value.clone())
                }
                None if status >= 400 => Some(service.error_schema.clone()),
                None => None,
            };
            let kind = match (r.kind, &body) {
                (Some(model::ResponseKind::Json), _) | (None, Some(_)) => ir::ResponseKind::Json,
                (Some(model::ResponseKind::Text), _) => ir::ResponseKind::Text,
                (Some(model::ResponseKind::Empty), _) => ir::ResponseKind::Empty,
                (None, None) => {
                    if status != 204 {
                        self.err(
                            line(&r.status),
                            format!(
                                "operation `{name}`: response {status} has no `body` and no `kind`"
                            ),
                            "give `body: SCHEMA`, or `kind: text` / `kind: empty`",
                        );
                    }
                    ir::ResponseKind::Empty
                }
            };
            if kind != ir::ResponseKind::Json && r.body.is_some() {
                self.err(
                    line(&r.status),
                    format!(
                        "operation `{name}`: response {status} has a body schema but kind {kind:?}"
                    ),
                    "drop `kind` or `body`",
                );
            }
            responses.push(ir::Response {
                status,
                description: r.description.clone(),
                body,
                kind,
                source: r.source.clone(),
            });
        }
        if !responses.iter().any(|r| (200..300).contains(&r.status)) {
            self.err(
                line(&o.name),
                format!("operation `{name}` has no 2xx response"),
                "add the success response, e.g. `- {status: 200, description: ..., body: SCHEMA}`",
            );
        }
        // Examples.
        let mut examples = Vec::new();
        for e in &o.examples {
            let path = base_dir.join(&e.file.value);
            let json = match std::fs::read_to_string(&path) {
                Ok(t) => match serde_json::from_str::<serde_json::Value>(&t) {
                    Ok(v) => v,
                    Err(err) => {
                        self.err(
                            line(&e.file),
                            format!(
                                "example `{}`: {} is not JSON: {err}",
                                e.name.value, e.file.value
                            ),
                            "example files hold one JSON document",
                        );
                        continue;
                    }
                },
                Err(err) => {
                    self.err(
                        line(&e.file),
                        format!(
                            "example `{}`: cannot read {}: {err}",
                            e.name.value,
                            path.display()
                        ),
                        "paths are relative to the spec file's directory",
                    );
                    continue;
                }
            };
            match (e.request, e.status) {
                (true, None) if body.is_none() => self.err(
                    line(&e.name),
                    format!(
                        "request example `{}` for `{name}`, which has no body",
                        e.name.value
                    ),
                    "only operations with `body` take request examples",
                ),
                (true, None) => {}
                (false, Some(s)) if !responses.iter().any(|r| r.status == s) => self.err(
                    line(&e.name),
                    format!(
                        "example `{}` has status {s}, which `{name}` does not list",
                        e.name.value
                    ),
                    "add the response or fix the status",
                ),
                (false, Some(_)) => {}
                _ => self.err(
                    line(&e.name),
                    format!(
                        "example `{}` needs exactly one of `request: true` or `status: N`",
                        e.name.value
                    ),
                    "say whether it is the request body or a response",
                ),
            }
            examples.push(ir::Example {
                name: e.name.value.clone(),
                file: e.file.value.clone(),
                request: e.request,
                status: e.status,
                source: e.source.clone(),
                note: e.note.clone(),
                json,
            });
        }
        ir::Operation {
            name,
            summary: o.summary.clone(),
            description: o.description.clone(),
            method: o.method.value.clone(),
            path: o.path.value.clone(),
            content_type: o
                .content_type
                .clone()
                .unwrap_or_else(|| service.default_content_type.clone()),
            idempotent: o.idempotent,
            deprecated: o.deprecated.clone(),
            params,
            body,
            responses,
            pagination: o.pagination.as_ref().map(|p| ir::Pagination {
                offset: p.offset.value.clone(),
                limit: p.limit.value.clone(),
                items: p.items.value.clone(),
                total: p.total.value.clone(),
            }),
            examples,
            source: o.source.clone(),
        }
    }

    fn check_pagination(&mut self, spec: &ir::Spec, o: &ir::Operation, raw: &model::Operation) {
        let Some(p) = &raw.pagination else { return };
        for q in [&p.offset, &p.limit] {
            match o.params.iter().find(|x| x.wire == q.value) {
                Some(x)
                    if x.location == ir::ParamIn::Query
                        && matches!(x.ty, ir::Type::Int32 | ir::Type::Int64) => {}
                _ => self.err(
                    line(q),
                    format!(
                        "pagination of `{}` names `{}`, which is not an integer query parameter",
                        o.name, q.value
                    ),
                    "offset and limit name integer query parameters of the operation",
                ),
            }
        }
        let Some(schema) = o
            .success()
            .body
            .as_deref()
            .filter(|b| spec.schemas.iter().any(|s| s.name == *b))
        else {
            self.err(
                line(&p.items),
                format!(
                    "pagination of `{}`: the success response has no body schema",
                    o.name
                ),
                "paginated operations return an object with items and a total",
            );
            return;
        };
        let fields = spec.schema(schema).fields();
        match fields.iter().find(|f| f.wire == p.items.value) {
            Some(f) if matches!(f.ty, ir::Type::Array(_)) => {}
            _ => self.err(
                line(&p.items),
                format!(
                    "pagination of `{}`: `{}` is not an array field of `{schema}`",
                    o.name, p.items.value
                ),
                "name the response field that holds the page's items",
            ),
        }
        match fields.iter().find(|f| f.wire == p.total.value) {
            Some(f) if matches!(f.ty, ir::Type::Int32 | ir::Type::Int64) => {}
            _ => self.err(
                line(&p.total),
                format!(
                    "pagination of `{}`: `{}` is not an integer field of `{schema}`",
                    o.name, p.total.value
                ),
                "name the response field that holds the total count",
            ),
        }
    }

    fn waiter(&mut self, spec: &ir::Spec, w: &model::Waiter) -> Option<ir::Waiter> {
        let Some(op) = spec.operations.iter().find(|o| o.name == w.operation.value) else {
            self.err(
                line(&w.operation),
                format!(
                    "waiter `{}` polls unknown operation `{}`",
                    w.name.value, w.operation.value
                ),
                closest(
                    &w.operation.value,
                    spec.operations.iter().map(|o| o.name.as_str()),
                )
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_default(),
            );
            return None;
        };
        let schema = op
            .success()
            .body
            .as_deref()
            .and_then(|b| spec.schemas.iter().find(|s| s.name == b));
        let Some(field) = schema.and_then(|s| s.fields().iter().find(|f| f.wire == w.field.value))
        else {
            self.err(
                line(&w.field),
                format!(
                    "waiter `{}`: `{}` is not a field of `{}`'s response",
                    w.name.value, w.field.value, op.name
                ),
                "name the response field holding the state",
            );
            return None;
        };
        if let ir::Type::Enum(e) = &field.ty {
            let known = self.enum_known.get(e).cloned().unwrap_or_default();
            for v in w.success.iter().chain(&w.failure) {
                if !known.contains(&v.value) {
                    self.err(
                        line(v),
                        format!(
                            "waiter `{}`: `{}` is not a value of `{e}`",
                            w.name.value, v.value
                        ),
                        closest(&v.value, known.iter().map(String::as_str))
                            .map(|c| format!("did you mean `{c}`?"))
                            .unwrap_or_default(),
                    );
                }
            }
        } else if field.ty != ir::Type::String {
            self.err(
                line(&w.field),
                format!(
                    "waiter `{}`: field `{}` is not a string or enum",
                    w.name.value, w.field.value
                ),
                "waiters compare a state field",
            );
        }
        if w.success.is_empty() {
            self.err(
                line(&w.name),
                format!("waiter `{}` has no success values", w.name.value),
                "list the states that end the wait successfully",
            );
        }
        Some(ir::Waiter {
            name: w.name.value.clone(),
            description: w.description.clone(),
            operation: op.name.clone(),
            field: field.wire.clone(),
            success: w.success.iter().map(|v| v.value.clone()).collect(),
            failure: w.failure.iter().map(|v| v.value.clone()).collect(),
            source: w.source.clone(),
        })
    }
}

fn placeholders(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(s) = rest.find('{') {
        let Some(e) = rest[s..].find('}') else { break };
        out.push(rest[s + 1..s + e].to_string());
        rest = &rest[s + e + 1..];
    }
    out
}

/// Marks every schema reachable from request bodies and from responses.
fn compute_usage(schemas: &mut [ir::Schema], ops: &[ir::Operation]) {
    fn mark(schemas: &mut [ir::Schema], name: &str, request: bool) {
        let Some(i) = schemas.iter().position(|s| s.name == name) else {
            return;
        };
        let u = &mut schemas[i].usage;
        let already = if request { u.request } else { u.response };
        if already {
            return;
        }
        if request {
            u.request = true
        } else {
            u.response = true
        }
        let children: Vec<String> = schemas[i]
            .fields()
            .iter()
            .filter_map(|f| named(&f.ty).map(str::to_string))
            .collect();
        for c in children {
            mark(schemas, &c, request);
        }
    }
    for o in ops {
        if let Some(b) = &o.body {
            mark(schemas, b, true);
        }
        for r in &o.responses {
            if let Some(b) = &r.body {
                mark(schemas, b, false);
            }
        }
    }
}

/// The schema a type refers to, through arrays.
pub fn named(t: &ir::Type) -> Option<&str> {
    match t {
        ir::Type::Object(n) | ir::Type::Enum(n) => Some(n),
        ir::Type::Array(i) => named(i),
        _ => None,
    }
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a typo.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .map(|c| (levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

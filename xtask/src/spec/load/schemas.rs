//! Schemas: their names (unique, PascalCase, no built-in or prelude name), and each one as an
//! enum (values and their Rust names) or an object (fields and rules).

use super::checker::{Checker, line};
use super::types::PRIMITIVES;
use crate::spec::ir;
use crate::spec::model;
use heck::ToUpperCamelCase;
use std::collections::{BTreeMap, HashMap};

/// Prelude names the generated code uses unqualified.
const PRELUDE_TYPES: &[&str] = &[
    "Option", "Some", "None", "String", "Vec", "Result", "Ok", "Err", "Box", "Default", "Into",
    "From",
];

impl Checker {
    /// Checks every schema name and returns name → is an enum, which type references
    /// resolve against.
    pub(super) fn schema_kinds(&mut self, schemas: &[model::Schema]) -> BTreeMap<String, bool> {
        let mut kinds: BTreeMap<String, bool> = BTreeMap::new(); // name -> is_enum
        let mut seen = HashMap::new();
        for s in schemas {
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
        kinds
    }

    pub(super) fn schema(
        &mut self,
        s: &model::Schema,
        kinds: &BTreeMap<String, bool>,
    ) -> ir::Schema {
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
}

//! Type references of fields and parameters: a built-in type, a schema of the file, or an
//! array of either (with `items`).

use super::checker::{Checker, line};
use super::suggest::closest;
use crate::spec::ir;
use crate::spec::model;
use std::collections::BTreeMap;

/// Types a field may name besides a schema.
pub(super) const PRIMITIVES: &[&str] = &[
    "string",
    "bool",
    "int32",
    "int64",
    "f64",
    "number_or_string",
    "json",
    "array",
];

impl Checker {
    /// Resolves a type name (plus `items` for arrays).
    pub(super) fn ty(
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
}

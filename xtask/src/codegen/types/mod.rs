//! Model types: one file per schema, a struct (`structs.rs`) for an object, an open enum
//! (`enums.rs`) for an enumeration.

mod enums;
mod structs;

use crate::spec::ir::{self, Schema, SchemaKind};
use enums::enum_type;
use proc_macro2::TokenStream;
use structs::struct_type;

/// The Rust file of one schema.
pub fn schema_file(spec: &ir::Spec, s: &Schema) -> TokenStream {
    match &s.kind {
        SchemaKind::Enum { values, closed } => enum_type(s, values, *closed),
        SchemaKind::Object {
            fields,
            rules,
            keep_unknown,
        } => struct_type(spec, s, fields, rules, *keep_unknown),
    }
}

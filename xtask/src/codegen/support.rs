//! Shared pieces of the Rust generators: type mapping, doc comments, literals.

use crate::spec::ir::{self, Type};
use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Is this field a plain value (not `Option`) in its struct?
pub fn is_plain(s: &ir::Schema, f: &ir::Field) -> bool {
    f.required && s.strict_required()
}

pub fn module_name(name: &str) -> String {
    name.to_snake_case()
}

/// `#[doc = "..."]` lines for a description plus optional extra paragraphs.
pub fn docs(text: &str, extra: &[String]) -> TokenStream {
    let mut lines: Vec<String> = text
        .split('\n')
        .map(|l| format!(" {}", l.trim_end()))
        .collect();
    for e in extra.iter().filter(|e| !e.trim().is_empty()) {
        lines.push(String::new());
        lines.extend(e.split('\n').map(|l| format!(" {}", l.trim_end())));
    }
    quote! { #( #[doc = #lines] )* }
}

/// Doc paragraphs shared by fields and params: constraints, default, note, source.
pub fn field_doc_extras(
    constraints: &ir::Constraints,
    default: &Option<serde_json::Value>,
    note: &Option<String>,
    source: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    let c = constraints;
    let mut cs = Vec::new();
    if let Some(v) = c.min_length {
        cs.push(format!("min length {v}"));
    }
    if let Some(v) = c.max_length {
        cs.push(format!("max length {v}"));
    }
    if let Some(v) = c.minimum {
        cs.push(format!("minimum {v}"));
    }
    if let Some(v) = c.maximum {
        cs.push(format!("maximum {v}"));
    }
    if let Some([lo, hi]) = c.integer_range {
        cs.push(format!("integer {lo}..={hi}"));
    }
    if let Some(v) = c.min_items {
        cs.push(format!("min items {v}"));
    }
    if let Some(v) = c.max_items {
        cs.push(format!("max items {v}"));
    }
    if let Some(v) = &c.pattern {
        cs.push(format!("pattern `{v}`"));
    }
    if let Some(v) = &c.format {
        cs.push(format!("format {v}"));
    }
    if !cs.is_empty() {
        out.push(format!("Constraints: {}.", cs.join(", ")));
    }
    if let Some(d) = default {
        out.push(format!("Default (applied by the service): `{d}`."));
    }
    if let Some(n) = note {
        out.push(format!("Note: {}", n.trim()));
    }
    if !source.is_empty() {
        out.push(format!("Source: {}.", source.join("; ")));
    }
    out
}

/// The Rust type of a spec type (without `Option`).
pub fn rust_type(t: &Type) -> TokenStream {
    match t {
        Type::String => quote!(String),
        Type::Bool => quote!(bool),
        Type::Int32 => quote!(i32),
        Type::Int64 => quote!(i64),
        Type::F64 => quote!(f64),
        Type::NumberOrString => quote!(::hwcloud_core::NumberOrString),
        Type::Json => quote!(::serde_json::Value),
        Type::Array(inner) => {
            let i = rust_type(inner);
            quote!(Vec<#i>)
        }
        Type::Object(n) | Type::Enum(n) => {
            let i = format_ident!("{}", n);
            quote!(#i)
        }
    }
}

/// A numeric literal of the field's type for bounds.
pub fn num_lit(t: &Type, v: f64) -> TokenStream {
    match t {
        Type::Int32 => {
            let n = v as i32;
            quote!(#n)
        }
        Type::Int64 => {
            let n = v as i64;
            quote!(#n)
        }
        _ => {
            let lit = proc_macro2::Literal::f64_suffixed(v);
            quote!(#lit)
        }
    }
}

/// The `Format` variant of a format name the loader accepted (`FORMATS` in
/// `spec/load/constraints.rs`).
pub fn format_variant(name: &str) -> TokenStream {
    match name {
        "ipv4" => quote!(::hwcloud_core::validate::Format::Ipv4),
        "ipv6" => quote!(::hwcloud_core::validate::Format::Ipv6),
        "date_time_local" => quote!(::hwcloud_core::validate::Format::DateTimeLocal),
        "host_port_list" => quote!(::hwcloud_core::validate::Format::HostPortList),
        other => unreachable!("format `{other}` is not in load::constraints::FORMATS"),
    }
}

/// Whether a type keeps its container from deriving `Eq`: it holds a float or a JSON value,
/// directly, in an array, or in an object (recursively; objects that keep unknown fields hold
/// them as JSON).
pub fn blocks_eq(spec: &ir::Spec, t: &Type, seen: &mut Vec<String>) -> bool {
    match t {
        Type::F64 | Type::Json => true,
        Type::Array(i) => blocks_eq(spec, i, seen),
        Type::Object(n) => {
            if seen.contains(n) {
                return false;
            }
            seen.push(n.clone());
            let s = spec.schema(n);
            let keep = matches!(
                s.kind,
                ir::SchemaKind::Object {
                    keep_unknown: true,
                    ..
                }
            );
            keep || s.fields().iter().any(|f| blocks_eq(spec, &f.ty, seen))
        }
        _ => false,
    }
}

/// Wire-name paths of every `sensitive` field reachable from `t` (`a.b`; `a[].b` through an
/// array), in field order; a schema already on the way is not entered again.
pub fn sensitive_paths(
    spec: &ir::Spec,
    t: &Type,
    prefix: &str,
    seen: &mut Vec<String>,
) -> Vec<String> {
    match t {
        Type::Array(item) => sensitive_paths(spec, item, &format!("{prefix}[]"), seen),
        Type::Object(name) if !seen.contains(name) => {
            seen.push(name.clone());
            let mut out = Vec::new();
            for f in spec.schema(name).fields() {
                let path = if prefix.is_empty() {
                    f.wire.clone()
                } else {
                    format!("{prefix}.{}", f.wire)
                };
                if f.sensitive {
                    out.push(path.clone());
                }
                out.extend(sensitive_paths(spec, &f.ty, &path, seen));
            }
            seen.pop();
            out
        }
        _ => Vec::new(),
    }
}

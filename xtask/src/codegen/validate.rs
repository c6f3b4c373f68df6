//! What generated `validate()` checks per member, for models and operation inputs alike:
//! presence of a required `Option`, the documented constraints of the value, and recursion
//! into nested objects and closed enums. Cross-field rules are in `rules.rs`.

use super::support::{format_variant, num_lit};
use crate::spec::ir::{self, SchemaKind, Type};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// What `validate()` checks for one member holding `ty` with `constraints`: presence of a
/// required `Option`, then the constraints of the value when it is there.
pub fn member_checks(
    spec: &ir::Spec,
    id: &Ident,
    wire: &str,
    ty: &Type,
    constraints: &ir::Constraints,
    plain: bool,
    required: bool,
) -> TokenStream {
    let checks = value_checks(spec, wire, ty, constraints, quote!(x));
    if plain {
        if checks.is_empty() {
            quote!()
        } else {
            quote! { { let x = &self.#id; #checks } }
        }
    } else {
        let presence = required.then(|| quote! { v.required(#wire, self.#id.is_some()); });
        let value = (!checks.is_empty()).then(|| quote! { if let Some(x) = &self.#id { #checks } });
        quote! { #presence #value }
    }
}

/// Per-field checks of a value at expression `value` (a reference to the plain type).
fn value_checks(
    spec: &ir::Spec,
    spec_name: &str,
    ty: &Type,
    c: &ir::Constraints,
    value: TokenStream,
) -> TokenStream {
    let mut out = Vec::new();
    let name = spec_name;
    if let Some(n) = c.min_length {
        let n = n as usize;
        out.push(quote! { v.min_length(#name, #value, #n); });
    }
    if let Some(n) = c.max_length {
        let n = n as usize;
        out.push(quote! { v.max_length(#name, #value, #n); });
    }
    if let Some(p) = &c.pattern {
        out.push(quote! { v.pattern(#name, #value, #p); });
    }
    if let Some(f) = &c.format {
        let fv = format_variant(f);
        out.push(quote! { v.format(#name, #value, #fv); });
    }
    if let Some([lo, hi]) = c.integer_range {
        out.push(quote! { v.integer_string_range(#name, #value, #lo, #hi); });
    }
    if let Some(m) = c.minimum {
        let lit = num_lit(ty, m);
        out.push(quote! { v.minimum(#name, *#value, #lit); });
    }
    if let Some(m) = c.maximum {
        let lit = num_lit(ty, m);
        out.push(quote! { v.maximum(#name, *#value, #lit); });
    }
    if let Some(n) = c.min_items {
        let n = n as usize;
        out.push(quote! { v.min_items(#name, #value.len(), #n); });
    }
    if let Some(n) = c.max_items {
        let n = n as usize;
        out.push(quote! { v.max_items(#name, #value.len(), #n); });
    }
    out.push(nested_checks(spec, name, ty, value));
    quote! { #( #out )* }
}

/// Recursion into objects, closed enums and arrays of them.
fn nested_checks(spec: &ir::Spec, name: &str, ty: &Type, value: TokenStream) -> TokenStream {
    let closed = |n: &str| matches!(spec.schema(n).kind, SchemaKind::Enum { closed: true, .. });
    match ty {
        Type::Object(_) => quote! { v.field(#name, |v| #value.validate_into(v)); },
        Type::Enum(n) if closed(n) => {
            let e = format_ident!("{}", n);
            quote! {
                if !#value.is_known() {
                    v.closed_enum(#name, false, #value.as_str(), #e::KNOWN);
                }
            }
        }
        Type::Array(inner)
            if matches!(&**inner, Type::Object(_))
                || matches!(&**inner, Type::Enum(n) if closed(n)) =>
        {
            let item = match &**inner {
                Type::Object(_) => quote! { item.validate_into(v); },
                _ => nested_checks(spec, "", inner, quote!(item)),
            };
            quote! {
                v.field(#name, |v| {
                    for (i, item) in #value.iter().enumerate() {
                        v.index(i, |v| { #item });
                    }
                });
            }
        }
        _ => quote!(),
    }
}

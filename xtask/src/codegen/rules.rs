//! Cross-field rules: the sentence that documents each one (in model and input docs and in
//! OpenAPI) and the check a model's `validate()` runs for it.

use super::support::{format_variant, is_plain};
use crate::spec::ir::{self, Cond, Rule, Schema, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The rule as one sentence for documentation.
pub fn describe_rule(r: &Rule) -> String {
    match r {
        Rule::RequiredIf { fields, cond } => {
            format!(
                "`{}` required when {}",
                fields.join("`, `"),
                cond.describe()
            )
        }
        Rule::ExactlyOneOf(f) => format!("exactly one of `{}`", f.join("`, `")),
        Rule::AtLeastOneOf(f) => format!("at least one of `{}`", f.join("`, `")),
        Rule::FormatIf {
            field,
            format,
            cond,
        } => {
            format!("`{field}` is {format} when {}", cond.describe())
        }
        Rule::DeprecatedIf { cond, why } => {
            format!(
                "Deprecated use (still accepted): {}. {why}",
                cond.describe()
            )
        }
    }
}

/// "Is the field present" for rules: empty strings and empty arrays count as absent.
fn presence(s: &Schema, f: &ir::Field) -> TokenStream {
    let id = format_ident!("{}", f.rust);
    if is_plain(s, f) {
        return match f.ty {
            Type::String | Type::Array(_) => quote!(!self.#id.is_empty()),
            _ => quote!(true),
        };
    }
    match f.ty {
        Type::String | Type::Array(_) => quote!(self.#id.as_ref().is_some_and(|x| !x.is_empty())),
        _ => quote!(self.#id.is_some()),
    }
}

/// A rule's condition as a boolean expression over `self` (enums compared by their
/// canonical wire value, so any spelling counts).
fn cond_expr(s: &Schema, fields: &[ir::Field], c: &Cond) -> TokenStream {
    let (name, values, negate) = match c {
        Cond::Equals(n, v) => (n, v, false),
        Cond::NotEquals(n, v) => (n, v, true),
    };
    let f = fields
        .iter()
        .find(|f| &f.wire == name)
        .unwrap_or_else(|| unreachable!("loader checked rule field {name}"));
    let id = format_ident!("{}", f.rust);
    let strs: Vec<String> = values
        .iter()
        .map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let test = match (&f.ty, is_plain(s, f)) {
        (Type::Bool, true) => {
            let bs: Vec<bool> = strs.iter().map(|s| s == "true").collect();
            quote!(matches!(self.#id, #( #bs )|* ))
        }
        (Type::Bool, false) => {
            let bs: Vec<bool> = strs.iter().map(|s| s == "true").collect();
            quote!(matches!(self.#id, #( Some(#bs) )|* ))
        }
        (Type::Enum(_), true) => quote!(matches!(self.#id.canonical_str(), #( #strs )|* )),
        (Type::Enum(_), false) => {
            quote!( self.#id.as_ref().is_some_and(|x| matches!(x.canonical_str(), #( #strs )|* )) )
        }
        (_, true) => quote!(matches!(self.#id.as_str(), #( #strs )|* )),
        (_, false) => quote!( self.#id.as_deref().is_some_and(|x| matches!(x, #( #strs )|* )) ),
    };
    if negate { quote!(!(#test)) } else { test }
}

/// The check a model's `validate()` runs for one rule; a deprecated use stays valid, so it
/// has none.
pub fn rule_check(s: &Schema, fields: &[ir::Field], r: &Rule) -> TokenStream {
    let field = |n: &str| {
        fields
            .iter()
            .find(|f| f.wire == n)
            .unwrap_or_else(|| unreachable!("loader checked rule field {n}"))
    };
    match r {
        Rule::RequiredIf {
            fields: names,
            cond,
        } => {
            let holds = cond_expr(s, fields, cond);
            let desc = cond.describe();
            let checks = names.iter().map(|n| {
                let p = presence(s, field(n));
                quote! { v.required_if(#n, #p, holds, #desc); }
            });
            quote! { { let holds = #holds; #( #checks )* } }
        }
        Rule::ExactlyOneOf(names) | Rule::AtLeastOneOf(names) => {
            let ps = names.iter().map(|n| presence(s, field(n)));
            let method = if matches!(r, Rule::ExactlyOneOf(_)) {
                quote!(exactly_one_of)
            } else {
                quote!(at_least_one_of)
            };
            quote! { v.#method(&[ #( #names ),* ], &[ #( #ps ),* ]); }
        }
        Rule::FormatIf {
            field: name,
            format,
            cond,
        } => {
            let f = field(name);
            let id = format_ident!("{}", f.rust);
            let holds = cond_expr(s, fields, cond);
            let desc = cond.describe();
            let fv = format_variant(format);
            if is_plain(s, f) {
                quote! { v.format_if(#name, &self.#id, #fv, #holds, #desc); }
            } else {
                quote! {
                    if let Some(x) = &self.#id {
                        v.format_if(#name, x, #fv, #holds, #desc);
                    }
                }
            }
        }
        // Documentation only: a deprecated use is still valid.
        Rule::DeprecatedIf { .. } => quote!(),
    }
}

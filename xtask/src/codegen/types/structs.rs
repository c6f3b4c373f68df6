//! Object schemas as structs: fields (with `extra` for unknown ones when a response reaches
//! the schema), derives that hold for every field, the builder, and `validate()`.

use crate::codegen::rules::{describe_rule, rule_check};
use crate::codegen::shape::{Member, Shape, Storage};
use crate::codegen::support::{blocks_eq, docs, field_doc_extras, is_plain, rust_type};
use crate::codegen::validate::member_checks;
use crate::spec::ir::{self, Rule, Schema};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The struct, its constructors, `validate()` and builder.
pub fn struct_type(
    spec: &ir::Spec,
    s: &Schema,
    fields: &[ir::Field],
    rules: &[Rule],
    keep_unknown: bool,
) -> TokenStream {
    let name = format_ident!("{}", s.name);
    let mut extra = Vec::new();
    let (deprecations, checked): (Vec<&Rule>, Vec<&Rule>) = rules
        .iter()
        .partition(|r| matches!(r, Rule::DeprecatedIf { .. }));
    if !checked.is_empty() {
        extra.push(format!(
            "Cross-field rules (checked by `validate()`): {}.",
            checked
                .iter()
                .map(|r| describe_rule(r))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    extra.extend(deprecations.iter().map(|r| describe_rule(r)));
    if let Some(n) = &s.note {
        extra.push(format!("Note: {}", n.trim()));
    }
    extra.push(format!("Source: {}.", s.source.join("; ")));
    let doc = docs(&s.description, &extra);

    let all_plain_default = fields.iter().all(|f| !is_plain(s, f));
    let has_float = fields
        .iter()
        .any(|f| blocks_eq(spec, &f.ty, &mut vec![s.name.clone()]))
        || keep_unknown;
    let mut derives = vec![quote!(Clone), quote!(PartialEq)];
    if !has_float {
        derives.push(quote!(Eq));
    }
    if all_plain_default {
        derives.push(quote!(Default));
    }

    let mut members: Vec<Member> = fields
        .iter()
        .map(|f| {
            let d = docs(
                &f.description,
                &field_doc_extras(&f.constraints, &f.default, &f.note, &f.source),
            );
            let wire = &f.wire;
            let mut serde_args = Vec::new();
            if f.rust != f.wire {
                serde_args.push(quote!(rename = #wire));
            }
            if !is_plain(s, f) {
                serde_args.push(quote!(default));
                serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
                if f.lenient {
                    serde_args.push(quote!(with = "::hwcloud_core::lenient::string"));
                }
            }
            let serde = (!serde_args.is_empty()).then(|| quote!(#[serde( #( #serde_args ),* )]));
            Member {
                id: format_ident!("{}", f.rust),
                debug_name: f.rust.clone(),
                wire: f.wire.clone(),
                ty: rust_type(&f.ty),
                plain: is_plain(s, f),
                sensitive: f.sensitive,
                attrs: quote! { #d #serde },
                setter_doc: Some(format!("Sets `{}`: {}", f.wire, f.description)),
                storage: Storage::Value,
            }
        })
        .collect();
    if keep_unknown {
        members.push(Member {
            id: format_ident!("extra"),
            debug_name: "extra".into(),
            wire: "extra".into(),
            ty: quote!(::serde_json::Map<String, ::serde_json::Value>),
            plain: true,
            sensitive: false,
            attrs: quote! {
                /// Fields this SDK version does not know, kept as received so nothing is lost.
                #[serde(flatten)]
            },
            setter_doc: None,
            storage: Storage::Extra,
        });
    }
    let shape = Shape {
        name: name.clone(),
        builder: format_ident!("{}Builder", s.name),
        type_name: s.name.clone(),
        attrs: quote! {
            #doc
            #[derive( #( #derives ),* , ::serde::Serialize, ::serde::Deserialize)]
        },
        builder_doc: format!(
            " Builder for [`{0}`]; `build()` reports the first missing required field.",
            s.name
        ),
        members,
    };
    let definition = shape.definition();
    let constructors = shape.builder_constructors();
    let builder = shape.builder(quote!());

    let validate_body = fields.iter().map(|f| {
        let id = format_ident!("{}", f.rust);
        member_checks(
            spec,
            &id,
            &f.wire,
            &f.ty,
            &f.constraints,
            is_plain(s, f),
            f.required,
        )
    });
    let rule_checks = rules.iter().map(|r| rule_check(s, fields, r));

    quote! {
        #definition

        impl #name {
            #constructors

            /// Checks every documented constraint and cross-field rule, reporting all
            /// violations with their field paths.
            pub fn validate(&self) -> Result<(), ::hwcloud_core::ValidationErrors> {
                let mut v = ::hwcloud_core::validate::Validator::new();
                self.validate_into(&mut v);
                v.finish()
            }

            /// Adds this value's violations to `v`, below `v`'s current path.
            #[allow(unused_variables)]
            pub fn validate_into(&self, v: &mut ::hwcloud_core::validate::Validator) {
                #( #validate_body )*
                #( #rule_checks )*
            }
        }

        #builder
    }
}

//! Model types: one file per schema (struct + builder + validation, or open enum).

use super::shape::{Member, Shape, Storage, member_checks};
use super::support::*;
use crate::spec::ir::{self, Cond, Rule, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

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

fn enum_type(s: &Schema, values: &[ir::EnumValue], closed: bool) -> TokenStream {
    let name = format_ident!("{}", s.name);
    let spelled = values.iter().any(|v| !v.aliases.is_empty());
    let mut extra = vec![if closed {
        "The documents fix this set: `validate()` rejects other values in requests. Unknown \
         values still decode (into `Unknown`) so responses never fail to parse."
            .to_string()
    } else {
        "Open set: values this SDK does not know decode into `Unknown` and serialize back \
         unchanged."
            .to_string()
    }];
    if spelled {
        extra.push(
            "A value with documented aliases keeps the spelling it arrived in (its \
             `Spelling`) and is sent back in it; `==`, hashing and ordering ignore the \
             spelling, and `canonical_str()` gives the spec's wire value. Match such a \
             variant with `(_)`."
                .to_string(),
        );
    }
    if let Some(n) = &s.note {
        extra.push(format!("Note: {}", n.trim()));
    }
    extra.push(format!("Source: {}.", s.source.join("; ")));
    let doc = docs(&s.description, &extra);
    let variants = values.iter().map(|v| {
        let id = format_ident!("{}", v.rust);
        let mut ex = vec![format!("Wire value `{}`.", v.wire)];
        if !v.aliases.is_empty() {
            ex.push(format!(
                "Also decoded from: {}, and sent back in the spelling received.",
                v.aliases
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(n) = &v.note {
            ex.push(format!("Note: {}", n.trim()));
        }
        let d = docs(&v.description, &ex);
        if v.aliases.is_empty() {
            quote! { #d #id, }
        } else {
            quote! { #d #id(::hwcloud_core::Spelling), }
        }
    });
    // `Self::X` or `Self::X(spelling)` as a pattern binding the spelling to `s`.
    let pat = |v: &ir::EnumValue, bind: TokenStream| {
        let id = format_ident!("{}", v.rust);
        if v.aliases.is_empty() {
            quote!(Self::#id)
        } else {
            quote!(Self::#id(#bind))
        }
    };
    let as_str = values.iter().map(|v| {
        let w = &v.wire;
        if v.aliases.is_empty() {
            let p = pat(v, quote!());
            quote! { #p => #w, }
        } else {
            let p = pat(v, quote!(s));
            quote! { #p => s.or(#w), }
        }
    });
    let canonical = values.iter().map(|v| {
        let w = &v.wire;
        let p = pat(v, quote!(_));
        quote! { #p => #w, }
    });
    let from_wire = values.iter().map(|v| {
        let id = format_ident!("{}", v.rust);
        let w = &v.wire;
        if v.aliases.is_empty() {
            quote! { #w => Self::#id, }
        } else {
            let aliases = v.aliases.iter().map(|a| {
                quote! { #a => Self::#id(::hwcloud_core::Spelling::Alias(#a)), }
            });
            quote! {
                #w => Self::#id(::hwcloud_core::Spelling::Canonical),
                #( #aliases )*
            }
        }
    });
    let known: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
    // Equality, hashing and order of a spelled enum: by value, not by spelling (the variant's
    // position, then an unknown value's text), as the derives order plain enums.
    let (derives, by_value) = if spelled {
        let keys = values.iter().enumerate().map(|(i, v)| {
            let p = pat(v, quote!(_));
            quote! { #p => (#i, ""), }
        });
        let unknown = values.len();
        let impls = quote! {
            impl #name {
                /// The value without its spelling: the variant's position, an unknown value's text.
                fn value_key(&self) -> (usize, &str) {
                    match self {
                        #( #keys )*
                        Self::Unknown(other) => (#unknown, other),
                    }
                }
            }

            impl PartialEq for #name {
                fn eq(&self, other: &Self) -> bool {
                    self.value_key() == other.value_key()
                }
            }

            impl Eq for #name {}

            impl ::std::hash::Hash for #name {
                fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                    self.value_key().hash(state);
                }
            }

            impl PartialOrd for #name {
                fn partial_cmp(&self, other: &Self) -> Option<::std::cmp::Ordering> {
                    Some(self.cmp(other))
                }
            }

            impl Ord for #name {
                fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                    self.value_key().cmp(&other.value_key())
                }
            }
        };
        (quote!(#[derive(Clone, Debug)]), impls)
    } else {
        (
            quote!(#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]),
            quote!(),
        )
    };
    quote! {
        #doc
        #derives
        pub enum #name {
            #( #variants )*
            /// A value this SDK version does not know, kept exactly as received.
            Unknown(String),
        }

        #by_value

        impl #name {
            /// Every documented wire value, in spec order.
            pub const KNOWN: &'static [&'static str] = &[ #( #known ),* ];

            /// The wire value, in the spelling it arrived in.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #as_str )*
                    Self::Unknown(other) => other,
                }
            }

            /// The wire value the spec names (an alias spelling maps to it).
            pub fn canonical_str(&self) -> &str {
                match self {
                    #( #canonical )*
                    Self::Unknown(other) => other,
                }
            }

            /// Decodes a wire value (aliases included, their spelling kept); never fails.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    #( #from_wire )*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// False for `Unknown`.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                Self::from_wire(value)
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                Self::from_wire(&value)
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from_wire(&value))
            }
        }
    }
}

/// Is this field a plain value (not `Option`) in its struct?
pub fn is_plain(s: &Schema, f: &ir::Field) -> bool {
    f.required && s.strict_required()
}

fn struct_type(
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

/// Per-field checks of a value at expression `value` (a reference to the plain type).
pub fn value_checks(
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

fn rule_check(s: &Schema, fields: &[ir::Field], r: &Rule) -> TokenStream {
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

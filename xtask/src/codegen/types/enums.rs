//! Enum schemas as open enums: known values as variants, anything else kept in `Unknown`;
//! documented aliases keep the spelling they arrived in and compare by value.

use crate::codegen::support::docs;
use crate::spec::ir::{self, Schema};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The enum, its wire conversions, `Display` and serde impls.
pub fn enum_type(s: &Schema, values: &[ir::EnumValue], closed: bool) -> TokenStream {
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

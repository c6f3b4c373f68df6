//! The one struct-shape emitter shared by model types and operation inputs: the struct, its
//! redacting `Debug`, and the builder with its setters and required-field checks. Models and
//! inputs differ only in which members they have; `validate.rs` emits what `validate()`
//! checks per member.

use super::support::docs;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// How the builder holds a member.
pub enum Storage {
    /// `Option<T>`; `build()` requires it when the member is plain.
    Value,
    /// A nested builder (an operation's body): built by `build()`, set field by field.
    Builder(TokenStream),
    /// The `extra` map of unknown wire fields: passed through, never set by a setter.
    Extra,
}

/// One member of a struct: a model field, an operation parameter or body, or `extra`.
pub struct Member {
    pub id: Ident,
    /// Name printed by `Debug` (the Rust name).
    pub debug_name: String,
    /// Name `BuildError::missing` reports (the wire name).
    pub wire: String,
    /// The member's Rust type without `Option`.
    pub ty: TokenStream,
    /// A plain value (required, request-only) rather than an `Option`.
    pub plain: bool,
    pub sensitive: bool,
    /// Doc comment and attributes of the struct field.
    pub attrs: TokenStream,
    /// Doc text of the builder's setter; `None` for no value setter.
    pub setter_doc: Option<String>,
    pub storage: Storage,
}

/// A struct with its builder.
pub struct Shape {
    pub name: Ident,
    pub builder: Ident,
    /// Type name used by `Debug` and `BuildError`.
    pub type_name: String,
    /// Doc comment and `#[derive]` of the struct.
    pub attrs: TokenStream,
    pub builder_doc: String,
    pub members: Vec<Member>,
}

/// `pub fn <id>(mut self, value: impl Into<T>) -> Self { <assign> self }`, documented; `assign`
/// sees `value`. Shared by builders and fluent requests.
pub fn setter(id: &Ident, ty: &TokenStream, doc: &str, assign: TokenStream) -> TokenStream {
    let d = docs(doc, &[]);
    quote! {
        #d
        pub fn #id(mut self, value: impl Into<#ty>) -> Self {
            #assign
            self
        }
    }
}

impl Shape {
    /// The struct definition and its `Debug`, which prints `***` for sensitive members.
    pub fn definition(&self) -> TokenStream {
        let (name, type_name, attrs) = (&self.name, &self.type_name, &self.attrs);
        let fields = self.members.iter().map(|m| {
            let (id, ty, attrs) = (&m.id, &m.ty, &m.attrs);
            let ty = if m.plain || !matches!(m.storage, Storage::Value) {
                quote!(#ty)
            } else {
                quote!(Option<#ty>)
            };
            quote! { #attrs pub #id: #ty, }
        });
        let debug = self.members.iter().map(|m| {
            let (id, n) = (&m.id, &m.debug_name);
            match (&m.storage, m.sensitive, m.plain) {
                (Storage::Extra, ..) => {
                    quote! { if !self.#id.is_empty() { d.field(#n, &self.#id); } }
                }
                (Storage::Value, true, true) => quote! { d.field(#n, &"***"); },
                (Storage::Value, true, false) => {
                    quote! { d.field(#n, &self.#id.as_ref().map(|_| "***")); }
                }
                _ => quote! { d.field(#n, &self.#id); },
            }
        });
        quote! {
            #attrs
            pub struct #name {
                #( #fields )*
            }

            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    let mut d = f.debug_struct(#type_name);
                    #( #debug )*
                    d.finish()
                }
            }
        }
    }

    /// `builder()` and `into_builder()`, for the struct's inherent `impl`.
    pub fn builder_constructors(&self) -> TokenStream {
        let builder = &self.builder;
        let back = self.members.iter().map(|m| {
            let id = &m.id;
            match (&m.storage, m.plain) {
                (Storage::Value, true) => quote! { #id: Some(self.#id), },
                (Storage::Builder(_), _) => quote! { #id: self.#id.into_builder(), },
                _ => quote! { #id: self.#id, },
            }
        });
        quote! {
            /// A builder with every member unset.
            pub fn builder() -> #builder {
                #builder::default()
            }

            /// A builder holding this value's members, to change some of them.
            pub fn into_builder(self) -> #builder {
                #builder {
                    #( #back )*
                }
            }
        }
    }

    /// The builder: its struct, a setter per value member, `more_setters`, and `build()`
    /// naming the first required member left unset.
    pub fn builder(&self, more_setters: TokenStream) -> TokenStream {
        let (name, builder, type_name, doc) = (
            &self.name,
            &self.builder,
            &self.type_name,
            &self.builder_doc,
        );
        let fields = self.members.iter().map(|m| {
            let (id, ty) = (&m.id, &m.ty);
            match &m.storage {
                Storage::Value => quote! { #id: Option<#ty>, },
                Storage::Builder(b) => quote! { #id: #b, },
                Storage::Extra => quote! { #id: #ty, },
            }
        });
        let setters = self.members.iter().filter_map(|m| {
            let doc = m.setter_doc.as_ref()?;
            let id = &m.id;
            Some(setter(
                id,
                &m.ty,
                doc,
                quote! { self.#id = Some(value.into()); },
            ))
        });
        let build = self.members.iter().map(|m| {
            let (id, wire) = (&m.id, &m.wire);
            match (&m.storage, m.plain) {
                (Storage::Value, true) => quote! {
                    #id: self.#id.ok_or(::hwcloud_core::BuildError::missing(#type_name, #wire))?,
                },
                (Storage::Builder(_), _) => quote! { #id: self.#id.build()?, },
                _ => quote! { #id: self.#id, },
            }
        });
        // A builder prints its values unless one may be secret or is itself a builder.
        let printable = self
            .members
            .iter()
            .all(|m| !m.sensitive && !matches!(m.storage, Storage::Builder(_)));
        let derive = if printable {
            quote!(#[derive(Clone, Debug, Default)])
        } else {
            quote!(#[derive(Clone, Default)])
        };
        quote! {
            #[doc = #doc]
            #derive
            pub struct #builder {
                #( #fields )*
            }

            impl #builder {
                #( #setters )*
                #more_setters

                /// Builds the value, or names the first required member left unset.
                pub fn build(self) -> Result<#name, ::hwcloud_core::BuildError> {
                    Ok(#name {
                        #( #build )*
                    })
                }
            }
        }
    }
}

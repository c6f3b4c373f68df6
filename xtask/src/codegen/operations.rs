//! One module per operation: static metadata, the input type with its builder, and the
//! `hwcloud_core::operation::Operation` glue the runtime calls.

use super::shape::{Member, Shape, Storage, setter};
use super::support::*;
use super::validate::member_checks;
use crate::spec::ir::{self, Operation, ParamIn, ResponseKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn output_type(op: &Operation) -> TokenStream {
    let ok = op.success();
    match (ok.kind, &ok.body) {
        (ResponseKind::Json, Some(b)) => {
            let id = format_ident!("{}", b);
            quote!(super::super::types::#id)
        }
        (ResponseKind::Text, _) => quote!(String),
        _ => quote!(()),
    }
}

fn param_to_string(p: &ir::Param, value: TokenStream) -> TokenStream {
    match p.ty {
        Type::String => quote!(#value.clone()),
        Type::Enum(_) => quote!(#value.as_str().to_owned()),
        _ => quote!(#value.to_string()),
    }
}

pub fn operation_file(spec: &ir::Spec, op: &Operation) -> TokenStream {
    let input = format_ident!("{}Input", op.name);
    let builder = format_ident!("{}InputBuilder", op.name);
    let input_name = format!("{}Input", op.name);
    let meta = format_ident!("META");
    let service = &spec.service.name;
    let name = &op.name;
    let method = &op.method;
    let path = &op.path;
    let content_type = &op.content_type;
    let idempotent = op.idempotent;
    let success: Vec<u16> = op
        .responses
        .iter()
        .filter(|r| (200..300).contains(&r.status))
        .map(|r| r.status)
        .collect();
    let kind = match op.success().kind {
        ResponseKind::Json => quote!(Json),
        ResponseKind::Text => quote!(Text),
        ResponseKind::Empty => quote!(Empty),
    };
    let output = output_type(op);
    let fluent = fluent(spec, op);

    let mut extra = vec![format!("`{} {}`", op.method, op.path)];
    if let Some(d) = &op.description {
        extra.push(d.trim().to_string());
    }
    if let Some(d) = &op.deprecated {
        extra.push(format!("Deprecated: {}", d.trim()));
    }
    if let Some(b) = &op.body
        && let ir::SchemaKind::Object { rules, .. } = &spec.schema(b).kind
    {
        extra.extend(
            rules
                .iter()
                .filter(|r| matches!(r, ir::Rule::DeprecatedIf { .. }))
                .map(super::rules::describe_rule),
        );
    }
    let statuses = op
        .responses
        .iter()
        .map(|r| format!("{} {}", r.status, r.description.trim_end_matches('.')))
        .collect::<Vec<_>>()
        .join("; ");
    extra.push(format!("Responses: {statuses}."));
    extra.push(format!(
        "Idempotent: {}.",
        if op.idempotent {
            "yes (retried on transient errors)"
        } else {
            "no (retried only when the request never reached the server)"
        }
    ));
    extra.push(format!("Source: {}.", op.source.join("; ")));
    let module_doc: Vec<String> =
        std::iter::once(format!(" {}: {}", op.name, op.summary))
            .chain(extra.iter().flat_map(|e| {
                std::iter::once(String::new()).chain(e.lines().map(|l| format!(" {l}")))
            }))
            .collect();

    let params: Vec<&ir::Param> = op.caller_params().collect();
    let body_ty = op.body.as_ref().map(|b| format_ident!("{}", b));
    let mut members: Vec<Member> = params
        .iter()
        .map(|p| {
            let loc = match p.location {
                ParamIn::Path => "Path",
                ParamIn::Query => "Query",
                ParamIn::Header => "Header",
            };
            let d = docs(
                &format!("{} parameter `{}`: {}", loc, p.wire, p.description),
                &field_doc_extras(&p.constraints, &p.default, &p.note, &p.source),
            );
            Member {
                id: format_ident!("{}", p.rust),
                debug_name: p.rust.clone(),
                wire: p.wire.clone(),
                ty: rust_type(&p.ty),
                plain: p.required,
                sensitive: p.sensitive,
                attrs: d,
                setter_doc: Some(param_setter_doc(p)),
                storage: Storage::Value,
            }
        })
        .collect();
    if let Some(b) = &body_ty {
        let bb = format_ident!("{}Builder", b);
        members.push(Member {
            id: format_ident!("body"),
            debug_name: "body".into(),
            wire: "body".into(),
            ty: quote!(super::super::types::#b),
            plain: true,
            sensitive: false,
            attrs: quote! { #[doc = " Request body."] },
            setter_doc: None,
            storage: Storage::Builder(quote!(super::super::types::#bb)),
        });
    }
    let has_float = body_ty
        .as_ref()
        .is_some_and(|b| blocks_eq(spec, &Type::Object(b.to_string()), &mut Vec::new()))
        || params.iter().any(|p| p.ty == Type::F64);
    let eq = (!has_float).then(|| quote!(Eq,));
    let input_doc = format!(" Input of {}: parameters and body.", op.name);
    let shape = Shape {
        name: input.clone(),
        builder: builder.clone(),
        type_name: input_name.clone(),
        attrs: quote! {
            #[doc = #input_doc]
            #[derive(Clone, PartialEq, #eq)]
        },
        builder_doc: format!(
            " Builder for [`{input_name}`]: a setter per parameter and per top-level body field."
        ),
        members,
    };

    // Body setters: the whole body, or one top-level field at a time.
    let body_setters = body_ty.as_ref().map(|b| {
        let per_field = body_field_setters(spec, op, &params, |_, field| {
            quote! { self.body = self.body.#field(value); }
        });
        quote! {
            /// Sets the whole request body (replacing fields set one by one before).
            pub fn body(mut self, body: super::super::types::#b) -> Self {
                self.body = body.into_builder();
                self
            }

            #( #per_field )*
        }
    });
    let definition = shape.definition();
    let constructors = shape.builder_constructors();
    let builder_def = shape.builder(quote!(#body_setters));

    // Validation of params, then the body at the root of the path.
    let param_checks = params.iter().map(|p| {
        let id = format_ident!("{}", p.rust);
        let wire = &p.wire;
        let nonempty = (p.required && p.location == ParamIn::Path).then(|| {
            quote! { if self.#id.is_empty() { v.report(#wire, "required", "path parameter is empty"); } }
        });
        let checks = member_checks(spec, &id, wire, &p.ty, &p.constraints, p.required, false);
        quote! { #nonempty #checks }
    });
    let body_check = body_ty
        .as_ref()
        .map(|_| quote! { self.body.validate_into(&mut v); });

    // Request parts.
    let parts = params.iter().map(|p| {
        let id = format_ident!("{}", p.rust);
        let wire = &p.wire;
        let push = |value: TokenStream| -> TokenStream {
            let s = param_to_string(p, value);
            match p.location {
                ParamIn::Path => quote! { parts.path_params.push((#wire, #s)); },
                ParamIn::Query => quote! { parts.query.push((#wire.to_owned(), #s)); },
                ParamIn::Header => quote! { parts.headers.push((#wire.to_owned(), #s)); },
            }
        };
        if p.required {
            push(quote!(self.#id))
        } else {
            let inner = push(quote!(x));
            quote! { if let Some(x) = &self.#id { #inner } }
        }
    });
    let parse = match op.success().kind {
        ResponseKind::Json => quote! { ::serde_json::from_slice(body) },
        ResponseKind::Text => {
            quote! { Ok(String::from_utf8_lossy(body).into_owned()) }
        }
        ResponseKind::Empty => quote! { let _ = body; Ok(()) },
    };
    let body_expr = match body_ty {
        Some(_) => quote!(Some(::hwcloud_core::operation::json_body(&self.body)?)),
        None => quote!(None),
    };
    let mutability = (!params.is_empty()).then(|| quote!(mut));
    let parts_decl = quote! {
        let #mutability parts = ::hwcloud_core::operation::RequestParts {
            body: #body_expr,
            ..Default::default()
        };
    };
    let meta_doc = format!(" Static facts about {} from the spec.", op.name);
    let sensitive_params: Vec<&str> = op
        .params
        .iter()
        .filter(|p| p.sensitive)
        .map(|p| p.wire.as_str())
        .collect();
    let sensitive_body = op.body.as_ref().map_or_else(Vec::new, |b| {
        sensitive_paths(spec, &Type::Object(b.clone()), "", &mut Vec::new())
    });
    quote! {
        #( #![doc = #module_doc] )*

        #[allow(unused_imports)]
        use super::super::types::*;

        #[doc = #meta_doc]
        pub const #meta: ::hwcloud_core::operation::OperationMeta = ::hwcloud_core::operation::OperationMeta {
            service: #service,
            name: #name,
            method: #method,
            path: #path,
            content_type: #content_type,
            idempotent: #idempotent,
            success_status: &[ #( #success ),* ],
            response: ::hwcloud_core::operation::ResponseKind::#kind,
            sensitive_params: &[ #( #sensitive_params ),* ],
            sensitive_body: &[ #( #sensitive_body ),* ],
        };

        #definition

        impl #input {
            #constructors
        }

        #builder_def

        impl ::hwcloud_core::operation::Operation for #input {
            type Output = #output;

            fn meta(&self) -> &'static ::hwcloud_core::operation::OperationMeta {
                &#meta
            }

            fn validate(&self) -> Result<(), ::hwcloud_core::ValidationErrors> {
                #[allow(unused_mut)]
                let mut v = ::hwcloud_core::validate::Validator::new();
                #( #param_checks )*
                #body_check
                v.finish()
            }

            fn to_parts(&self) -> Result<::hwcloud_core::operation::RequestParts, ::serde_json::Error> {
                #parts_decl
                #( #parts )*
                Ok(parts)
            }

            fn parse_output(body: &[u8]) -> Result<Self::Output, ::serde_json::Error> {
                #parse
            }
        }

        #fluent
    }
}

fn param_setter_doc(p: &ir::Param) -> String {
    format!("Sets parameter `{}`: {}", p.wire, p.description)
}

/// A setter per top-level body field, named like the field (`body_<name>` when a parameter
/// has that name); `assign(setter name, field name)` is its statement.
fn body_field_setters(
    spec: &ir::Spec,
    op: &Operation,
    params: &[&ir::Param],
    assign: impl Fn(&proc_macro2::Ident, &proc_macro2::Ident) -> TokenStream,
) -> Vec<TokenStream> {
    let Some(b) = &op.body else {
        return Vec::new();
    };
    spec.schema(b)
        .fields()
        .iter()
        .map(|f| {
            let id = if params.iter().any(|p| p.rust == f.rust) {
                format_ident!("body_{}", f.rust)
            } else {
                format_ident!("{}", f.rust)
            };
            let doc = format!("Sets body field `{}`: {}", f.wire, f.description);
            let assign = assign(&id, &format_ident!("{}", f.rust));
            setter(&id, &rust_type(&f.ty), &doc, assign)
        })
        .collect()
}

/// The fluent request a client method returns: the input builder's setters, plus
/// `send()`, and for paginated operations `into_pages()` / `into_items()`.
fn fluent(spec: &ir::Spec, op: &Operation) -> TokenStream {
    let input = format_ident!("{}Input", op.name);
    let builder = format_ident!("{}InputBuilder", op.name);
    let request = format_ident!("{}Request", op.name);
    let request_name = request.to_string();
    let output = output_type(op);
    let params: Vec<&ir::Param> = op.caller_params().collect();
    let setters = params.iter().map(|p| {
        let id = format_ident!("{}", p.rust);
        let assign = quote! { self.input = self.input.#id(value); };
        setter(&id, &rust_type(&p.ty), &param_setter_doc(p), assign)
    });
    let body_setters = op.body.as_ref().map(|b| {
        let bt = format_ident!("{}", b);
        let per_field = body_field_setters(spec, op, &params, |setter, _| {
            quote! { self.input = self.input.#setter(value); }
        });
        quote! {
            /// Sets the whole request body.
            pub fn body(mut self, body: super::super::types::#bt) -> Self {
                self.input = self.input.body(body);
                self
            }

            #( #per_field )*
        }
    });
    let paging = op.pagination.as_ref().map(|pg| {
        // The loader checked all of this: a body with an array of items and an integer total.
        let body_schema = spec.schema(
            op.success()
                .body
                .as_ref()
                .expect("paginated operations have a success body (checked by the loader)"),
        );
        let field = |wire: &str| {
            body_schema
                .fields()
                .iter()
                .find(|f| f.wire == wire)
                .expect("pagination fields checked by the loader")
        };
        let items_field = field(&pg.items);
        let Type::Array(item) = &items_field.ty else {
            unreachable!("pagination items are an array (checked by the loader)")
        };
        let item_ty = rust_type(item);
        let items_id = format_ident!("{}", items_field.rust);
        let offset_p = params.iter().find(|p| p.wire == pg.offset).expect("offset param");
        let limit_p = params.iter().find(|p| p.wire == pg.limit).expect("limit param");
        let offset_id = format_ident!("{}", offset_p.rust);
        let limit_id = format_ident!("{}", limit_p.rust);
        let offset_t = rust_type(&offset_p.ty);
        let total_id = format_ident!("{}", field(&pg.total).rust);
        let total_expr = quote! { o.#total_id.map(i64::from) };
        quote! {
            /// How to page this operation (from the spec's `pagination`).
            pub const PAGES: ::hwcloud_core::paginator::PageSpec<#input, #item_ty> = ::hwcloud_core::paginator::PageSpec {
                offset: |i| i.#offset_id.map(i64::from),
                set_offset: |i, n| i.#offset_id = Some(#offset_t::try_from(n).unwrap_or(#offset_t::MAX)),
                limit: |i| i.#limit_id.map(i64::from),
                items: |o| o.#items_id.clone().unwrap_or_default(),
                total: |o| #total_expr,
            };

            impl #request {
                /// Every page from the given offset on, as an async stream.
                pub fn into_pages(self) -> Result<impl ::futures_core::Stream<Item = Result<::hwcloud_core::Response<#output>, ::hwcloud_core::Error>>, ::hwcloud_core::Error> {
                    let input = self.input.build()?;
                    Ok(::hwcloud_core::paginator::pages(self.runtime, input, PAGES))
                }

                /// Every item of every page, as an async stream.
                pub fn into_items(self) -> Result<impl ::futures_core::Stream<Item = Result<#item_ty, ::hwcloud_core::Error>>, ::hwcloud_core::Error> {
                    let input = self.input.build()?;
                    Ok(::hwcloud_core::paginator::items(self.runtime, input, PAGES))
                }
            }
        }
    });
    let doc = format!(
        " A {} call being prepared: set inputs, then `.send().await`.",
        op.name
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone)]
        pub struct #request {
            runtime: ::hwcloud_core::Runtime,
            input: #builder,
            options: ::hwcloud_core::CallOptions,
        }

        impl ::std::fmt::Debug for #request {
            /// Inputs are not printed: bodies may hold passwords; build the input and print that.
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#request_name).field("options", &self.options).finish_non_exhaustive()
            }
        }

        impl #request {
            /// A request sent through `runtime`.
            pub fn new(runtime: ::hwcloud_core::Runtime) -> Self {
                #request { runtime, input: #input::builder(), options: Default::default() }
            }

            /// Replaces every input at once.
            pub fn input(mut self, input: #input) -> Self {
                self.input = input.into_builder();
                self
            }

            /// Sends without client-side validation (the server still validates).
            pub fn skip_validation(mut self) -> Self {
                self.options.skip_validation = true;
                self
            }

            #( #setters )*
            #body_setters

            /// Builds the input, validates it and sends it.
            pub async fn send(self) -> Result<::hwcloud_core::Response<#output>, ::hwcloud_core::Error> {
                let input = self.input.build()?;
                self.runtime.call(&input, self.options).await
            }
        }

        #paging
    }
}

//! The service client: one method per operation (returning its fluent request) and one per
//! waiter, over the hand-written `hwcloud_core::Runtime`.

use super::support::*;
use crate::spec::ir;
use heck::{ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn client_file(spec: &ir::Spec) -> TokenStream {
    let title = format!(
        " {} {} client.",
        spec.service.title, spec.service.api_version
    );
    let ops = spec.operations.iter().map(|op| {
        let method = format_ident!("{}", op.name.to_snake_case());
        let request = format_ident!("{}Request", op.name);
        let mut lines = vec![format!(" {}", op.summary)];
        lines.push(String::new());
        lines.push(format!(" `{} {}`", op.method, op.path));
        quote! {
            #( #[doc = #lines] )*
            pub fn #method(&self) -> super::operations::#request {
                super::operations::#request::new(self.runtime.clone())
            }
        }
    });
    let waiters = spec.waiters.iter().map(|w| {
        let op = spec.operation(&w.operation);
        let method = format_ident!("wait_until_{}", w.name.to_snake_case());
        let def = format_ident!("{}", w.name.to_shouty_snake_case());
        let input = format_ident!("{}Input", op.name);
        let required: Vec<&ir::Param> = op.caller_params().filter(|p| p.required).collect();
        let args = required.iter().map(|p| {
            let id = format_ident!("{}", p.rust);
            let t = rust_type(&p.ty);
            quote! { #id: impl Into<#t> }
        });
        let sets = required.iter().map(|p| {
            let id = format_ident!("{}", p.rust);
            quote! { #id: #id.into(), }
        });
        let others = op.caller_params().filter(|p| !p.required).map(|p| {
            let id = format_ident!("{}", p.rust);
            quote! { #id: None, }
        });
        let lines = [
            format!(" Waits {}", lowercase_first(w.description.trim())),
            String::new(),
            format!(
                " Polls {} and reads `{}`; configure with the returned waiter's methods, then `.wait().await`.",
                w.operation, w.field
            ),
        ];
        quote! {
            #( #[doc = #lines] )*
            pub fn #method(&self, #( #args ),*) -> ::hwcloud_core::waiter::Waiter<super::operations::#input> {
                let input = super::operations::#input { #( #sets )* #( #others )* };
                ::hwcloud_core::waiter::Waiter::new(self.runtime.clone(), input, &super::waiters::#def)
            }
        }
    });
    quote! {
        //! The service client: a method per operation and per waiter.

        #[doc = #title]
        ///
        /// Cheap to clone; clones share the connection pool and credentials.
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: ::hwcloud_core::Runtime,
        }

        impl ::hwcloud_core::client::ServiceClient for Client {
            const ENDPOINTS: ::hwcloud_core::config::ServiceEndpoints = ::hwcloud_core::config::ServiceEndpoints {
                service: super::endpoints::SERVICE,
                huaweicloud: super::endpoints::HUAWEICLOUD,
                otc: super::endpoints::OTC,
            };

            fn from_runtime(runtime: ::hwcloud_core::Runtime) -> Self {
                Client { runtime }
            }
        }

        impl Client {
            /// A builder: region or endpoint, credentials (default: env, then profile file), options.
            pub fn builder() -> ::hwcloud_core::client::ClientBuilder<Client> {
                ::hwcloud_core::client::ClientBuilder::new()
            }

            /// A client over an existing runtime.
            pub fn from_runtime(runtime: ::hwcloud_core::Runtime) -> Self {
                Client { runtime }
            }

            /// The runtime (configuration, endpoint, project id).
            pub fn runtime(&self) -> &::hwcloud_core::Runtime {
                &self.runtime
            }

            #( #ops )*

            #( #waiters )*
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

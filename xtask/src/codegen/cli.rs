//! The `hwcloud` command line's per-service module: a clap subcommand per operation (kebab
//! case), a flag per parameter and per top-level scalar body field, `--body FILE|-`, `--all`
//! for paginated lists, and the dispatch that builds the request through the generated
//! client. Helpers it calls (`crate::runner`) are hand-written in `hwcloud-cli`.

use crate::spec::ir::{self, Type};
use heck::{ToKebabCase, ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Flags the CLI defines globally or per operation; a field with one of these names gets a
/// `body-` prefix instead.
const RESERVED: &[&str] = &[
    "endpoint",
    "cloud",
    "region",
    "project-id",
    "output",
    "query",
    "timeout",
    "verbose",
    "help",
    "version",
    "body",
    "all",
    "skip-validation",
];

fn is_scalar(t: &Type) -> bool {
    matches!(
        t,
        Type::String
            | Type::Bool
            | Type::Int32
            | Type::Int64
            | Type::F64
            | Type::NumberOrString
            | Type::Enum(_)
    )
}

fn kind(t: &Type) -> TokenStream {
    match t {
        Type::Bool => quote!(crate::runner::FieldKind::Bool),
        Type::Int32 | Type::Int64 => quote!(crate::runner::FieldKind::Int),
        Type::F64 => quote!(crate::runner::FieldKind::Float),
        _ => quote!(crate::runner::FieldKind::Text),
    }
}

pub fn cli_file(spec: &ir::Spec) -> TokenStream {
    let service = &spec.service.name;
    let krate = format_ident!("{}", spec.service.crate_name.to_snake_case());
    let about = format!("{} {}", spec.service.title, spec.service.api_version);
    let mut subcommands = Vec::new();
    let mut arms = Vec::new();
    let mut tables = Vec::new();
    for op in &spec.operations {
        let cmd = op.name.to_kebab_case();
        let method = format_ident!("{}", op.name.to_snake_case());
        let summary = &op.summary;
        let mut args = Vec::new();
        let mut sets = Vec::new();
        // Sensitive parameters (the X-Auth-Token header) never come from flags: flags show in
        // `ps`. Tokens and keys come from the credentials chain.
        let params: Vec<&ir::Param> = op.caller_params().filter(|p| !p.sensitive).collect();
        for p in &params {
            let flag = p.wire.to_kebab_case();
            let id = format_ident!("{}", p.rust);
            let help = format!("{} [{}]", p.description.trim(), location(p));
            let required = p.required;
            args.push(quote! {
                .arg(clap::Arg::new(#flag).long(#flag).value_name(#flag).required(#required).help(#help))
            });
            let t = super::support::rust_type(&p.ty);
            let get = match &p.ty {
                Type::Enum(_) => quote!(crate::runner::enum_flag::<#t>(m, #flag)?),
                _ => quote!(crate::runner::flag::<#t>(m, #flag)?),
            };
            sets.push(quote! {
                if let Some(v) = #get { r = r.#id(v); }
            });
        }
        if let Some(b) = &op.body {
            let schema = spec.schema(b);
            let bt = format_ident!("{}", b);
            let mut fields = Vec::new();
            // A sensitive field never becomes a flag (argv shows in `ps`), as sensitive
            // parameters do not: it comes with --body.
            for f in schema
                .fields()
                .iter()
                .filter(|f| is_scalar(&f.ty) && !f.sensitive)
            {
                let mut flag = f.wire.to_kebab_case();
                if RESERVED.contains(&flag.as_str())
                    || params.iter().any(|p| p.wire.to_kebab_case() == flag)
                {
                    flag = format!("body-{flag}");
                }
                let help = format!("Body field `{}`: {}", f.wire, f.description.trim());
                args.push(quote! {
                    .arg(clap::Arg::new(#flag).long(#flag).value_name(#flag).help(#help))
                });
                let wire = &f.wire;
                let k = kind(&f.ty);
                fields.push(quote! { (#wire, #flag, #k) });
            }
            let body_help = format!(
                "Request body ({b}) as JSON from FILE, or `-` for stdin; field flags override its top-level fields"
            );
            args.push(quote! {
                .arg(clap::Arg::new("body").long("body").value_name("FILE|-").help(#body_help))
            });
            let table = format_ident!("{}_BODY_FIELDS", op.name.to_shouty_snake_case());
            let table_doc = format!(
                " Body-field flags of `{cmd}`: wire name, flag, how its text becomes JSON."
            );
            tables.push(quote! {
                #[doc = #table_doc]
                pub const #table: &[(&str, &str, crate::runner::FieldKind)] = &[ #( #fields ),* ];
            });
            sets.push(quote! {
                if let Some(body) = crate::runner::body::<#krate::types::#bt>(m, #table)? {
                    r = r.body(body);
                }
            });
        }
        let all = op.pagination.as_ref().map(|_| {
            args.push(quote! {
                .arg(clap::Arg::new("all").long("all").action(clap::ArgAction::SetTrue).help("Follow pagination and print every item"))
            });
            quote! {
                if m.get_flag("all") {
                    return crate::runner::collect_items(r.into_items()?).await;
                }
            }
        });
        subcommands.push(quote! {
            .subcommand(clap::Command::new(#cmd).about(#summary) #( #args )*)
        });
        arms.push(quote! {
            #cmd => {
                let mut r = client.#method();
                #( #sets )*
                if skip_validation { r = r.skip_validation(); }
                #all
                crate::runner::finish(r.send().await)
            }
        });
    }
    let doc = format!(" The `hwcloud {service}` subcommands, one per operation of the spec.");
    let command_doc = format!(" The `hwcloud {service}` command and its operation subcommands.");
    quote! {
        #![doc = #doc]

        #( #tables )*

        #[doc = #command_doc]
        pub fn command() -> clap::Command {
            clap::Command::new(#service)
                .about(#about)
                .subcommand_required(true)
                #( #subcommands )*
        }

        /// Runs operation subcommand `name` with its matches.
        #[allow(unused_imports)]
        pub async fn run(
            client: &#krate::Client,
            name: &str,
            m: &clap::ArgMatches,
            skip_validation: bool,
        ) -> Result<crate::runner::Outcome, crate::runner::CliError> {
            use #krate::types::*;
            match name {
                #( #arms )*
                other => Err(crate::runner::CliError::usage(format!("unknown {} operation {other:?}", #service))),
            }
        }
    }
}

fn location(p: &ir::Param) -> &'static str {
    match p.location {
        ir::ParamIn::Path => "path",
        ir::ParamIn::Query => "query",
        ir::ParamIn::Header => "header",
    }
}

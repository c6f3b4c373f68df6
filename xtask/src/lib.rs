//! `cargo xtask`: loads `spec/`, checks it, and generates the service crates and OpenAPI
//! documents from it. The library half exists so tests can drive every step.

pub mod codegen;
pub mod files;
pub mod openapi;
pub mod spec;

use std::fmt;
use std::path::{Path, PathBuf};

/// The workspace root (parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Why `codegen` failed.
#[derive(Debug)]
pub enum CodegenError {
    /// The spec does not load; each error has file, line and hint.
    Spec(Vec<spec::SpecError>),
    /// `--check` found stale files; the text is a readable diff.
    Stale(String),
    /// Writing a file failed.
    Io(String),
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Spec(errs) => {
                for e in errs {
                    writeln!(f, "{e}")?;
                }
                Ok(())
            }
            CodegenError::Stale(diff) => write!(
                f,
                "generated files are stale; run `cargo xtask codegen` and commit the result\n{diff}"
            ),
            CodegenError::Io(e) => f.write_str(e),
        }
    }
}

/// Generates every output file for every spec under `root/spec`, writing them (or, with
/// `check`, comparing them with what is on disk).
pub fn codegen_all(root: &Path, check: bool) -> Result<String, CodegenError> {
    let outputs = generate_all(root)?;
    files::apply(root, &outputs, check)
}

/// Where the service specs live; each `*.yaml` there is one service.
pub const SERVICE_SPEC_DIR: &str = "spec";

/// Feature fixtures: small specs, one per generator feature (see `xtask/fixtures/README.md`).
pub const FIXTURE_DIR: &str = "xtask/fixtures";

/// The crate every fixture names as `service.crate`; all fixtures compile in it.
pub const FIXTURE_CRATE: &str = "codegen-fixtures";

/// Every generated file, in memory: the service specs of `spec/`, then the feature fixtures.
pub fn generate_all(root: &Path) -> Result<Vec<files::Output>, CodegenError> {
    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    match spec::load_dir(&root.join(SERVICE_SPEC_DIR)) {
        Ok(specs) => {
            for s in &specs {
                outputs.extend(generate_service(s, &relative(root, s)));
            }
            let names: Vec<String> = specs.iter().map(|s| s.service.name.clone()).collect();
            outputs.push(cli_index(&names));
        }
        Err(mut e) => errors.append(&mut e),
    }
    match spec::load_dir(&root.join(FIXTURE_DIR)) {
        Ok(specs) => {
            for s in &specs {
                match generate_fixture(s, &relative(root, s)) {
                    Ok(o) => outputs.extend(o),
                    Err(e) => errors.push(e),
                }
            }
            let names: Vec<String> = specs.iter().map(fixture_name).collect();
            outputs.push(fixture_index(&names));
        }
        Err(mut e) => errors.append(&mut e),
    }
    if !errors.is_empty() {
        return Err(CodegenError::Spec(errors));
    }
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(outputs)
}

/// A spec's path from the workspace root, as generated headers and `include_str!` paths name
/// it.
fn relative(root: &Path, spec: &spec::ir::Spec) -> String {
    Path::new(&spec.file)
        .strip_prefix(root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| spec.file.clone())
}

/// Every file generated from one service spec (`spec_file` from the workspace root): the
/// service crate's `src/generated/`, its OpenAPI document and its CLI command module.
pub fn generate_service(spec: &spec::ir::Spec, spec_file: &str) -> Vec<files::Output> {
    let mut outputs = codegen::generate(spec, spec_file);
    outputs.push(openapi::generate(spec, spec_file));
    outputs.push(files::Output {
        path: Path::new(CLI_GENERATED).join(format!("{}.rs", spec.service.name)),
        text: codegen::render(spec_file, codegen::cli::cli_file(spec)),
    });
    outputs
}

/// Where the CLI's per-service command modules are generated.
pub const CLI_GENERATED: &str = "crates/hwcloud-cli/src/generated";

/// `crates/hwcloud-cli/src/generated/mod.rs`: one module per service, and the list the CLI
/// uses to register them.
fn cli_index(services: &[String]) -> files::Output {
    use quote::{format_ident, quote};
    let mods = services.iter().map(|s| {
        let id = format_ident!("{}", s);
        quote! { pub mod #id; }
    });
    let tokens = quote! {
        //! The `hwcloud <service> <operation>` commands, generated from the specs.
        #( #mods )*
    };
    files::Output {
        path: Path::new(CLI_GENERATED).join("mod.rs"),
        text: codegen::render("spec/*.yaml", tokens),
    }
}

/// The module name of a fixture: its file stem (`xtask/fixtures/open_enum.yaml` → `open_enum`).
pub fn fixture_name(spec: &spec::ir::Spec) -> String {
    Path::new(&spec.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The generated files of one fixture spec (`spec_file` as it appears in headers).
///
/// Routing: each fixture is generated into `crates/codegen-fixtures/src/generated/<fixture>/`,
/// its own module of the one fixture crate (generated code uses relative module paths and
/// computes its `include_str!` paths from the directory, so nothing is rewritten).
pub fn generate_fixture(
    spec: &spec::ir::Spec,
    spec_file: &str,
) -> Result<Vec<files::Output>, spec::SpecError> {
    let name = fixture_name(spec);
    let bad = |message: String, hint: &str| spec::SpecError {
        file: spec_file.to_string(),
        line: 0,
        message,
        hint: hint.to_string(),
    };
    if spec.service.crate_name != FIXTURE_CRATE {
        return Err(bad(
            format!(
                "fixture `crate` is `{}`, not `{FIXTURE_CRATE}`",
                spec.service.crate_name
            ),
            "every fixture is generated into crates/codegen-fixtures",
        ));
    }
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && syn::parse_str::<syn::Ident>(&name).is_ok();
    if !valid {
        return Err(bad(
            format!("fixture file name `{name}` is not a usable Rust module name"),
            "name fixture files in snake_case, avoiding Rust keywords (e.g. plain_struct.yaml)",
        ));
    }
    let dir = Path::new("crates")
        .join(FIXTURE_CRATE)
        .join("src/generated")
        .join(&name);
    Ok(codegen::generate_into(spec, spec_file, &dir))
}

/// `crates/codegen-fixtures/src/generated/mod.rs`: one module per fixture.
fn fixture_index(fixtures: &[String]) -> files::Output {
    let mods = fixtures.iter().map(|f| {
        let m = quote::format_ident!("{f}");
        quote::quote! { pub mod #m; }
    });
    let path = Path::new("crates")
        .join(FIXTURE_CRATE)
        .join("src/generated/mod.rs");
    files::Output {
        path,
        text: codegen::render(
            FIXTURE_DIR,
            quote::quote! {
                //! One module per feature fixture of `xtask/fixtures/`.
                #( #mods )*
            },
        ),
    }
}

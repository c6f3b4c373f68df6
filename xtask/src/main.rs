//! `cargo xtask codegen [--check]` and `cargo xtask check-spec`.

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask <command>\n\n\
         commands:\n  \
         codegen          regenerate the service crates and OpenAPI documents from spec/\n  \
         codegen --check  fail with a diff when a checked-in generated file is stale\n  \
         check-spec       load and check spec/ only"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = xtask::workspace_root();
    let spec_dir: PathBuf = root.join("spec");
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["check-spec"] => match xtask::spec::load_dir(&spec_dir) {
            Ok(specs) => {
                for s in &specs {
                    println!(
                        "{}: {} operations, {} schemas, {} waiters",
                        s.service.name,
                        s.operations.len(),
                        s.schemas.len(),
                        s.waiters.len()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(errors) => report(&errors),
        },
        ["codegen"] => run(&root, false),
        ["codegen", "--check"] => run(&root, true),
        _ => usage(),
    }
}

fn report(errors: &[xtask::spec::SpecError]) -> ExitCode {
    for e in errors {
        eprintln!("error: {e}");
    }
    eprintln!("{} error(s) in spec/", errors.len());
    ExitCode::FAILURE
}

fn run(root: &std::path::Path, check: bool) -> ExitCode {
    match xtask::codegen_all(root, check) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(xtask::CodegenError::Spec(errors)) => report(&errors),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

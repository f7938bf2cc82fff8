//! Regenerates the committed catalog: `cargo run -p mamori-catalog --example build_catalog --
//! /work/shared /work/main/catalog` (the first argument is a directory with `seeds/` and `docs/`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(shared), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: build_catalog SHARED_DIR OUT_DIR");
        return ExitCode::from(2);
    };
    let shared = PathBuf::from(shared);
    let catalog =
        match mamori_catalog::build_from_paths(&shared.join("seeds"), &shared.join("docs")) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("build failed: {e}");
                return ExitCode::FAILURE;
            }
        };
    if let Err(e) = mamori_catalog::write_dir(&catalog, &PathBuf::from(out)) {
        eprintln!("write failed: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "{} clauses, {} headings, {} glossary terms written to {out}",
        catalog.clauses.len(),
        catalog.sections.len(),
        catalog.glossary.len()
    );
    ExitCode::SUCCESS
}

//! Generating Rust clients from `build.rs`, like `prost-build`: each catalog
//! becomes `$OUT_DIR/NAME.rs`, to `include!` in the crate.

use std::path::{Path, PathBuf};

use crate::{Catalog, Error};

/// Generates the Rust client of catalogs from a build script.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     wamp_codegen::Builder::new()
///         .catalog("api/math.catalog.json")
///         .compile()?;
///     Ok(())
/// }
/// ```
///
/// and in the crate (the file is named after the catalog, without
/// `.catalog.json` or `.json`):
///
/// ```ignore
/// pub mod math {
///     include!(concat!(env!("OUT_DIR"), "/math.rs"));
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    catalogs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
}

impl Builder {
    /// A builder with no catalog yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a catalog file (relative to the crate's directory in a build script).
    pub fn catalog(mut self, path: impl AsRef<Path>) -> Self {
        self.catalogs.push(path.as_ref().to_owned());
        self
    }

    /// Writes into this directory instead of `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Generates every catalog's client and returns the files written. In a
    /// build script it also asks Cargo to rerun when a catalog changes.
    pub fn compile(self) -> Result<Vec<PathBuf>, Error> {
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    Error::Catalog(
                        "OUT_DIR is not set: call compile() from a build script, or set out_dir()"
                            .into(),
                    )
                })?,
        };
        let in_build_script = std::env::var_os("CARGO_MANIFEST_DIR").is_some()
            && std::env::var_os("OUT_DIR").is_some();
        let mut written = Vec::new();
        for path in &self.catalogs {
            if in_build_script {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            let catalog = Catalog::read(path)?;
            let code = crate::rust::generate(&catalog)?;
            let file = out_dir.join(format!("{}.rs", output_stem(path)));
            std::fs::write(&file, code).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            written.push(file);
        }
        Ok(written)
    }
}

/// The name of a catalog's generated file: `api/math.catalog.json` gives `math`.
pub(crate) fn output_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "catalog".into());
    let stem = name
        .strip_suffix(".catalog.json")
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name);
    crate::rust::module_name(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names() {
        assert_eq!(output_stem(Path::new("api/math.catalog.json")), "math");
        assert_eq!(output_stem(Path::new("my-api.json")), "my_api");
    }

    #[test]
    fn writes_into_the_out_dir() {
        let dir = tempfile::tempdir().unwrap();
        let files = Builder::new()
            .catalog(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../examples/snapshots/math_service.catalog.json"
            ))
            .out_dir(dir.path())
            .compile()
            .unwrap();
        assert_eq!(files, [dir.path().join("math_service.rs")]);
        let code = std::fs::read_to_string(&files[0]).unwrap();
        assert!(code.contains("pub mod count_to"), "{code}");
    }
}

//! TypeScript.
use crate::{Catalog, Error};
/// Generates.
pub fn generate(_catalog: &Catalog) -> Result<String, Error> { Ok(String::new()) }

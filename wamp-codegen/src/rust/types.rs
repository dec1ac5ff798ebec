//! The types of a catalog through `typify`: its `$defs` as named types, and
//! the type of any other schema (a parameter, a result) as a Rust type path
//! relative to the procedure modules (`types::Stats`, `i64`, `Vec<f64>`).

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value as Json;
use typify::{TypeSpace, TypeSpaceSettings};

use crate::schema::to_draft7;
use crate::{Catalog, Error};

/// The module the types are generated into, as the procedure modules name it.
const TYPE_MODULE: &str = "types";

/// The types of one generated file.
pub(crate) struct Types {
    space: TypeSpace,
    /// Schemas typify could not turn into a type (given as JSON values).
    pub(crate) fallbacks: Vec<String>,
}

impl Types {
    /// A type space holding the catalog's `$defs`.
    pub(crate) fn new(catalog: &Catalog) -> Result<Self, Error> {
        let mut settings = TypeSpaceSettings::default();
        settings
            .with_type_mod(TYPE_MODULE)
            .with_struct_builder(false)
            .with_derive("PartialEq".to_owned());
        let mut space = TypeSpace::new(&settings);
        let defs = catalog
            .defs
            .iter()
            .map(|(name, schema)| Ok((name.clone(), schemars_schema(name, schema)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        space.add_ref_types(defs).map_err(|e| Error::Schema {
            what: "$defs".into(),
            message: e.to_string(),
        })?;
        Ok(Types {
            space,
            fallbacks: Vec::new(),
        })
    }

    /// The Rust type of a schema; `null` (no value) is `()`. New named types
    /// (an inline object, an enum) are called `name_hint`. A schema typify
    /// cannot express (a tuple with optional elements) becomes
    /// `serde_json::Value`, noted in [`Types::fallbacks`].
    pub(crate) fn type_of(&mut self, schema: &Json, name_hint: &str) -> Result<TokenStream, Error> {
        match self.typify(schema, name_hint) {
            Err(Error::Schema { message, .. }) => {
                let first = message.lines().next().unwrap_or_default();
                let first: String = first.chars().take(160).collect();
                self.fallbacks.push(format!("{name_hint}: {first}"));
                Ok(quote!(::serde_json::Value))
            }
            other => other,
        }
    }

    fn typify(&mut self, schema: &Json, name_hint: &str) -> Result<TokenStream, Error> {
        if schema.is_null() {
            return Ok(quote!(()));
        }
        let mut schema = schema.clone();
        if let Json::Object(map) = &mut schema {
            // A parameter's title is its name, not a type name.
            map.remove("title");
        }
        let s = schemars_schema(name_hint, &schema)?;
        let id = self
            .space
            .add_type_with_name(&s, Some(name_hint.to_owned()))
            .map_err(|e| Error::Schema {
                what: name_hint.to_owned(),
                message: e.to_string(),
            })?;
        let ty = self.space.get_type(&id).map_err(|e| Error::Schema {
            what: name_hint.to_owned(),
            message: e.to_string(),
        })?;
        Ok(ty.ident())
    }

    /// The definitions of all types added.
    pub(crate) fn finish(&self) -> TokenStream {
        self.space.to_stream()
    }
}

/// A catalog schema as the schemars 0.8 schema `typify` reads.
fn schemars_schema(what: &str, schema: &Json) -> Result<schemars08::schema::Schema, Error> {
    serde_json::from_value(to_draft7(schema)).map_err(|e| Error::Schema {
        what: what.to_owned(),
        message: format!("not a JSON Schema: {e}"),
    })
}

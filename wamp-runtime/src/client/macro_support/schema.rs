//! The JSON Schema of a handler's signature: `args`, `kwargs`, `result`,
//! `progress` (and `input`, the type of each chunk of a procedure taking its
//! input in chunks).

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value as Json};

/// Builds the JSON Schema of one handler's signature.
pub struct SchemaBuilder<'g> {
    generator: &'g mut SchemaGenerator,
    args: Vec<Json>,
    min_args: usize,
    optional_seen: bool,
    kw_properties: Map<String, Json>,
    kw_required: Vec<Json>,
    kwargs: Option<Json>,
    result: Json,
    progress: Json,
    input: Option<Json>,
}

impl<'g> SchemaBuilder<'g> {
    /// A builder whose subschemas land in `generator`'s definitions.
    pub fn new(generator: &'g mut SchemaGenerator) -> Self {
        SchemaBuilder {
            generator,
            args: Vec::new(),
            min_args: 0,
            optional_seen: false,
            kw_properties: Map::new(),
            kw_required: Vec::new(),
            kwargs: None,
            result: Json::Null,
            progress: Json::Null,
            input: None,
        }
    }

    fn schema<T: JsonSchema>(&mut self, title: Option<&str>) -> Json {
        let mut schema = self.generator.subschema_for::<T>().to_value();
        if let (Some(title), Json::Object(map)) = (title, &mut schema) {
            map.insert("title".into(), Json::String(title.into()));
        }
        schema
    }

    /// A parameter taken by position or by name.
    pub fn arg<T: JsonSchema>(&mut self, name: &str, optional: bool) {
        let schema = self.schema::<T>(Some(name));
        if optional {
            self.optional_seen = true;
        } else if !self.optional_seen {
            self.min_args += 1;
        }
        self.args.push(schema.clone());
        self.kw_properties.insert(name.into(), schema);
    }

    /// A keyword-only parameter.
    pub fn keyword<T: JsonSchema>(&mut self, name: &str, optional: bool) {
        let schema = self.schema::<T>(Some(name));
        self.kw_properties.insert(name.into(), schema);
        if !optional {
            self.kw_required.push(Json::String(name.into()));
        }
    }

    /// A parameter taking the whole keyword arguments.
    pub fn kwargs<T: JsonSchema>(&mut self) {
        self.kwargs = Some(self.schema::<T>(None));
    }

    /// The result (sent as one positional result).
    pub fn result<T: JsonSchema>(&mut self) {
        self.result = self.schema::<T>(None);
    }

    /// A result of several positional and keyword results ([`CallResult`]): any.
    pub fn result_any(&mut self) {
        self.result = Json::Bool(true);
    }

    /// The type of progressive results.
    pub fn progress<T: JsonSchema>(&mut self) {
        self.progress = self.schema::<T>(None);
    }

    /// The type of each input chunk of a procedure taking its input in chunks
    /// (progressive call invocations): every chunk's `args` is `[T]`.
    pub fn input<T: JsonSchema>(&mut self, name: &str) {
        let schema = self.schema::<T>(Some(name));
        self.args.push(schema.clone());
        self.min_args = self.args.len();
        self.input = Some(schema);
    }

    /// The signature: `args`, `kwargs`, `result`, `progress`, and `input`
    /// for a procedure taking its input in chunks.
    pub fn finish(self) -> Json {
        let n = self.args.len();
        let mut args = Map::new();
        args.insert("type".into(), "array".into());
        if n > 0 {
            args.insert("prefixItems".into(), Json::Array(self.args));
        }
        args.insert("items".into(), Json::Bool(false));
        if self.min_args > 0 {
            args.insert("minItems".into(), self.min_args.into());
        }
        let kwargs = match self.kwargs {
            Some(schema) => schema,
            None => {
                let mut kw = Map::new();
                kw.insert("type".into(), "object".into());
                if !self.kw_properties.is_empty() {
                    kw.insert("properties".into(), Json::Object(self.kw_properties));
                }
                if !self.kw_required.is_empty() {
                    kw.insert("required".into(), Json::Array(self.kw_required));
                }
                kw.insert("additionalProperties".into(), Json::Bool(false));
                Json::Object(kw)
            }
        };
        let mut out = Map::new();
        out.insert("args".into(), Json::Object(args));
        out.insert("kwargs".into(), kwargs);
        out.insert("result".into(), self.result);
        out.insert("progress".into(), self.progress);
        if let Some(input) = self.input {
            out.insert("input".into(), input);
        }
        Json::Object(out)
    }
}

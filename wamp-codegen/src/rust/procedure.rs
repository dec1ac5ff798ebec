//! The module of one procedure: `call(&session, required...)` returns a
//! `Call` to configure (optional parameters by name, `.timeout(d)`,
//! `.options(o)`) and `.await` for the typed result, or to stream with
//! `.progressive()` when the procedure sends progressive results.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use serde_json::Value as Json;

use super::names::{camel, error_const, ident, param_ident};
use super::types::Types;
use crate::schema::{is_nullable, without_null};
use crate::{Entry, Error, Param};

/// A parameter with its Rust name and type.
struct Field {
    param: Param,
    ident: Ident,
    ty: TokenStream,
    /// Given to `call` (else set by a method, `None` by default).
    required: bool,
}

/// The parameters of an entry with their Rust types.
fn fields(entry: &Entry, module: &str, types: &mut Types) -> Result<Vec<Field>, Error> {
    entry
        .params()
        .into_iter()
        .map(|param| {
            let required =
                param.required && (param.position.is_some() || !is_nullable(&param.schema));
            let schema = if required {
                param.schema.clone()
            } else {
                without_null(&param.schema)
            };
            let ty = types.type_of(&schema, &camel(&[module, "_", &param.name]))?;
            Ok(Field {
                ident: param_ident(&param.name),
                ty,
                required,
                param,
            })
        })
        .collect()
}

/// The doc comment of an entry's module.
pub(super) fn module_doc(entry: &Entry, what: &str) -> String {
    let mut doc = entry.doc.clone().unwrap_or_default();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("The {what} `{}`", entry.uri));
    if entry.is_pattern() {
        doc.push_str(&format!(" (a {} pattern)", entry.match_policy()));
    }
    doc.push('.');
    doc
}

/// The `errors` module naming each error URI an entry may answer with.
pub(super) fn errors_module(entry: &Entry) -> TokenStream {
    if entry.errors.is_empty() {
        return TokenStream::new();
    }
    let mut seen = std::collections::HashSet::new();
    let consts = entry.errors.iter().map(|uri| {
        let base = error_const(uri);
        let mut name = base.clone();
        let mut n = 2;
        while !seen.insert(name.to_string()) {
            name = proc_macro2::Ident::new(&format!("{base}_{n}"), base.span());
            n += 1;
        }
        let doc = format!("The error `{uri}`.");
        quote! { #[doc = #doc] pub const #name: &str = #uri; }
    });
    quote! {
        /// The error URIs it may answer with (compare with `wamp::Error::is`).
        pub mod errors {
            #(#consts)*
        }
    }
}

/// The module of a procedure.
pub(super) fn module(entry: &Entry, module: &str, types: &mut Types) -> Result<TokenStream, Error> {
    let name = ident(module);
    let doc = module_doc(entry, "procedure");
    let uri = &entry.uri;
    let fields = fields(entry, module, types)?;
    let any_result = entry.result == Json::Bool(true);
    let output = if any_result {
        quote!(::wamp::CallResult)
    } else {
        types.type_of(&entry.result, &camel(&[module, "_result"]))?
    };
    let errors = errors_module(entry);

    let (uri_param, uri_init) = if entry.is_pattern() {
        (quote!(uri: &str,), quote!(uri.to_owned()))
    } else {
        (quote!(), quote!(URI.to_owned()))
    };
    let req: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    let call_params = req.iter().map(|f| {
        let (i, t) = (&f.ident, &f.ty);
        quote!(#i: #t)
    });
    let struct_fields = fields.iter().map(|f| {
        let (i, t) = (&f.ident, &f.ty);
        if f.required {
            quote!(#i: #t,)
        } else {
            quote!(#i: ::std::option::Option<#t>,)
        }
    });
    let inits = fields.iter().map(|f| {
        let i = &f.ident;
        if f.required {
            quote!(#i,)
        } else {
            quote!(#i: ::std::option::Option::None,)
        }
    });
    let setters = fields.iter().filter(|f| !f.required).map(|f| {
        let (i, t) = (&f.ident, &f.ty);
        let doc = format!(
            "Sets the optional parameter `{}` (sent by name).",
            f.param.name
        );
        quote! {
            #[doc = #doc]
            pub fn #i(mut self, #i: #t) -> Self {
                self.#i = ::std::option::Option::Some(#i);
                self
            }
        }
    });
    // Positional: the required positional parameters, in order.
    let positional: Vec<&Ident> = fields
        .iter()
        .filter(|f| f.required && f.param.position.is_some())
        .map(|f| &f.ident)
        .collect();
    let args = quote!(&(#(&self.#positional,)*));
    // By name: required keyword-only parameters and all optional ones.
    let named: Vec<&Field> = fields
        .iter()
        .filter(|f| !(f.required && f.param.position.is_some()))
        .collect();
    let (kwargs_struct, with_kwargs) = if named.is_empty() {
        (quote!(), quote!())
    } else {
        let kw_fields = named.iter().map(|f| {
            let (i, t, wire) = (&f.ident, &f.ty, &f.param.name);
            if f.required {
                quote!(#[serde(rename = #wire)] #i: &'a #t,)
            } else {
                quote! {
                    #[serde(rename = #wire, skip_serializing_if = "::std::option::Option::is_none")]
                    #i: ::std::option::Option<&'a #t>,
                }
            }
        });
        let kw_inits = named.iter().map(|f| {
            let i = &f.ident;
            if f.required {
                quote!(#i: &self.#i,)
            } else {
                quote!(#i: self.#i.as_ref(),)
            }
        });
        (
            quote! {
                #[derive(::serde::Serialize)]
                struct Kwargs<'a> { #(#kw_fields)* }
            },
            quote!(.kwargs(&Kwargs { #(#kw_inits)* })),
        )
    };
    let finish = if any_result {
        quote!(request.await)
    } else {
        quote!(::std::result::Result::Ok(request.await?.get::<Output>()?))
    };
    let progressive = if entry.is_progressive() {
        progressive_items(entry, module, any_result, types)?
    } else {
        quote!()
    };
    let progress_method = if entry.is_progressive() {
        quote! {
            /// Sends the call asking for progressive results: a stream of
            /// [`Update::Progress`] items and one [`Update::Final`] (as the
            /// macros' stubs give).
            pub fn progressive(self) -> Progressive {
                ::wamp::client::stub::ProgressiveCall::from_request(self.request(), DECODE)
            }
        }
    } else {
        quote!()
    };
    Ok(quote! {
        #[doc = #doc]
        pub mod #name {
            #[allow(unused_imports)]
            use super::types;

            /// The procedure's URI (a pattern when it matches by prefix or wildcard).
            pub const URI: &str = #uri;

            /// The result.
            pub type Output = #output;

            #errors

            /// Prepares a call; `.await` it for the result, or set options and
            /// optional parameters first.
            pub fn call(session: &::wamp::Session, #uri_param #(#call_params),*) -> Call {
                Call {
                    session: session.clone(),
                    uri: #uri_init,
                    #(#inits)*
                    options: ::wamp::CallOptions::default(),
                }
            }

            /// A call being prepared; it is sent when awaited.
            #[must_use = "a call does nothing until awaited"]
            pub struct Call {
                session: ::wamp::Session,
                uri: ::std::string::String,
                #(#struct_fields)*
                options: ::wamp::CallOptions,
            }

            #kwargs_struct

            impl Call {
                #(#setters)*

                /// Sets the timeout (router-side, and the local deadline).
                pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                    self.options.timeout = ::std::option::Option::Some(timeout);
                    self
                }

                /// Sets all call options.
                pub fn options(mut self, options: ::wamp::CallOptions) -> Self {
                    self.options = options;
                    self
                }

                /// The untyped request of the `wamp` library.
                pub fn request(&self) -> ::wamp::CallRequest {
                    self.session
                        .call(&self.uri, #args)
                        .options(self.options.clone())
                        #with_kwargs
                }

                #progress_method
            }

            impl ::std::future::IntoFuture for Call {
                type Output = ::std::result::Result<Output, ::wamp::Error>;
                type IntoFuture = ::std::pin::Pin<
                    ::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + Send>,
                >;

                fn into_future(self) -> Self::IntoFuture {
                    let request = self.request();
                    ::std::boxed::Box::pin(async move { #finish })
                }
            }

            #progressive
        }
    })
}

/// The progressive results of a procedure: `Progress`, `Update`, the
/// `Progressive` stream (the runtime's, shared with the macros' stubs) and
/// how its final result is decoded.
fn progressive_items(
    entry: &Entry,
    module: &str,
    any_result: bool,
    types: &mut Types,
) -> Result<TokenStream, Error> {
    let progress = types.type_of(&entry.progress, &camel(&[module, "_progress"]))?;
    let decode = if any_result {
        quote!(::wamp::client::stub::decode_raw)
    } else {
        quote!(::wamp::client::stub::decode_value::<Output>)
    };
    Ok(quote! {
        /// Each progressive result.
        pub type Progress = #progress;

        /// A progressive result, or the final one (the last update).
        pub type Update = ::wamp::client::stub::Update<Progress, Output>;

        /// The results of a call sent with [`Call::progressive`]: a
        /// `Stream` of `Result<Update, wamp::Error>`.
        pub type Progressive = ::wamp::client::stub::ProgressiveCall<Progress, Output>;

        /// How the final result is decoded.
        const DECODE: ::wamp::client::stub::Decode<Output> = #decode;
    })
}

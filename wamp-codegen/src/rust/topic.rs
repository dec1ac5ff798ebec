//! The module of one topic: `publish(&session, &args...)` (then options such
//! as `.acknowledge()`, then `.await`, as the macros' stubs) and a typed
//! `subscribe`.

use proc_macro2::TokenStream;
use quote::quote;

use super::names::{camel, ident, param_ident};
use super::procedure::module_doc;
use super::types::Types;
use crate::{Entry, Error};

/// The module of a topic. Its event is its positional parameters (keyword-only
/// ones are not part of the typed event).
pub(super) fn module(entry: &Entry, module: &str, types: &mut Types) -> Result<TokenStream, Error> {
    let name = ident(module);
    let doc = module_doc(entry, "topic");
    let uri = &entry.uri;
    let mut idents = Vec::new();
    let mut tys = Vec::new();
    for param in entry.params().into_iter().filter(|p| p.position.is_some()) {
        tys.push(types.type_of(&param.schema, &camel(&[module, "_", &param.name]))?);
        idents.push(param_ident(&param.name));
    }
    let (topic_param, topic) = if entry.is_pattern() {
        (quote!(topic: &str,), quote!(topic))
    } else {
        (quote!(), quote!(URI))
    };
    let match_policy = match entry.match_policy() {
        "prefix" => quote!(.match_policy(::wamp::client::MatchPolicy::Prefix)),
        "wildcard" => quote!(.match_policy(::wamp::client::MatchPolicy::Wildcard)),
        _ => quote!(),
    };
    let positional = idents.len();
    let new_stub = match entry.match_policy() {
        "prefix" | "wildcard" => {
            let policy = if entry.match_policy() == "prefix" {
                quote!(::wamp::client::MatchPolicy::Prefix)
            } else {
                quote!(::wamp::client::MatchPolicy::Wildcard)
            };
            quote!(::wamp::client::stub::PublishStub::matching(session, URI, #policy, topic, #positional))
        }
        _ => quote!(::wamp::client::stub::PublishStub::new(session, #topic, #positional)),
    };
    let set_args: Vec<TokenStream> = idents
        .iter()
        .enumerate()
        .map(|(index, i)| {
            let name = i.to_string();
            quote!(stub.arg(#index, #name, #i);)
        })
        .collect();
    let to_event = if idents.len() == 1 {
        quote!(move |(wamp_value,): (#(#tys,)*), wamp_details| handler(wamp_value, wamp_details))
    } else {
        quote!(move |(#(#idents,)*): (#(#tys,)*), wamp_details| handler(Event { #(#idents),* }, wamp_details))
    };
    let event_struct = if idents.len() == 1 {
        let t = &tys[0];
        quote! {
            /// The event: its one argument.
            pub type Event = #t;
        }
    } else {
        let fields = idents.iter().zip(&tys).map(|(i, t)| {
            let d = format!("The argument `{i}`.");
            quote!(#[doc = #d] pub #i: #t,)
        });
        quote! {
            /// The arguments of an event.
            #[derive(Debug, Clone, PartialEq)]
            pub struct Event { #(#fields)* }
        }
    };
    Ok(quote! {
        #[doc = #doc]
        pub mod #name {
            #[allow(unused_imports)]
            use super::types;

            /// The topic's URI (a pattern when it matches by prefix or wildcard).
            pub const URI: &str = #uri;

            #event_struct

            /// Prepares a publication of an event: set options
            /// (`.acknowledge()`, `.exclude_me(..)`, `.options(..)`), then
            /// `.await` it (the publication ID when acknowledged), as the
            /// macros' stubs do.
            pub fn publish(session: &::wamp::Session, #topic_param #(#idents: &#tys),*) -> Publish {
                #[allow(unused_mut)]
                let mut stub = #new_stub;
                #(#set_args)*
                Publish { stub }
            }

            /// A publication being prepared by [`publish`].
            #[derive(Debug)]
            #[must_use = "a publication is sent when awaited"]
            pub struct Publish {
                stub: ::wamp::client::stub::PublishStub,
            }

            impl Publish {
                /// Asks the router to acknowledge: awaiting gives the publication ID.
                pub fn acknowledge(mut self) -> Self {
                    self.stub.acknowledge();
                    self
                }

                /// Whether the publisher is excluded from receiving the event.
                pub fn exclude_me(mut self, exclude: bool) -> Self {
                    self.stub.exclude_me(exclude);
                    self
                }

                /// Sets all publish options (replacing those set before).
                pub fn options(mut self, options: ::wamp::PublishOptions) -> Self {
                    self.stub.options(options);
                    self
                }
            }

            impl ::std::future::IntoFuture for Publish {
                type Output = ::std::result::Result<::std::option::Option<u64>, ::wamp::Error>;
                type IntoFuture = ::wamp::client::stub::PublishFuture;

                fn into_future(self) -> Self::IntoFuture {
                    self.stub.finish()
                }
            }

            /// Subscribes a handler to the events (of every topic matching the
            /// pattern, when it is one); events that do not decode are logged
            /// and dropped.
            pub async fn subscribe<F, Fut>(session: &::wamp::Session, handler: F) -> ::std::result::Result<::wamp::Subscription, ::wamp::Error>
            where
                F: Fn(Event, ::wamp::EventDetails) -> Fut + Send + Sync + 'static,
                Fut: ::std::future::Future<Output = ()> + Send + 'static,
            {
                let options = ::wamp::SubscribeOptions::default() #match_policy;
                session
                    .subscribe(URI, options, ::wamp::client::typed_event_handler(#to_event))
                    .await
            }
        }
    })
}

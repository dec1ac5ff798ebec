//! Expand phase: the function as written (parameter attributes removed), then,
//! inside one `const _: () = { ... };`, the bound checks spanned on each
//! parameter, the options, the handler, the schema and the `inventory` entry.
//! Everything is reached through `::wamp::__private`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr};

use crate::parse::{Attrs, HandlerFn, Kind, Param, ParamKind, Ret, last_segment, type_args};
use crate::type_text::type_text;

struct Generator<'a> {
    kind: Kind,
    attrs: &'a Attrs,
    f: &'a HandlerFn,
    vars: Vec<Ident>,
}

impl Generator<'_> {
    fn pr(&self) -> TokenStream {
        quote!(::wamp::__private)
    }

    /// Bound checks, each spanned on its type so rustc points at the parameter.
    fn checks(&self) -> TokenStream {
        let pr = self.pr();
        let mut out = TokenStream::new();
        for p in &self.f.params {
            let ty = &p.ty;
            let span = ty.span();
            out.extend(match &p.kind {
                ParamKind::Special { name } => {
                    let check = match self.kind {
                        Kind::Register => quote!(check_call_special),
                        Kind::Subscribe => quote!(check_event_special),
                    };
                    let mut t = quote_spanned!(span=> #pr::#check::<#ty>(););
                    if name == "Progress"
                        && let Some(inner) = type_args(ty).first()
                    {
                        let s = inner.span();
                        t.extend(quote_spanned!(s=> #pr::check_result::<#inner>();));
                    }
                    if p.is_input()
                        && let Some(inner) = type_args(ty).first()
                    {
                        let s = inner.span();
                        t.extend(quote_spanned!(s=> #pr::check_arg::<#inner>();));
                    }
                    t
                }
                _ => quote_spanned!(span=> #pr::check_arg::<#ty>();),
            });
        }
        let mut ret = |r: &Ret| match r {
            Ret::Value(ty) => {
                let span = ty.span();
                out.extend(quote_spanned!(span=> #pr::check_result::<#ty>();));
            }
            Ret::CallResult | Ret::Unit | Ret::Result(..) => {}
        };
        ret(&self.f.ret);
        if let Ret::Result(ok, err, _) = &self.f.ret {
            ret(ok);
            if let Some(err) = err {
                let span = err.span();
                out.extend(quote_spanned!(span=> #pr::check_error::<#err>();));
            }
        }
        out
    }

    fn options(&self) -> TokenStream {
        let pr = self.pr();
        let a = self.attrs;
        let mut sets = TokenStream::new();
        if let Some(m) = &a.match_ {
            let policy = match m.value().as_str() {
                "prefix" => quote!(Prefix),
                "wildcard" => quote!(Wildcard),
                _ => quote!(Exact),
            };
            sets.extend(
                quote!(__wamp_o.match_ = ::core::option::Option::Some(#pr::MatchPolicy::#policy);),
            );
        }
        match self.kind {
            Kind::Register => {
                if let Some(i) = &a.invoke {
                    let policy = match i.value().as_str() {
                        "roundrobin" => quote!(RoundRobin),
                        "random" => quote!(Random),
                        "first" => quote!(First),
                        "last" => quote!(Last),
                        _ => quote!(Single),
                    };
                    sets.extend(
                        quote!(__wamp_o.invoke = ::core::option::Option::Some(#pr::InvokePolicy::#policy);),
                    );
                }
                if let Some(n) = &a.concurrency {
                    let n = n.base10_parse::<u32>().unwrap_or(1);
                    sets.extend(quote!(__wamp_o.concurrency = ::core::option::Option::Some(#n);));
                }
                if let Some(b) = &a.disclose_caller {
                    sets.extend(quote!(__wamp_o.disclose_caller = #b;));
                }
                if let Some(b) = &a.force_reregister {
                    sets.extend(quote!(__wamp_o.force_reregister = #b;));
                }
                if self.f.takes_input() {
                    sets.extend(quote!(__wamp_o.progressive_input = true;));
                }
                quote! {
                    fn __wamp_options() -> #pr::RegisterOptions {
                        #[allow(unused_mut)]
                        let mut __wamp_o = <#pr::RegisterOptions as ::core::default::Default>::default();
                        #sets
                        __wamp_o
                    }
                }
            }
            Kind::Subscribe => {
                if let Some(b) = &a.get_retained {
                    sets.extend(quote!(__wamp_o.get_retained = #b;));
                }
                quote! {
                    fn __wamp_options() -> #pr::SubscribeOptions {
                        #[allow(unused_mut)]
                        let mut __wamp_o = <#pr::SubscribeOptions as ::core::default::Default>::default();
                        #sets
                        __wamp_o
                    }
                }
            }
        }
    }

    fn extract(&self, p: &Param, ctx: &Ident) -> TokenStream {
        let pr = self.pr();
        let ty = &p.ty;
        let span = ty.span();
        let name = &p.name;
        let text = type_text(ty);
        let optional = p.optional;
        match &p.kind {
            ParamKind::Positional { index } => {
                quote_spanned!(span=> __wamp_args.arg::<#ty>(#index, #name, #text, #optional)?)
            }
            ParamKind::Keyword => {
                quote_spanned!(span=> __wamp_args.keyword::<#ty>(#name, #text, #optional)?)
            }
            ParamKind::Kwargs => quote_spanned!(span=> __wamp_args.kwargs::<#ty>(#text)?),
            ParamKind::Special { .. } => match self.kind {
                Kind::Register => {
                    quote_spanned!(span=> <#ty as #pr::FromCall>::from_call(&#ctx)?)
                }
                Kind::Subscribe => {
                    quote_spanned!(span=> <#ty as #pr::FromEvent>::from_event(&#ctx)?)
                }
            },
        }
    }

    fn ret_ok(&self, r: &Ret, value: TokenStream) -> TokenStream {
        let pr = self.pr();
        match (self.kind, r) {
            (Kind::Subscribe, _) => quote!(#pr::event_unit(#value)),
            (_, Ret::Unit) => quote!(#pr::ret_unit(#value)),
            (_, Ret::CallResult) => quote!(#pr::ret_call_result(#value)),
            _ => quote!(#pr::ret_value(&#value, &__wamp_session)),
        }
    }

    fn handler(&self) -> TokenStream {
        let pr = self.pr();
        let ctx = format_ident!("__wamp_ctx");
        let vars = &self.vars;
        let lets: Vec<TokenStream> = self
            .f
            .params
            .iter()
            .zip(vars)
            .filter(|(p, _)| !matches!(p.kind, ParamKind::Special { .. }))
            .map(|(p, v)| {
                let e = self.extract(p, &ctx);
                quote!(let #v = #e;)
            })
            .collect();
        let specials: Vec<TokenStream> = self
            .f
            .params
            .iter()
            .zip(vars)
            .filter(|(p, _)| matches!(p.kind, ParamKind::Special { .. }))
            .map(|(p, v)| {
                let e = self.extract(p, &ctx);
                quote!(let #v = #e;)
            })
            .collect();
        let positional = self
            .f
            .params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Positional { .. }))
            .count();
        // The parameters taken by name, for `finish`'s message.
        let names: Vec<&String> = self
            .f
            .params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Positional { .. } | ParamKind::Keyword))
            .map(|p| &p.name)
            .collect();
        let ident = &self.f.item.sig.ident;
        let call = if self.f.item.sig.asyncness.is_some() {
            quote!(#ident(#(#vars),*).await)
        } else {
            quote!(#ident(#(#vars),*))
        };
        let out = format_ident!("__wamp_out");
        let finish = match &self.f.ret {
            Ret::Result(ok, _, span) => {
                let ok = self.ret_ok(ok, quote!(__wamp_value));
                let err = match self.kind {
                    Kind::Register => quote!(#pr::ret_error(__wamp_error)),
                    Kind::Subscribe => quote!(#pr::ret_error(__wamp_error)),
                };
                quote_spanned! {*span=>
                    match #out {
                        ::core::result::Result::Ok(__wamp_value) => #ok,
                        ::core::result::Result::Err(__wamp_error) => ::core::result::Result::Err(#err),
                    }
                }
            }
            r => self.ret_ok(r, quote!(#out)),
        };
        // The session outlives the context only to encode a returned value.
        let value_ret = match &self.f.ret {
            Ret::Value(_) => true,
            Ret::Result(ok, _, _) => matches!(**ok, Ret::Value(_)),
            Ret::Unit | Ret::CallResult => false,
        };
        let session = if self.kind == Kind::Register && value_ret {
            quote!(let __wamp_session = ::core::clone::Clone::clone(&#ctx.session);)
        } else {
            TokenStream::new()
        };
        let (ty, ctor, args_ctor, handler_ty) = match self.kind {
            Kind::Register => (
                quote!(#pr::InvocationContext),
                quote!(#pr::procedure),
                quote!(#pr::Args::call(&#ctx, &[#(#names),*])?),
                quote!(#pr::ProcedureHandler),
            ),
            Kind::Subscribe => (
                quote!(#pr::EventContext),
                quote!(#pr::event_handler),
                quote!(#pr::Args::event(&#ctx, &[#(#names),*])?),
                quote!(#pr::EventHandler),
            ),
        };
        // A procedure taking its input in chunks has no other arguments: its
        // payloads are the chunks, read from its `ProgressiveInput`.
        let bind_args = if self.f.takes_input() {
            TokenStream::new()
        } else {
            quote! {
                #[allow(unused_mut)]
                let mut __wamp_args = #args_ctor;
                #(#lets)*
                __wamp_args.finish(#positional)?;
            }
        };
        quote! {
            fn __wamp_handler() -> #handler_ty {
                #ctor(|#ctx: #ty| async move {
                    #session
                    let (#(#vars,)*) = {
                        #bind_args
                        #(#specials)*
                        (#(#vars,)*)
                    };
                    ::core::mem::drop(#ctx);
                    let #out = #call;
                    #finish
                })
            }
        }
    }

    fn schema(&self) -> TokenStream {
        let pr = self.pr();
        let mut body = TokenStream::new();
        for p in &self.f.params {
            let ty = &p.ty;
            let name = &p.name;
            let optional = p.optional;
            body.extend(match &p.kind {
                ParamKind::Positional { .. } => quote!(__wamp_s.arg::<#ty>(#name, #optional);),
                ParamKind::Keyword => quote!(__wamp_s.keyword::<#ty>(#name, #optional);),
                ParamKind::Kwargs => quote!(__wamp_s.kwargs::<#ty>();),
                ParamKind::Special { name } if name == "Progress" => match type_args(ty).first() {
                    Some(inner) => quote!(__wamp_s.progress::<#inner>();),
                    None => TokenStream::new(),
                },
                ParamKind::Special { .. } if p.is_input() => match type_args(ty).first() {
                    Some(inner) => quote!(__wamp_s.input::<#inner>(#name);),
                    None => TokenStream::new(),
                },
                ParamKind::Special { .. } => TokenStream::new(),
            });
        }
        let result = |r: &Ret| match r {
            Ret::Value(ty) => quote!(__wamp_s.result::<#ty>();),
            Ret::CallResult => quote!(__wamp_s.result_any();),
            _ => TokenStream::new(),
        };
        body.extend(match &self.f.ret {
            Ret::Result(ok, _, _) => result(ok),
            other => result(other),
        });
        quote! {
            fn __wamp_schema(
                __wamp_g: &mut #pr::schemars::SchemaGenerator,
            ) -> #pr::serde_json::Value {
                #[allow(unused_mut)]
                let mut __wamp_s = #pr::SchemaBuilder::new(__wamp_g);
                #body
                __wamp_s.finish()
            }
        }
    }

    fn submit(&self) -> TokenStream {
        let pr = self.pr();
        let uri = self
            .attrs
            .uri
            .clone()
            .unwrap_or_else(|| LitStr::new("", Span::call_site()));
        let variant = match self.kind {
            Kind::Register => quote!(Procedure),
            Kind::Subscribe => quote!(Topic),
        };
        let component = match &self.attrs.component {
            Some(c) => quote!(::core::option::Option::Some(#c)),
            None => quote!(::core::option::Option::None),
        };
        let errors = &self.attrs.errors;
        let doc = &self.f.doc;
        let ident = &self.f.item.sig.ident;
        let function = ident.to_string();
        let line = quote_spanned!(ident.span()=> ::core::line!());
        quote! {
            #pr::inventory::submit! {
                #pr::Collected {
                    uri: #uri,
                    handler: #pr::Handler::#variant {
                        options: __wamp_options,
                        handler: __wamp_handler,
                    },
                    component: #component,
                    errors: &[#(#errors),*],
                    doc: #doc,
                    function: #function,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: #line,
                    schema: __wamp_schema,
                }
            }
        }
    }
}

/// The whole expansion.
pub(crate) fn expand(kind: Kind, attrs: &Attrs, f: &HandlerFn) -> TokenStream {
    let vars = (0..f.params.len())
        .map(|i| format_ident!("__wamp_p{}", i))
        .collect();
    let g = Generator {
        kind,
        attrs,
        f,
        vars,
    };
    let item = &f.item;
    let checks = g.checks();
    let options = g.options();
    let handler = g.handler();
    let schema = g.schema();
    let submit = g.submit();
    let stub = crate::stub::stub(kind, attrs, f);
    let _ = last_segment;
    quote! {
        #item

        #stub

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::all)]
        const _: () = {
            #[allow(dead_code)]
            fn __wamp_checks() {
                #checks
            }
            #options
            #handler
            #schema
            #submit
        };
    }
}

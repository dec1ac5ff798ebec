//! Expand phase, second part: the typed stub beside the function. For
//! `fn add(a: i64, b: i64) -> i64` under `#[wamp::register("com.math.add")]`
//! it is a struct `add` with private fields (the type namespace, so it
//! coexists with the function), built by `add::call(&session, a, b)`, with a
//! setter per optional parameter, the call options, and `IntoFuture` giving
//! the decoded result; under `#[wamp::subscribe]`, `on_x::publish(&session,
//! &value)` with the publish options. The argument types are required to
//! implement `Serialize` (the result `DeserializeOwned`) only where the stub
//! is used: the bounds are `for<'__wamp>` bounds, which rustc checks at the
//! use site instead of refusing the definition, so a handler whose types
//! only implement `Deserialize` still compiles.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, LitStr, Type};

use crate::parse::{Attrs, HandlerFn, Kind, Param, ParamKind, Ret, type_args};
use crate::type_text::type_text;

/// The result type of a procedure as the caller decodes it, and its decoder.
fn result(ret: &Ret) -> (TokenStream, TokenStream, Option<&Type>, String) {
    let pr = quote!(::wamp::__private);
    match ret {
        Ret::Result(ok, _, _) => result(ok),
        Ret::Unit => (quote!(()), quote!(#pr::decode_unit), None, "()".into()),
        Ret::CallResult => (
            quote!(::wamp::CallResult),
            quote!(#pr::decode_raw),
            None,
            "wamp::CallResult".into(),
        ),
        // A borrowed string (`&'static str`) is received as a `String`.
        Ret::Value(Type::Reference(r)) if matches!(&*r.elem, Type::Path(p) if p.qself.is_none() && p.path.is_ident("str")) => {
            (
                quote!(#pr::std::string::String),
                quote!(#pr::decode_value::<#pr::std::string::String>),
                None,
                "String".into(),
            )
        }
        Ret::Value(ty) => (
            quote!(#ty),
            quote!(#pr::decode_value::<#ty>),
            Some(ty),
            type_text(ty),
        ),
    }
}

/// Whether the parameter is one the caller gives (not special).
fn given(p: &Param) -> bool {
    !matches!(p.kind, ParamKind::Special { .. })
}

/// Whether the parameter may be left out (set by a method instead).
fn optional(p: &Param) -> bool {
    p.optional && matches!(p.kind, ParamKind::Positional { .. } | ParamKind::Keyword)
}

/// The statement recording a parameter's value (`value` a reference).
fn set(p: &Param, value: &TokenStream) -> TokenStream {
    let name = &p.name;
    match p.kind {
        ParamKind::Positional { index } => quote!(__wamp_stub.arg(#index, #name, #value);),
        ParamKind::Keyword => quote!(__wamp_stub.kwarg(#name, #value);),
        ParamKind::Kwargs => quote!(__wamp_stub.kwargs(#name, #value);),
        ParamKind::Special { .. } => TokenStream::new(),
    }
}

/// The whole stub.
pub(crate) fn stub(kind: Kind, attrs: &Attrs, f: &HandlerFn) -> TokenStream {
    // A procedure taking its input in chunks: the caller gives the first
    // chunk (positional argument 0), more on `.start_input()`.
    let input = f
        .params
        .iter()
        .find(|p| p.is_input())
        .and_then(|p| type_args(&p.ty).first().map(|t| (p, *t)));
    let pr = quote!(::wamp::__private);
    let name = &f.item.sig.ident;
    let vis = &f.item.vis;
    let uri = match &attrs.uri {
        Some(u) => u.clone(),
        None => return TokenStream::new(),
    };
    let uri_text = uri.value();
    let policy = attrs.match_.as_ref().map(LitStr::value);
    let policy = policy.as_deref().unwrap_or("exact");
    let register = kind == Kind::Register;
    let positional = f
        .params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Positional { .. }))
        .count()
        + usize::from(input.is_some());
    // The argument naming the concrete URI of a pattern.
    let uri_arg = {
        let wanted = if register { "procedure" } else { "topic" };
        if f.params.iter().any(|p| p.name == wanted) {
            format_ident!("__wamp_uri")
        } else {
            format_ident!("{}", wanted)
        }
    };
    // The value as the constructor/setter takes it: owned for calls,
    // borrowed for publications.
    let arg_ty = |ty: &Type| if register { quote!(#ty) } else { quote!(&#ty) };
    let as_ref = |ident: &Ident| {
        if register {
            quote!(&#ident)
        } else {
            quote!(#ident)
        }
    };

    let mut bounds: Vec<TokenStream> = f
        .params
        .iter()
        .filter(|p| given(p))
        .map(|p| {
            let ty = &p.ty;
            quote!(for<'__wamp> #ty: #pr::serde::Serialize)
        })
        .collect();
    if let Some((_, chunk)) = input {
        bounds.push(quote!(for<'__wamp> #chunk: #pr::serde::Serialize));
    }
    let (ret_ty, decode, ret_bound, ret_text) = result(&f.ret);
    if let Some(ty) = ret_bound {
        bounds.push(quote!(for<'__wamp> #ty: #pr::serde::de::DeserializeOwned));
    }

    // The constructor's parameters and statements.
    let required: Vec<&Param> = f
        .params
        .iter()
        .filter(|p| given(p) && !optional(p))
        .collect();
    let mut params: Vec<TokenStream> = required
        .iter()
        .map(|p| {
            let ident = &p.ident;
            let ty = arg_ty(&p.ty);
            quote!(#ident: #ty)
        })
        .collect();
    let mut sets: Vec<TokenStream> = required.iter().map(|p| set(p, &as_ref(&p.ident))).collect();
    if let Some((p, chunk)) = input {
        let ident = &p.ident;
        let name = &p.name;
        params.push(quote!(#ident: #chunk));
        sets.push(quote!(__wamp_stub.arg(0, #name, &#ident);));
    }
    let (stub_ty, ctor_name) = if register {
        (quote!(#pr::CallStub), format_ident!("call"))
    } else {
        (quote!(#pr::PublishStub), format_ident!("publish"))
    };
    let (uri_param, new) = if policy == "exact" {
        (
            TokenStream::new(),
            quote!(#stub_ty::new(__wamp_session, #uri, #positional)),
        )
    } else {
        let variant = if policy == "prefix" {
            quote!(Prefix)
        } else {
            quote!(Wildcard)
        };
        (
            quote!(#uri_arg: &str,),
            quote!(#stub_ty::matching(__wamp_session, #uri, #pr::MatchPolicy::#variant, #uri_arg, #positional)),
        )
    };

    // Setters of the optional parameters.
    let mut taken: Vec<String> = Vec::new();
    let mut setters = TokenStream::new();
    for p in f.params.iter().filter(|p| given(p) && optional(p)) {
        let Some(inner) = type_args(&p.ty).first().copied() else {
            continue;
        };
        let ident = &p.ident;
        let setter = if p.name == "call" || p.name == "publish" {
            format_ident!("with_{}", p.name)
        } else {
            ident.clone()
        };
        taken.push(setter.to_string());
        let ty = arg_ty(inner);
        let how = match p.kind {
            ParamKind::Keyword => "as a keyword argument".to_owned(),
            _ => "positionally, or `null` when left out before a later one".to_owned(),
        };
        let doc = format!("Sets the optional argument `{}` (sent {how}).", p.name);
        let st = set(p, &as_ref(ident));
        setters.extend(quote! {
            #[doc = #doc]
            #vis fn #setter(mut self, #ident: #ty) -> Self {
                let __wamp_stub = &mut self.__wamp_stub;
                #st
                self
            }
        });
    }
    let free = |m: &str| !taken.iter().any(|t| t == m);

    let mut methods = TokenStream::new();
    let progress = f.params.iter().find_map(|p| match &p.kind {
        ParamKind::Special { name } if name == "Progress" => type_args(&p.ty).first().copied(),
        _ => None,
    });
    let (out_ty, future_ty, finish) = if register {
        if free("timeout") {
            methods.extend(quote! {
                /// Sets the timeout (sent to the router in milliseconds, and the local deadline).
                #vis fn timeout(mut self, timeout: #pr::core::time::Duration) -> Self {
                    self.__wamp_stub.timeout(timeout);
                    self
                }
            });
        }
        if free("disclose_me") {
            methods.extend(quote! {
                /// Asks the router to disclose this caller to the callee.
                #vis fn disclose_me(mut self) -> Self {
                    self.__wamp_stub.disclose_me();
                    self
                }
            });
        }
        if free("options") {
            methods.extend(quote! {
                /// Sets all call options (replacing the timeout and disclosure set before).
                #vis fn options(mut self, options: #pr::CallOptions) -> Self {
                    self.__wamp_stub.options(options);
                    self
                }
            });
        }
        if let Some((_, chunk)) = input {
            methods.extend(quote! {
                /// Sends the call as the first chunk of its input (progressive
                /// call invocation); send more chunks on the returned
                /// `TypedInputCall`, then `finish` it with the last one for the
                /// result. Awaiting the call instead sends one chunk only.
                #vis fn start_input(self) -> #pr::StubFuture<#pr::TypedInputCall<#chunk, #ret_ty>>
                where
                    #(#bounds,)*
                {
                    self.__wamp_stub.start_input(#decode)
                }
            });
        }
        if let Some(p) = progress
            && free("progressive")
        {
            methods.extend(quote! {
                /// Sends the call asking for progressive results: a stream of
                /// `Update::Progress` items, then `Update::Final` with the result.
                #vis fn progressive(self) -> #pr::ProgressiveCall<#p, #ret_ty>
                where
                    #(#bounds,)*
                    for<'__wamp> #p: #pr::serde::de::DeserializeOwned,
                {
                    self.__wamp_stub.progressive_results(#decode)
                }
            });
        }
        (
            quote!(::core::result::Result<#ret_ty, ::wamp::Error>),
            quote!(#pr::StubFuture<#ret_ty>),
            quote!(self.__wamp_stub.finish(#decode)),
        )
    } else {
        if free("acknowledge") {
            methods.extend(quote! {
                /// Asks the router to acknowledge: awaiting gives the publication ID.
                #vis fn acknowledge(mut self) -> Self {
                    self.__wamp_stub.acknowledge();
                    self
                }
            });
        }
        if free("exclude_me") {
            methods.extend(quote! {
                /// Sets whether this session is left out of the receivers (the router's default).
                #vis fn exclude_me(mut self, exclude: bool) -> Self {
                    self.__wamp_stub.exclude_me(exclude);
                    self
                }
            });
        }
        if free("options") {
            methods.extend(quote! {
                /// Sets all publish options (replacing those set before).
                #vis fn options(mut self, options: #pr::PublishOptions) -> Self {
                    self.__wamp_stub.options(options);
                    self
                }
            });
        }
        (
            quote!(::core::result::Result<::core::option::Option<u64>, ::wamp::Error>),
            quote!(#pr::PublishFuture),
            quote!(self.__wamp_stub.finish()),
        )
    };

    let shown: Vec<String> = required.iter().map(|p| p.name.clone()).collect();
    let mut shown_args = String::from("&session");
    if policy != "exact" {
        shown_args.push_str(&format!(", {uri_arg}"));
    }
    for a in &shown {
        shown_args.push_str(&format!(", {}{a}", if register { "" } else { "&" }));
    }
    let (struct_doc, ctor_doc) = if register {
        (
            format!(
                "Typed caller of the WAMP procedure `{uri_text}`, generated by `#[wamp::register]` \
                 beside the function `{name}`: `{name}::call({shown_args})`, then the optional \
                 arguments and call options, then `.await` for `Result<{ret_text}, wamp::Error>`."
            ),
            if policy == "exact" {
                format!("Starts a call of `{uri_text}` with the required arguments; `.await` it.")
            } else {
                format!(
                    "Starts a call of `{uri_arg}`, a concrete URI that must match the {policy} \
                     pattern `{uri_text}` (else the call fails with `wamp.error.invalid_uri`); \
                     `.await` it."
                )
            },
        )
    } else {
        (
            format!(
                "Typed publisher to the WAMP topic `{uri_text}`, generated by `#[wamp::subscribe]` \
                 beside the function `{name}`: `{name}::publish({shown_args})`, then the publish \
                 options, then `.await` (the publication ID when acknowledged)."
            ),
            if policy == "exact" {
                format!(
                    "Starts a publication to `{uri_text}` with the required arguments; `.await` it."
                )
            } else {
                format!(
                    "Starts a publication to `{uri_arg}`, a concrete URI that must match the \
                     {policy} pattern `{uri_text}` (else it fails with `wamp.error.invalid_uri`); \
                     `.await` it."
                )
            },
        )
    };
    let must_use = if register {
        "a typed call does nothing until awaited"
    } else {
        "a typed publication does nothing until awaited"
    };

    quote! {
        #[doc = #struct_doc]
        #[must_use = #must_use]
        #[allow(non_camel_case_types, dead_code, unreachable_pub, clippy::all)]
        #vis struct #name {
            __wamp_stub: #stub_ty,
        }

        #[allow(dead_code, unreachable_pub, clippy::all)]
        impl #name {
            #[doc = #ctor_doc]
            #vis fn #ctor_name(__wamp_session: &::wamp::Session, #uri_param #(#params),*) -> Self
            where
                #(#bounds,)*
            {
                #[allow(unused_mut)]
                let mut __wamp_stub = #new;
                {
                    let __wamp_stub = &mut __wamp_stub;
                    #(#sets)*
                }
                #name { __wamp_stub }
            }
            #setters
            #methods
        }

        #[allow(clippy::all)]
        impl ::core::future::IntoFuture for #name
        where
            #(#bounds,)*
        {
            type Output = #out_ty;
            type IntoFuture = #future_ty;
            fn into_future(self) -> Self::IntoFuture {
                #finish
            }
        }

        impl ::core::fmt::Debug for #name {
            fn fmt(&self, __wamp_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.__wamp_stub, __wamp_f)
            }
        }
    }
}

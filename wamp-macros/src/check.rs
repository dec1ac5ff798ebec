//! Validation phase: what can be known at compile time (URIs against the WAMP
//! rules and the match policy, option values, parameter kinds, subscriber
//! results). Every problem is recorded, spanned on the offending token.

use syn::LitStr;
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::parse::{Attrs, HandlerFn, Kind, ParamKind, Ret};
use crate::symbol;

/// Why a URI breaks the WAMP rules under a match policy, if it does.
pub(crate) fn uri_problem(uri: &str, policy: &str) -> Option<String> {
    if uri.is_empty() {
        return Some("the URI is empty".into());
    }
    if let Some(c) = uri.chars().find(|c| c.is_whitespace() || *c == '#') {
        return Some(format!(
            "invalid URI `{uri}`: {c:?} is not allowed in a WAMP URI (no whitespace or `#`)"
        ));
    }
    if uri == "wamp" || uri.starts_with("wamp.") {
        return Some(format!(
            "invalid URI `{uri}`: URIs under `wamp.` are reserved for the router"
        ));
    }
    let components: Vec<&str> = uri.split('.').collect();
    let empty = components.iter().filter(|c| c.is_empty()).count();
    match policy {
        "prefix" => {
            let inner_empty = components[..components.len() - 1]
                .iter()
                .any(|c| c.is_empty());
            if inner_empty {
                return Some(format!(
                    "invalid prefix `{uri}`: only the last URI component may be empty (e.g. `com.example.`)"
                ));
            }
        }
        "wildcard" => {
            if empty == 0 {
                return Some(format!(
                    "invalid wildcard pattern `{uri}`: it has no empty component to match (e.g. `com.example..update`); use an exact URI instead"
                ));
            }
        }
        _ => {
            if empty > 0 {
                let hint = if components.last().is_some_and(|c| c.is_empty())
                    && components.iter().filter(|c| c.is_empty()).count() == 1
                {
                    "; for a prefix registration add `match = \"prefix\"`"
                } else {
                    "; for a pattern add `match = \"wildcard\"`"
                };
                return Some(format!(
                    "invalid URI `{uri}`: URI components must not be empty{hint}"
                ));
            }
        }
    }
    None
}

fn check_uri(cx: &Ctxt, lit: &LitStr, policy: &str) {
    if let Some(problem) = uri_problem(&lit.value(), policy) {
        cx.error_spanned_by(lit, problem);
    }
}

fn check_choice(cx: &Ctxt, lit: &Option<LitStr>, key: &str, allowed: &[&str]) {
    if let Some(lit) = lit
        && !allowed.contains(&lit.value().as_str())
    {
        let allowed: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
        cx.error_spanned_by(
            lit,
            format!(
                "invalid `{key}` value \"{}\"; expected one of: {}",
                lit.value(),
                allowed.join(", ")
            ),
        );
    }
}

/// Checks the attribute options.
pub(crate) fn attrs(cx: &Ctxt, attrs: &Attrs) {
    check_choice(cx, &attrs.match_, "match", symbol::MATCH_POLICIES);
    check_choice(cx, &attrs.invoke, "invoke", symbol::INVOKE_POLICIES);
    let policy = attrs
        .match_
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| "exact".into());
    if let Some(uri) = &attrs.uri {
        check_uri(cx, uri, &policy);
    }
    if let Some(n) = &attrs.concurrency {
        match n.base10_parse::<u32>() {
            Ok(0) | Err(_) => cx.error_spanned_by(
                n,
                "`concurrency` must be a positive integer that fits in u32",
            ),
            Ok(_) => {}
        }
    }
    if let (Some(force), Some(invoke)) = (&attrs.force_reregister, &attrs.invoke)
        && force.value
        && invoke.value() != "single"
    {
        cx.error_spanned_by(
            force,
            format!(
                "`force_reregister = true` takes the procedure away from every other callee, \
                 which defeats `invoke = \"{}\"` (instances sharing it would keep kicking each \
                 other out): keep one of the two",
                invoke.value()
            ),
        );
    }
    if let Some(c) = &attrs.component
        && c.value().trim().is_empty()
    {
        cx.error_spanned_by(c, "the component name must not be empty");
    }
    for e in &attrs.errors {
        if let Some(problem) = uri_problem(&e.value(), "exact") {
            cx.error_spanned_by(e, format!("invalid error URI: {problem}"));
        }
    }
}

/// Checks the function against what the macro supports.
pub(crate) fn handler(cx: &Ctxt, kind: Kind, f: &HandlerFn) {
    let sig = &f.item.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!(
                "{} cannot be used on generic functions: the argument types must be known",
                kind.attr()
            ),
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "variadic functions cannot be WAMP handlers");
    }
    let kwargs: Vec<_> = f
        .params
        .iter()
        .filter(|p| p.kind == ParamKind::Kwargs)
        .collect();
    for extra in kwargs.iter().skip(1) {
        cx.error_spanned_by(
            &extra.ty,
            "only one parameter can take the whole keyword arguments (`#[kwargs]`)",
        );
    }
    if !kwargs.is_empty() {
        for p in f.params.iter().filter(|p| p.kind == ParamKind::Keyword) {
            cx.error_spanned_by(
                &p.ty,
                "`#[kwargs]` takes all keyword arguments: it cannot be combined with `#[kwarg]` parameters",
            );
        }
    }
    input(cx, kind, f);
    if kind == Kind::Subscribe {
        let ok = match &f.ret {
            Ret::Unit => true,
            Ret::Result(ok, _, _) => matches!(**ok, Ret::Unit),
            _ => false,
        };
        if !ok && let syn::ReturnType::Type(_, ty) = &sig.output {
            cx.error_at(
                ty.span(),
                "a subscriber cannot return a value: events have no caller to answer; return `()` or `Result<(), E>`",
            );
        }
    }
}

/// Checks a `ProgressiveInput<T>` parameter: only in procedures, at most one,
/// with an item type, and alone (every argument arrives as a chunk).
fn input(cx: &Ctxt, kind: Kind, f: &HandlerFn) {
    let inputs: Vec<_> = f.params.iter().filter(|p| p.is_input()).collect();
    let Some(first) = inputs.first() else {
        return;
    };
    if kind == Kind::Subscribe {
        cx.error_spanned_by(
            &first.ty,
            "`ProgressiveInput` is the input of a progressive call: subscribers cannot take it",
        );
        return;
    }
    for extra in inputs.iter().skip(1) {
        cx.error_spanned_by(
            &extra.ty,
            "a procedure takes at most one `ProgressiveInput` parameter",
        );
    }
    if crate::parse::type_args(&first.ty).len() != 1 {
        cx.error_spanned_by(
            &first.ty,
            "`ProgressiveInput` needs the type of its chunks, e.g. `ProgressiveInput<String>`",
        );
    }
    for p in f
        .params
        .iter()
        .filter(|p| !matches!(p.kind, ParamKind::Special { .. }))
    {
        cx.error_spanned_by(
            &p.ty,
            "a procedure taking its input in chunks (`ProgressiveInput`) receives every argument as a chunk: it cannot take other arguments; put them in the chunk type",
        );
    }
}

//! Parse phase: the attribute arguments (`"uri", key = value, ...`) and the
//! annotated function, into the macro's own AST. Problems are recorded in the
//! [`Ctxt`]; parsing goes on so that all of them are reported at once.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, LitBool, LitInt, LitStr, Pat, ReturnType, Token, Type};

use crate::ctxt::Ctxt;
use crate::symbol::{self, Symbol};

/// Which macro is expanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[wamp::register]`.
    Register,
    /// `#[wamp::subscribe]`.
    Subscribe,
}

impl Kind {
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Kind::Register => "#[wamp::register]",
            Kind::Subscribe => "#[wamp::subscribe]",
        }
    }

    pub(crate) fn keys(self) -> &'static [Symbol] {
        match self {
            Kind::Register => symbol::REGISTER_KEYS,
            Kind::Subscribe => symbol::SUBSCRIBE_KEYS,
        }
    }
}

/// The value of one `key = value`.
pub(crate) enum MetaValue {
    Str(LitStr),
    Int(LitInt),
    Bool(LitBool),
    List(Vec<LitStr>, Span),
}

impl MetaValue {
    fn span(&self) -> Span {
        match self {
            MetaValue::Str(s) => s.span(),
            MetaValue::Int(i) => i.span(),
            MetaValue::Bool(b) => b.span(),
            MetaValue::List(_, span) => *span,
        }
    }
}

/// One `key = value`.
pub(crate) struct MetaItem {
    pub(crate) key: Ident,
    pub(crate) value: MetaValue,
}

impl Parse for MetaItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `match` is a keyword: accept any identifier as a key.
        let key = Ident::parse_any(input)?;
        input.parse::<Token![=]>()?;
        let value = if input.peek(syn::token::Bracket) {
            let content;
            let bracket = syn::bracketed!(content in input);
            let items: Punctuated<LitStr, Token![,]> =
                content.parse_terminated(|p| p.parse::<LitStr>(), Token![,])?;
            MetaValue::List(items.into_iter().collect(), bracket.span.join())
        } else if input.peek(LitStr) {
            MetaValue::Str(input.parse()?)
        } else if input.peek(LitInt) {
            MetaValue::Int(input.parse()?)
        } else if input.peek(LitBool) {
            MetaValue::Bool(input.parse()?)
        } else {
            return Err(
                input.error("expected a string, an integer, `true`/`false` or a list of strings")
            );
        };
        Ok(MetaItem { key, value })
    }
}

/// The raw attribute arguments: the URI, then `key = value` items.
pub(crate) struct RawArgs {
    pub(crate) uri: Option<LitStr>,
    pub(crate) items: Vec<MetaItem>,
}

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(RawArgs {
                uri: None,
                items: Vec::new(),
            });
        }
        let uri = if input.peek(LitStr) {
            Some(input.parse::<LitStr>()?)
        } else {
            return Err(input.error(
                "expected the URI as a string literal first, e.g. `#[wamp::register(\"com.example.add\")]`",
            ));
        };
        let mut items = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            items.push(input.parse()?);
        }
        Ok(RawArgs { uri, items })
    }
}

/// The validated attribute options.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) uri: Option<LitStr>,
    pub(crate) match_: Option<LitStr>,
    pub(crate) invoke: Option<LitStr>,
    pub(crate) concurrency: Option<LitInt>,
    pub(crate) disclose_caller: Option<LitBool>,
    pub(crate) force_reregister: Option<LitBool>,
    pub(crate) get_retained: Option<LitBool>,
    pub(crate) component: Option<LitStr>,
    pub(crate) errors: Vec<LitStr>,
}

fn set<T>(cx: &Ctxt, slot: &mut Option<T>, key: &Ident, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate attribute key `{key}`"));
    } else {
        *slot = Some(value);
    }
}

fn expect_str(cx: &Ctxt, key: &Ident, value: MetaValue) -> Option<LitStr> {
    match value {
        MetaValue::Str(s) => Some(s),
        other => {
            cx.error_at(other.span(), format!("`{key}` takes a string"));
            None
        }
    }
}

fn expect_bool(cx: &Ctxt, key: &Ident, value: MetaValue) -> Option<LitBool> {
    match value {
        MetaValue::Bool(b) => Some(b),
        other => {
            cx.error_at(other.span(), format!("`{key}` takes `true` or `false`"));
            None
        }
    }
}

/// Sorts the raw items into [`Attrs`], reporting unknown and duplicate keys
/// (listing the allowed ones) and values of the wrong kind.
pub(crate) fn attrs(cx: &Ctxt, kind: Kind, raw: RawArgs) -> Attrs {
    let mut attrs = Attrs {
        uri: raw.uri,
        ..Attrs::default()
    };
    if attrs.uri.is_none() {
        cx.error_at(
            Span::call_site(),
            format!(
                "{} needs a URI, e.g. `{}(\"com.example.name\")`",
                kind.attr(),
                kind.attr().trim_end_matches(']')
            ),
        );
    }
    let mut errors_seen = false;
    for MetaItem { key, value } in raw.items {
        if !kind.keys().iter().any(|k| key == *k) {
            let allowed: Vec<String> = kind.keys().iter().map(|k| format!("`{k}`")).collect();
            cx.error_spanned_by(
                &key,
                format!(
                    "unknown attribute key `{key}` for {}; expected one of: {}",
                    kind.attr(),
                    allowed.join(", ")
                ),
            );
            continue;
        }
        if key == symbol::MATCH {
            if let Some(v) = expect_str(cx, &key, value) {
                set(cx, &mut attrs.match_, &key, v);
            }
        } else if key == symbol::INVOKE {
            if let Some(v) = expect_str(cx, &key, value) {
                set(cx, &mut attrs.invoke, &key, v);
            }
        } else if key == symbol::COMPONENT {
            if let Some(v) = expect_str(cx, &key, value) {
                set(cx, &mut attrs.component, &key, v);
            }
        } else if key == symbol::CONCURRENCY {
            match value {
                MetaValue::Int(i) => set(cx, &mut attrs.concurrency, &key, i),
                other => cx.error_at(other.span(), "`concurrency` takes a positive integer"),
            }
        } else if key == symbol::DISCLOSE_CALLER {
            if let Some(v) = expect_bool(cx, &key, value) {
                set(cx, &mut attrs.disclose_caller, &key, v);
            }
        } else if key == symbol::FORCE_REREGISTER {
            if let Some(v) = expect_bool(cx, &key, value) {
                set(cx, &mut attrs.force_reregister, &key, v);
            }
        } else if key == symbol::GET_RETAINED {
            if let Some(v) = expect_bool(cx, &key, value) {
                set(cx, &mut attrs.get_retained, &key, v);
            }
        } else if key == symbol::ERRORS {
            match value {
                MetaValue::List(list, _) => {
                    if errors_seen {
                        cx.error_spanned_by(&key, "duplicate attribute key `errors`");
                    }
                    errors_seen = true;
                    attrs.errors.extend(list);
                }
                other => cx.error_at(
                    other.span(),
                    "`errors` takes a list of error URIs, e.g. `errors = [\"com.example.error.not_found\"]`",
                ),
            }
        }
    }
    attrs
}

/// How a parameter is filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// From `args[index]`, or by name from `kwargs`.
    Positional { index: usize },
    /// `#[kwarg]`: by name from `kwargs` only.
    Keyword,
    /// `#[kwargs]`: the whole `kwargs` dict.
    Kwargs,
    /// Recognised by type (details, state, session, progress, progressive
    /// input, cancellation).
    Special { name: String },
}

/// One parameter.
pub(crate) struct Param {
    /// The binding name (`_`-prefixed names are kept as written).
    pub(crate) name: String,
    /// The identifier as written (`r#type` stays raw), for the typed stub.
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) kind: ParamKind,
    /// Whether the type is `Option<..>` (may be missing).
    pub(crate) optional: bool,
}

impl Param {
    /// Whether this is the `ProgressiveInput<T>` special parameter.
    pub(crate) fn is_input(&self) -> bool {
        matches!(&self.kind, ParamKind::Special { name } if name == crate::symbol::PROGRESSIVE_INPUT)
    }
}

impl HandlerFn {
    /// Whether the handler takes its input in chunks (`ProgressiveInput<T>`).
    pub(crate) fn takes_input(&self) -> bool {
        self.params.iter().any(Param::is_input)
    }
}

/// What the function returns.
pub(crate) enum Ret {
    /// `()` or nothing.
    Unit,
    /// `CallResult`.
    CallResult,
    /// A value sent as `[value]`.
    Value(Type),
    /// `Result<T, E>`.
    Result(Box<Ret>, Option<Type>, Span),
}

/// The annotated function.
pub(crate) struct HandlerFn {
    pub(crate) item: ItemFn,
    pub(crate) params: Vec<Param>,
    pub(crate) ret: Ret,
    pub(crate) doc: String,
}

/// The last path segment of a type, if it is a path.
pub(crate) fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// The generic type arguments of the last segment.
pub(crate) fn type_args(ty: &Type) -> Vec<&Type> {
    match last_segment(ty).map(|s| &s.arguments) {
        Some(syn::PathArguments::AngleBracketed(a)) => a
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn classify_ret(ty: &Type) -> Ret {
    if is_unit(ty) {
        return Ret::Unit;
    }
    match last_segment(ty) {
        Some(seg) if seg.ident == "CallResult" => Ret::CallResult,
        Some(seg) if seg.ident == "Result" => {
            let args = type_args(ty);
            match args.first() {
                Some(ok) => Ret::Result(
                    Box::new(match classify_ret(ok) {
                        Ret::Result(..) => Ret::Value((*ok).clone()),
                        other => other,
                    }),
                    args.get(1).map(|e| (*e).clone()),
                    ty.span(),
                ),
                None => Ret::Value(ty.clone()),
            }
        }
        _ => Ret::Value(ty.clone()),
    }
}

/// The doc comment of the function, as written (one leading space per line removed).
fn doc_of(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("doc")
            && let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            let text = s.value();
            lines.push(text.strip_prefix(' ').unwrap_or(&text).to_owned());
        }
    }
    lines.join("\n").trim().to_owned()
}

/// Reads the function: its parameters (with `#[kwarg]`/`#[kwargs]` taken off),
/// its return type and doc comment. `self` parameters and patterns are
/// recorded as errors.
pub(crate) fn handler_fn(cx: &Ctxt, kind: Kind, mut item: ItemFn) -> HandlerFn {
    let mut params = Vec::new();
    let mut positional = 0usize;
    for input in item.sig.inputs.iter_mut() {
        let arg = match input {
            FnArg::Receiver(r) => {
                cx.error_spanned_by(
                    &*r,
                    format!(
                        "{} cannot be used on methods: `self` parameters are not allowed; use a free function (and `wamp::State<T>` for shared state)",
                        kind.attr()
                    ),
                );
                continue;
            }
            FnArg::Typed(arg) => arg,
        };
        let mut keyword = None;
        let mut kwargs = None;
        arg.attrs.retain(|a| {
            if a.path().is_ident(symbol::KWARG.0) {
                keyword = Some(a.path().span());
                false
            } else if a.path().is_ident(symbol::KWARGS.0) {
                kwargs = Some(a.path().span());
                false
            } else {
                true
            }
        });
        let (name, ident) = match &*arg.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                (p.ident.unraw().to_string(), p.ident.clone())
            }
            other => {
                cx.error_spanned_by(
                    other,
                    "patterns are not allowed in the parameters of a WAMP handler: the parameter name is the keyword argument name; bind a name (e.g. `point: Point`) and destructure it in the body",
                );
                continue;
            }
        };
        let ty = (*arg.ty).clone();
        let special = last_segment(&ty)
            .map(|s| s.ident.to_string())
            .filter(|s| symbol::SPECIAL_TYPES.contains(&s.as_str()));
        let optional = last_segment(&ty).is_some_and(|s| s.ident == "Option");
        let kind = match (special, keyword, kwargs) {
            (_, Some(a), Some(_)) => {
                cx.error_at(a, "a parameter cannot be both `#[kwarg]` and `#[kwargs]`");
                continue;
            }
            (Some(name), Some(span), None) | (Some(name), None, Some(span)) => {
                cx.error_at(
                    span,
                    format!("`{name}` is a special parameter recognised by its type; it cannot be a keyword argument"),
                );
                continue;
            }
            (Some(name), None, None) => ParamKind::Special { name },
            (None, Some(_), None) => ParamKind::Keyword,
            (None, None, Some(_)) => ParamKind::Kwargs,
            (None, None, None) => {
                positional += 1;
                ParamKind::Positional {
                    index: positional - 1,
                }
            }
        };
        params.push(Param {
            name,
            ident,
            ty,
            kind,
            optional,
        });
    }
    let ret = match &item.sig.output {
        ReturnType::Default => Ret::Unit,
        ReturnType::Type(_, ty) => classify_ret(ty),
    };
    let doc = doc_of(&item.attrs);
    HandlerFn {
        item,
        params,
        ret,
        doc,
    }
}

/// Parses the attribute arguments; a syntax error is fatal.
pub(crate) fn raw_args(attr: TokenStream) -> syn::Result<RawArgs> {
    syn::parse2(attr)
}

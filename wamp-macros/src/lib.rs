//! Procedural macros for the `wamp` crate (`wamp-runtime`): `#[wamp::register]`
//! and `#[wamp::subscribe]`. Use them through `wamp` (`wamp::register`,
//! `wamp::subscribe`); the generated code reaches the runtime only through
//! `wamp::__private`.
//!
//! The work is split in phases: `parse` (attribute arguments and the function
//! into an own AST), `check` (validation; all errors collected, each spanned on
//! the offending token) and `expand` (code generation; `stub` the typed caller
//! or publisher beside the function, see [`macro@register`]). Set the
//! environment variable `WAMP_MACROS_DEBUG` to print every expansion on stderr
//! (or set it to a function name to print only that one).

#![forbid(unsafe_code)]

mod check;
mod ctxt;
mod expand;
mod parse;
mod stub;
mod symbol;
mod type_text;

use proc_macro::TokenStream;

use crate::ctxt::Ctxt;
use crate::parse::Kind;

fn expand_attr(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let item2: proc_macro2::TokenStream = item.clone().into();
    let result = (|| {
        let raw = parse::raw_args(attr.into())?;
        let function: syn::ItemFn = syn::parse2(item2.clone())?;
        let cx = Ctxt::new();
        let attrs = parse::attrs(&cx, kind, raw);
        check::attrs(&cx, &attrs);
        let f = parse::handler_fn(&cx, kind, function);
        check::handler(&cx, kind, &f);
        cx.check()?;
        Ok::<_, syn::Error>((
            expand::expand(kind, &attrs, &f),
            f.item.sig.ident.to_string(),
        ))
    })();
    match result {
        Ok((tokens, name)) => {
            if let Ok(filter) = std::env::var("WAMP_MACROS_DEBUG")
                && (filter.is_empty() || filter == "1" || filter == name)
            {
                eprintln!("// {} {name}\n{tokens}", kind.attr());
            }
            tokens.into()
        }
        Err(e) => {
            // Keep the function so that its own code still compiles (and
            // reports its own errors); add ours.
            let mut out = e.into_compile_error();
            out.extend(strip_param_attrs(item2));
            out.into()
        }
    }
}

/// The function with `#[kwarg]`/`#[kwargs]` taken off its parameters.
fn strip_param_attrs(item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(mut f) => {
            for input in &mut f.sig.inputs {
                if let syn::FnArg::Typed(arg) = input {
                    arg.attrs
                        .retain(|a| !a.path().is_ident("kwarg") && !a.path().is_ident("kwargs"));
                }
            }
            quote::quote!(#f)
        }
        Err(_) => item,
    }
}

/// Registers a function as a WAMP procedure, collected at startup.
///
/// ```text
/// #[wamp::register("uri", match = "prefix", invoke = "roundrobin", concurrency = 4,
///                  disclose_caller = true, force_reregister = true, component = "name",
///                  errors = ["com.x.error.a"])]
/// ```
///
/// The URI comes first; every key after it is optional:
///
/// | key | value |
/// |---|---|
/// | `match` | `"exact"` (default), `"prefix"`, `"wildcard"`; the URI is checked against it |
/// | `invoke` | `"single"` (default), `"roundrobin"`, `"random"`, `"first"`, `"last"` |
/// | `concurrency` | most invocations run at once |
/// | `disclose_caller` | ask the router to disclose callers (`CallDetails::caller`) |
/// | `force_reregister` | take the procedure over from the sessions holding it (see below) |
/// | `component` | a component name, to serve a group with `collected_component` |
/// | `errors` | error URIs the procedure may answer with (listed in the catalog) |
///
/// **`force_reregister = true`** asks the router to unregister the sessions
/// holding the procedure and give it to this one, instead of refusing with
/// `wamp.error.procedure_already_exists` (a replacement instance takes over
/// from one that hangs). The router only does so when **every current callee
/// has the same authid** as the new session; anonymous sessions get random
/// authids, so give all instances of the service the same authid (ticket,
/// WAMP-CRA or cryptosign authentication). It cannot be combined with a
/// shared `invoke` policy. `ComponentBuilder::force_reregister` sets it for
/// every procedure of a component.
///
/// **Parameters** are filled from the call's positional `args` in order, or by
/// name from `kwargs`; `#[kwarg]` makes one keyword-only; an `Option<T>`
/// parameter may be missing; `#[kwargs]` on one parameter (a struct) takes the
/// whole `kwargs`. Extra arguments are refused. Parameters of these types are
/// special and filled from the invocation instead: `wamp::CallDetails`,
/// `wamp::State<T>` (shared state added with `.state(..)`), `wamp::Session`,
/// `wamp::Progress<T>` (progressive results) and `wamp::CancellationToken`
/// (canceled when the call is interrupted). Ordinary parameter types must
/// implement `serde::Deserialize` and `schemars::JsonSchema`.
///
/// A procedure with a `wamp::ProgressiveInput<T>` parameter takes its input
/// in chunks (progressive call invocations): the first INVOCATION starts it,
/// and the parameter is a `Stream` of every chunk's only positional argument
/// as `T` (the first chunk's included), ending after the final chunk. It
/// takes no other arguments; the catalog gives `T`'s schema as `input`.
///
/// Arguments that do not decode are answered with `wamp.error.invalid_argument`
/// naming the parameter (position and name), the expected type and the serde
/// path of the bad value, e.g. `com.math.add: argument 1 (b) must be i64:
/// invalid type: string "two", expected i64 (at path .)`; the function is not run.
///
/// **Results**: a value `T: Serialize + JsonSchema` (sent as `[value]`), `()`,
/// `wamp::CallResult` (several positional and keyword results), or
/// `Result<_, E>` where `E: Into<wamp::Error>` (e.g. a `wamp::ApplicationError`).
///
/// Plain functions and `async fn` both work (a plain function runs on the
/// session's task: keep it short).
///
/// **Typed caller.** Beside the function the macro defines a struct of the
/// same name and visibility (a struct with private fields lives in the type
/// namespace, the function in the value namespace, so both coexist), the
/// caller of the procedure:
///
/// - `add::call(&session, a, b)` takes every parameter the caller gives, in
///   order, with its declared type; the special parameters are left out, and
///   so are `Option` parameters, which are set by a method named after the
///   parameter (`.digits(2)`; `with_call`/`with_publish` for parameters named
///   `call`/`publish`). `#[kwarg]` parameters are sent by name, `#[kwargs]`
///   as the whole keyword arguments, the others positionally.
/// - With `match = "prefix"` or `"wildcard"` the first argument after the
///   session is the concrete URI (`procedure`), checked against the pattern
///   when the call is awaited (`wamp.error.invalid_uri` naming both, nothing
///   sent).
/// - `.timeout(duration)`, `.disclose_me()` and `.options(CallOptions)` set
///   the call options (a parameter with the same name takes precedence over
///   the method).
/// - `.await` sends the call and gives `Result<T, wamp::Error>`, `T` the
///   function's success type (`()` for none, `wamp::CallResult` as it came,
///   `String` for `&'static str`);
///   an error answer stays a `wamp::Error` with its URI and arguments: read
///   an `ApplicationError` back with `error.to_app::<E>()`.
/// - A procedure with a `Progress<P>` parameter also has `.progressive()`:
///   a `wamp::client::stub::ProgressiveCall<P, T>`, a `Stream` of
///   `Update::Progress(P)` items ending with `Update::Final(T)`.
///
/// The argument types must implement `serde::Serialize` and the result type
/// `serde::de::DeserializeOwned`, checked only where the caller is used: a
/// function whose types only go one way still compiles. For a procedure
/// taking `ProgressiveInput<T>`, `call(&session, first: T)` takes the first
/// chunk: `.await` sends it as the whole input, `.start_input().await?` gives
/// a `wamp::client::stub::TypedInputCall<T, R>` to `send(&chunk)` more and
/// `finish(&last)` for the result.
/// As the name now stands for a function and a struct, an intra-doc link to
/// the function is written ``[`add()`]`` (or ``[`add`](fn@add)``).
///
/// ```no_run
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
///
/// /// Adds two numbers.
/// #[wamp::register("com.math.add")]
/// async fn add(a: i64, b: i64) -> Result<i64, wamp::Error> {
///     Ok(a + b)
/// }
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Item { name: String }
///
/// #[derive(Serialize, JsonSchema)]
/// struct Receipt { name: String, quantity: u32 }
///
/// #[wamp::register("com.shop.order.", match = "prefix", invoke = "roundrobin")]
/// fn order(item: Item, #[kwarg] quantity: Option<u32>, details: wamp::CallDetails) -> Receipt {
///     let _ = details.procedure;
///     Receipt { name: item.name, quantity: quantity.unwrap_or(1) }
/// }
///
/// # async fn main_() -> Result<(), wamp::Error> {
/// let component = wamp::Component::builder("realm1")
///     .transport("ws://127.0.0.1:8080/ws")
///     .collected()
///     .build();
/// wamp::run(vec![component]).await
/// # }
///
/// // The typed callers, from another session:
/// async fn caller(session: &wamp::Session) -> Result<(), wamp::Error> {
///     let sum: i64 = add::call(session, 2, 3).await?;
///     let item = Item { name: "apple".into() };
///     // `Item` only implements `Deserialize` and `Receipt` only `Serialize`:
///     // `order::call(session, "com.shop.order.paris", item)` would not compile.
///     let _ = (sum, item.name);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn register(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_attr(Kind::Register, attr, item)
}

/// Subscribes a function to a WAMP topic, collected at startup.
///
/// ```text
/// #[wamp::subscribe("uri", match = "wildcard", get_retained = true, component = "name")]
/// ```
///
/// Parameters are bound as for [`macro@register`]; the special parameters are
/// `wamp::EventDetails`, `wamp::State<T>` and `wamp::Session`. A subscriber
/// returns `()` or `Result<(), E>` with `E: Into<wamp::Error>`; it cannot
/// return a value. An event whose arguments do not decode is logged (warning,
/// with the parameter, expected type and serde path) and dropped; the
/// subscription goes on.
///
/// **Typed publisher.** Beside the function the macro defines a struct of the
/// same name and visibility: `on_message::publish(&session, &msg)` takes a
/// reference to every parameter the publisher gives (as for
/// [`macro@register`]'s caller: special parameters left out, `Option`
/// parameters set by methods, the concrete topic first for a prefix or
/// wildcard subscription), `.acknowledge()`, `.exclude_me(bool)` and
/// `.options(PublishOptions)` set the publish options, and `.await`
/// publishes, giving the publication ID when acknowledged
/// (`Result<Option<u64>, wamp::Error>`).
///
/// ```no_run
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct ChatMessage { from: String, text: String }
///
/// #[wamp::subscribe("com.chat.message")]
/// async fn on_message(msg: ChatMessage, details: wamp::EventDetails) {
///     println!("{} on {}: {}", msg.from, details.topic, msg.text);
/// }
///
/// # async fn main_() -> Result<(), wamp::Error> {
/// wamp::serve("ws://127.0.0.1:8080/ws", "realm1").await
/// # }
/// ```
///
/// With a type that also implements `Serialize`, the publisher is usable:
///
/// ```no_run
/// # use schemars::JsonSchema;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize, JsonSchema)]
/// struct Alert { level: u8 }
///
/// #[wamp::subscribe("com.alerts.new")]
/// fn on_alert(alert: Alert, #[kwarg] source: Option<String>) {
///     let _ = (alert.level, source);
/// }
///
/// async fn alert(session: &wamp::Session) -> Result<(), wamp::Error> {
///     let id = on_alert::publish(session, &Alert { level: 3 })
///         .source(&"sensor 4".to_owned())
///         .acknowledge()
///         .await?;
///     assert!(id.is_some());
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn subscribe(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_attr(Kind::Subscribe, attr, item)
}

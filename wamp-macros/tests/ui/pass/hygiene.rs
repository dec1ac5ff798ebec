//! The generated code compiles with unusual names in scope, inside a module
//! without the implicit prelude, and with `wamp` only reachable as `::wamp`.
#![allow(dead_code, non_camel_case_types, non_upper_case_globals)]

#[no_implicit_prelude]
mod handlers {
    // Names the generated code must not rely on.
    struct Result;
    struct Option;
    struct Ok;
    struct Err;
    struct Some;
    struct None;
    struct Vec;
    struct String;
    struct Box;
    struct Clone;
    struct Default;
    struct Args;
    struct Collected;
    mod core {}
    mod std {}
    mod serde {}
    mod schemars {}
    mod inventory {}
    mod wamp {}
    mod __private {}
    fn __wamp_handler() {}
    fn __wamp_options() {}
    fn __wamp_schema() {}
    const o: u8 = 0;
    const s: u8 = 0;
    const g: u8 = 0;

    /// Documented.
    #[::wamp::register(
        "com.hygiene.add",
        match = "exact",
        invoke = "single",
        force_reregister = true
    )]
    pub async fn add(
        a: i64,
        __wamp_args: i64,
        #[kwarg] opt: ::core::option::Option<u8>,
        details: ::wamp::CallDetails,
    ) -> ::core::result::Result<i64, ::wamp::Error> {
        let _ = (opt, details);
        ::core::result::Result::Ok(a + __wamp_args)
    }

    #[::wamp::subscribe("com.hygiene.event")]
    pub fn on_event(text: ::std::string::String, d: ::wamp::EventDetails) {
        let _ = (text, d);
    }

    /// Documented.
    #[::wamp::register("com.hygiene.", match = "prefix")]
    pub fn prefixed(n: ::core::option::Option<u8>, p: ::wamp::Progress<u8>) -> u8 {
        let _ = (n, p);
        0
    }

    #[::wamp::subscribe("com.hygiene..x", match = "wildcard")]
    pub fn on_x(#[kwarg] n: ::core::option::Option<u8>) {
        let _ = n;
    }

    // The typed stubs, used where nothing but `::wamp` and `::core` is known.
    pub async fn callers(
        session: &::wamp::Session,
    ) -> ::core::result::Result<(), ::wamp::Error> {
        let _: i64 = add::call(session, 1, 2).opt(3).timeout(::core::time::Duration::from_secs(1)).await?;
        let _: u8 = prefixed::call(session, "com.hygiene.a").n(1).await?;
        let _ = prefixed::call(session, "com.hygiene.a").progressive();
        let _ = on_event::publish(session, &::std::string::String::new()).acknowledge().await?;
        let _ = on_x::publish(session, "com.hygiene.a.x").n(&1).await?;
        ::core::result::Result::Ok(())
    }
}

fn main() {}

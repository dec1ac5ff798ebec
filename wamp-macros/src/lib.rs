//! Procedural macros for the `wamp` crate (`wamp-runtime`).
#![allow(missing_docs)]
use proc_macro::TokenStream;
#[proc_macro_attribute]
pub fn register(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}
#[proc_macro_attribute]
pub fn subscribe(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}

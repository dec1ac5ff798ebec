//! How a type is named in messages and schemas: as written, without the
//! token spacing.

use quote::quote;
use syn::Type;

/// The type as written, with the token spacing removed (`Option<u32>`).
pub(crate) fn type_text(ty: &Type) -> String {
    let raw = quote!(#ty).to_string();
    let chars: Vec<char> = raw.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '\'';
    let mut out = String::with_capacity(raw.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            let keep = match (before, after) {
                (Some(','), _) => true,
                (Some(b), Some(a)) => word(b) && word(a),
                _ => false,
            };
            if !keep {
                continue;
            }
        }
        out.push(c);
    }
    out
}

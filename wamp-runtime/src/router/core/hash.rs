//! The hash map of the router's tables.
//!
//! Its keys are IDs and URIs, many chosen by peers (request IDs, topics), so
//! the hasher must resist collision floods: `ahash` with a random key per
//! map, which is also several times faster than the standard SipHash on the
//! lookups every message makes.

/// A `HashMap` hashed by `ahash` with a random key (`HashMap::default()`).
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;

/// A hash set with the core's hasher.
pub(crate) type HashSet<T> = std::collections::HashSet<T, ahash::RandomState>;

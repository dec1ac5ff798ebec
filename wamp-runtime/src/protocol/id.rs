//! WAMP IDs and their generators.
//!
//! IDs are integers in [1, 2^53] (0 only as the request ID of router-initiated
//! revocations). Global-scope IDs (sessions, publications) are drawn at random;
//! session-scope IDs (requests) count up from 1 and wrap after 2^53.

use rand::Rng;

/// A WAMP ID: an integer in [0, 2^53].
pub type Id = u64;

/// The largest valid ID, 2^53.
pub const MAX_ID: Id = 1 << 53;

/// Whether a number is a valid ID (0 included, for revocations).
pub const fn is_valid_id(id: u64) -> bool {
    id <= MAX_ID
}

/// Draws a random ID uniformly from [1, 2^53]: for sessions and publications.
pub fn random_id() -> Id {
    rand::rng().random_range(1..=MAX_ID)
}

/// Generates global-scope IDs: random, uniform over [1, 2^53].
#[derive(Debug, Default, Clone, Copy)]
pub struct GlobalIdGenerator;

impl GlobalIdGenerator {
    /// The next random ID.
    pub fn next_id(&self) -> Id {
        random_id()
    }
}

/// Generates session-scope IDs: 1, 2, 3, … wrapping to 1 after 2^53.
///
/// ```
/// use wamp::protocol::id::SessionIdGenerator;
/// let mut ids = SessionIdGenerator::default();
/// assert_eq!(ids.next_id(), 1);
/// assert_eq!(ids.next_id(), 2);
/// ```
#[derive(Debug, Default, Clone)]
pub struct SessionIdGenerator {
    last: Id,
}

impl SessionIdGenerator {
    /// A generator whose next ID follows `last` (for tests and resumption).
    pub fn starting_after(last: Id) -> Self {
        Self { last }
    }

    /// The next ID of this scope.
    pub fn next_id(&mut self) -> Id {
        self.last = if self.last >= MAX_ID {
            1
        } else {
            self.last + 1
        };
        self.last
    }

    /// The last ID handed out (0 before the first).
    pub fn last(&self) -> Id {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_wrap_to_one() {
        let mut ids = SessionIdGenerator::starting_after(MAX_ID - 1);
        assert_eq!(ids.next_id(), MAX_ID);
        assert_eq!(ids.next_id(), 1);
    }

    #[test]
    fn random_ids_are_in_range() {
        for _ in 0..1000 {
            let id = random_id();
            assert!((1..=MAX_ID).contains(&id));
        }
    }
}

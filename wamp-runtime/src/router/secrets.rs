//! Checking the secrets clients present: in constant time, against a plain
//! value or a salted hash (a PHC string of PBKDF2-HMAC-SHA256), and making
//! such hashes for the configuration.

use pbkdf2::Pbkdf2;
use pbkdf2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether two secrets are equal, in time independent of their contents and
/// lengths: their SHA-256 digests are compared in constant time.
pub(crate) fn secrets_equal(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.as_slice().ct_eq(b.as_slice()).into()
}

/// A salted hash of a ticket for `ticket_hash` in the router configuration:
/// a PHC string of PBKDF2-HMAC-SHA256 with a random 16-byte salt and the
/// `pbkdf2` crate's recommended rounds, e.g. `$pbkdf2-sha256$i=600000,l=32$…$…`.
///
/// ```
/// let hash = wamp::router::hash_ticket("change-me");
/// assert!(hash.starts_with("$pbkdf2-sha256$"));
/// ```
pub fn hash_ticket(ticket: &str) -> String {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .unwrap_or_else(|_| unreachable!("16 bytes always make a valid salt"));
    Pbkdf2
        .hash_password(ticket.as_bytes(), &salt)
        .unwrap_or_else(|_| unreachable!("PBKDF2 with default parameters cannot fail"))
        .to_string()
}

/// Whether `hash` is a PHC string this router can check tickets against.
pub(crate) fn check_ticket_hash(hash: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(hash).map_err(|e| format!("not a PHC string: {e}"))?;
    match parsed.algorithm.as_str() {
        "pbkdf2-sha256" => Ok(()),
        other => Err(format!(
            "unsupported algorithm '{other}' (use pbkdf2-sha256, as `wamp-router hash-ticket` makes)"
        )),
    }
}

/// Whether a presented ticket matches a PHC hash (the comparison inside is
/// constant-time); false for a hash that cannot be read.
pub(crate) fn verify_ticket_hash(ticket: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Pbkdf2.verify_password(ticket.as_bytes(), &parsed).is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "ticket_hash is not a PHC string; ticket refused");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_secrets() {
        assert!(secrets_equal("s3cret", "s3cret"));
        assert!(!secrets_equal("s3cret", "s3creT"));
        assert!(!secrets_equal("s3cret", "s3cret!"));
        assert!(!secrets_equal("", "x"));
    }

    #[test]
    fn a_hashed_ticket_verifies_only_with_its_ticket() {
        // Few rounds keep the test fast; the parameters travel in the string.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let params = pbkdf2::Params {
            rounds: 1000,
            output_length: 32,
        };
        let hash = Pbkdf2
            .hash_password_customized(b"t1ck3t", None, None, params, &salt)
            .unwrap()
            .to_string();
        assert!(hash.starts_with("$pbkdf2-sha256$i=1000,l=32$"), "{hash}");
        check_ticket_hash(&hash).unwrap();
        assert!(verify_ticket_hash("t1ck3t", &hash));
        assert!(!verify_ticket_hash("t1ck3T", &hash));
        assert!(!verify_ticket_hash("t1ck3t", "t1ck3t"));
    }

    #[test]
    fn hash_ticket_makes_a_checkable_salted_hash() {
        let a = hash_ticket("t1ck3t");
        let b = hash_ticket("t1ck3t");
        assert_ne!(a, b, "salted");
        check_ticket_hash(&a).unwrap();
        assert!(check_ticket_hash("$argon2id$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA").is_err());
        assert!(check_ticket_hash("plain").is_err());
    }
}

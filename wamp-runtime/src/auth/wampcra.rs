//! WAMP-CRA: challenge-response with HMAC-SHA256, optionally with a PBKDF2-salted secret.
//!
//! Pure functions shared by the client ([`WampCra`]) and the router.
//!
//! ```
//! use wamp::auth::wampcra;
//! let sig = wampcra::sign(b"L3L1YUE8Txlw", "[1, 2, 3]");
//! assert_eq!(sig, "1njQtmmeYO41N5EWEzD2kAjjEKRZ5kPZt/TzpYXOzR0=");
//! assert!(wampcra::verify(b"L3L1YUE8Txlw", "[1, 2, 3]", &sig));
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{AuthError, Authenticator};
use crate::protocol::options::AuthenticateExtra;
use crate::protocol::{Authenticate, Challenge};

type HmacSha256 = Hmac<Sha256>;

/// Autobahn's default PBKDF2 iterations for salted secrets.
pub const DEFAULT_ITERATIONS: u32 = 1000;
/// Autobahn's default derived key length for salted secrets.
pub const DEFAULT_KEYLEN: usize = 32;

/// Signs a challenge: Base64 of HMAC-SHA256(`key`, UTF-8 `challenge`).
pub fn sign(key: &[u8], challenge: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(challenge.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a signature in constant time against the expected one.
pub fn verify(key: &[u8], challenge: &str, signature: &str) -> bool {
    let Ok(given) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(challenge.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Derives the key of a salted secret: Base64 of PBKDF2-HMAC-SHA256(secret, salt,
/// iterations, keylen). The Base64 **text** (as bytes) is the HMAC key for [`sign`].
///
/// ```
/// use wamp::auth::wampcra;
/// assert_eq!(
///     wampcra::derive_key("L3L1YUE8Txlw", "salt123", 1000, 32),
///     "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y="
/// );
/// ```
pub fn derive_key(secret: &str, salt: &str, iterations: u32, keylen: usize) -> String {
    let mut out = vec![0u8; keylen];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), salt.as_bytes(), iterations, &mut out);
    STANDARD.encode(out)
}

/// Client-side WAMP-CRA: signs the router's challenge with a secret, deriving
/// the key first when the challenge carries `salt`, `iterations` and `keylen`.
#[derive(Clone)]
pub struct WampCra {
    authid: String,
    secret: String,
    authrole: Option<String>,
}

impl std::fmt::Debug for WampCra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WampCra")
            .field("authid", &self.authid)
            .finish_non_exhaustive()
    }
}

impl WampCra {
    /// WAMP-CRA as `authid` with `secret`.
    pub fn new(authid: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            authid: authid.into(),
            secret: secret.into(),
            authrole: None,
        }
    }

    /// Asks for a role.
    pub fn with_authrole(mut self, authrole: impl Into<String>) -> Self {
        self.authrole = Some(authrole.into());
        self
    }

    /// The HMAC key for a challenge: the secret, or the derived key when salted.
    pub fn key_for(&self, challenge: &Challenge) -> Result<Vec<u8>, AuthError> {
        match &challenge.extra.salt {
            None => Ok(self.secret.as_bytes().to_vec()),
            Some(salt) => {
                let iterations = challenge
                    .extra
                    .iterations
                    .map_or(Ok(DEFAULT_ITERATIONS), u32::try_from)
                    .map_err(|_| AuthError::new("WAMP-CRA iterations out of range"))?;
                let keylen = challenge
                    .extra
                    .keylen
                    .map_or(Ok(DEFAULT_KEYLEN), usize::try_from)
                    .map_err(|_| AuthError::new("WAMP-CRA keylen out of range"))?;
                if iterations == 0 || keylen == 0 || keylen > 1024 {
                    return Err(AuthError::new("WAMP-CRA KDF parameters out of range"));
                }
                Ok(derive_key(&self.secret, salt, iterations, keylen).into_bytes())
            }
        }
    }
}

impl Authenticator for WampCra {
    fn method(&self) -> &str {
        "wampcra"
    }

    fn authid(&self) -> Option<&str> {
        Some(&self.authid)
    }

    fn authrole(&self) -> Option<&str> {
        self.authrole.as_deref()
    }

    fn on_challenge(&self, challenge: &Challenge) -> Result<Authenticate, AuthError> {
        let text = challenge
            .extra
            .challenge
            .as_deref()
            .ok_or_else(|| AuthError::new("WAMP-CRA challenge without `challenge`"))?;
        let key = self.key_for(challenge)?;
        Ok(Authenticate {
            signature: sign(&key, text),
            extra: AuthenticateExtra::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::options::ChallengeExtra;

    #[test]
    fn autobahn_vectors() {
        assert_eq!(
            sign(b"L3L1YUE8Txlw", "[1, 2, 3]"),
            "1njQtmmeYO41N5EWEzD2kAjjEKRZ5kPZt/TzpYXOzR0="
        );
        assert_eq!(
            derive_key("L3L1YUE8Txlw", "salt123", 1000, 32),
            "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y="
        );
    }

    #[test]
    fn scram_pbkdf2_vector() {
        let key = derive_key("p4ssw0rd", "1234567890abcdef", 8, 32);
        let raw = STANDARD.decode(key).unwrap();
        assert_eq!(
            hex::encode(raw),
            "f6991a28c75f43751e0d75499fd7b8649f659118ddc1d61cee5883af547d15f5"
        );
    }

    #[test]
    fn verify_rejects_wrong_signatures() {
        let sig = sign(b"secret", "challenge");
        assert!(verify(b"secret", "challenge", &sig));
        assert!(!verify(b"secret2", "challenge", &sig));
        assert!(!verify(b"secret", "challenge2", &sig));
        assert!(!verify(b"secret", "challenge", "not base64!"));
    }

    #[test]
    fn salted_challenge_uses_derived_key() {
        let cra = WampCra::new("joe", "L3L1YUE8Txlw");
        let challenge = Challenge {
            authmethod: "wampcra".into(),
            extra: ChallengeExtra {
                challenge: Some("[1, 2, 3]".into()),
                salt: Some("salt123".into()),
                iterations: Some(1000),
                keylen: Some(32),
                ..ChallengeExtra::default()
            },
        };
        let auth = cra.on_challenge(&challenge).unwrap();
        let key = derive_key("L3L1YUE8Txlw", "salt123", 1000, 32);
        assert!(verify(key.as_bytes(), "[1, 2, 3]", &auth.signature));
        assert!(!verify(b"L3L1YUE8Txlw", "[1, 2, 3]", &auth.signature));
    }
}

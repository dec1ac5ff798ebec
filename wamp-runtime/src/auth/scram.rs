//! WAMP-SCRAM (RFC 5802 / 7677 with SHA-256) in the dialect Autobahn|Python
//! and Crossbar.io speak: authmethod `scram`, KDF `argon2id-13` (Argon2id
//! v1.3, parallelism 1, 32 bytes) or `pbkdf2` (PBKDF2-HMAC-SHA256, 32 bytes),
//! the client nonce in `HELLO.Details.authextra.nonce`, the server's
//! signature in `WELCOME.Details.authextra.scram_server_signature`.
//!
//! Pure functions shared by the client ([`Scram`]) and the router, which
//! stores only the derived keys ([`ScramCredential`]), never the password.
//!
//! Autobahn's quirk is kept for wire compatibility: with `argon2id-13` the
//! salted password is the unpadded Base64 text of the Argon2 output (as its
//! PHC string carries it), not the raw bytes.
//!
//! ```
//! use wamp::auth::scram::{self, Kdf};
//! let kdf = Kdf::Pbkdf2 { iterations: 1000 };
//! let credential = scram::derive_credential("p4ssw0rd", b"0123456789abcdef", kdf).unwrap();
//! let message = scram::auth_message("joe", "Y2xpZW50", "Y2xpZW50c2VydmVy", &credential.salt_base64(), 1000, "");
//! let salted = scram::salted_password("p4ssw0rd", b"0123456789abcdef", kdf).unwrap();
//! let proof = scram::client_proof(&salted, &message);
//! assert!(scram::verify_client_proof(&credential.stored_key, &message, &proof));
//! ```

use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{AuthError, Authenticator};
use crate::protocol::options::AuthenticateExtra;
use crate::protocol::{Authenticate, Challenge, Dict, Value};

type HmacSha256 = Hmac<Sha256>;

/// The authmethod name (Autobahn|Python and Crossbar.io).
pub const METHOD: &str = "scram";
/// The Argon2id v1.3 KDF name.
pub const ARGON2ID13: &str = "argon2id-13";
/// The PBKDF2-HMAC-SHA256 KDF name.
pub const PBKDF2: &str = "pbkdf2";

/// A key derivation function and its costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// Argon2id v1.3, parallelism 1: `iterations` is the time cost,
    /// `memory` the memory cost in KiB.
    Argon2id13 {
        /// Time cost.
        iterations: u32,
        /// Memory cost in KiB.
        memory: u32,
    },
    /// PBKDF2-HMAC-SHA256.
    Pbkdf2 {
        /// Rounds.
        iterations: u32,
    },
}

impl Kdf {
    /// Reads a KDF from its name and costs (as in a CHALLENGE or config).
    pub fn parse(name: &str, iterations: u64, memory: Option<u64>) -> Result<Kdf, AuthError> {
        let iterations = u32::try_from(iterations)
            .ok()
            .filter(|i| *i >= 1)
            .ok_or_else(|| AuthError::new(format!("SCRAM iterations {iterations} out of range")))?;
        match name {
            ARGON2ID13 => {
                let memory =
                    memory.ok_or_else(|| AuthError::new("SCRAM kdf argon2id-13 needs 'memory'"))?;
                let memory = u32::try_from(memory)
                    .ok()
                    .filter(|m| (8..=4 * 1024 * 1024).contains(m))
                    .ok_or_else(|| {
                        AuthError::new(format!(
                            "SCRAM memory {memory} KiB out of range (8 KiB..4 GiB)"
                        ))
                    })?;
                Ok(Kdf::Argon2id13 { iterations, memory })
            }
            PBKDF2 => Ok(Kdf::Pbkdf2 { iterations }),
            other => Err(AuthError::new(format!(
                "unknown SCRAM kdf '{other}' (supported: {ARGON2ID13}, {PBKDF2})"
            ))),
        }
    }

    /// Its name on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Kdf::Argon2id13 { .. } => ARGON2ID13,
            Kdf::Pbkdf2 { .. } => PBKDF2,
        }
    }

    /// Its iterations (time cost).
    pub fn iterations(&self) -> u32 {
        match *self {
            Kdf::Argon2id13 { iterations, .. } | Kdf::Pbkdf2 { iterations } => iterations,
        }
    }

    /// Its memory cost in KiB (Argon2id only).
    pub fn memory(&self) -> Option<u32> {
        match *self {
            Kdf::Argon2id13 { memory, .. } => Some(memory),
            Kdf::Pbkdf2 { .. } => None,
        }
    }
}

/// `SaltedPassword`: the KDF of the password. Slow by design: run it off the
/// async executor's threads when serving many.
pub fn salted_password(password: &str, salt: &[u8], kdf: Kdf) -> Result<Vec<u8>, AuthError> {
    match kdf {
        Kdf::Argon2id13 { iterations, memory } => {
            let params = argon2::Params::new(memory, iterations, 1, Some(32))
                .map_err(|e| AuthError::new(format!("SCRAM argon2 parameters: {e}")))?;
            let argon =
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let mut raw = [0u8; 32];
            argon
                .hash_password_into(password.as_bytes(), salt, &mut raw)
                .map_err(|e| AuthError::new(format!("SCRAM argon2: {e}")))?;
            Ok(STANDARD_NO_PAD.encode(raw).into_bytes())
        }
        Kdf::Pbkdf2 { iterations } => {
            let mut out = vec![0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut out);
            Ok(out)
        }
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `AuthMessage`: `client-first-bare,server-first,client-final-without-proof`,
/// with the nonces and salt as they travel (Base64).
pub fn auth_message(
    authid: &str,
    client_nonce: &str,
    server_nonce: &str,
    salt_base64: &str,
    iterations: u32,
    channel_binding: &str,
) -> String {
    format!(
        "n={authid},r={client_nonce},r={server_nonce},s={salt_base64},i={iterations},c={channel_binding},r={server_nonce}"
    )
}

/// `ClientProof` (Base64): `ClientKey XOR HMAC(StoredKey, AuthMessage)`.
pub fn client_proof(salted_password: &[u8], auth_message: &str) -> String {
    let client_key = hmac(salted_password, b"Client Key");
    let stored_key: [u8; 32] = Sha256::digest(client_key).into();
    let signature = hmac(&stored_key, auth_message.as_bytes());
    let proof: Vec<u8> = client_key
        .iter()
        .zip(signature)
        .map(|(a, b)| a ^ b)
        .collect();
    STANDARD.encode(proof)
}

/// Whether a `ClientProof` (Base64) proves knowledge of the password whose
/// `StoredKey` is given; the keys are compared in constant time.
pub fn verify_client_proof(stored_key: &[u8], auth_message: &str, proof: &str) -> bool {
    let Ok(proof) = STANDARD.decode(proof.trim()) else {
        return false;
    };
    if proof.len() != 32 || stored_key.len() != 32 {
        return false;
    }
    let signature = hmac(stored_key, auth_message.as_bytes());
    let client_key: Vec<u8> = proof.iter().zip(signature).map(|(a, b)| a ^ b).collect();
    let recovered = Sha256::digest(&client_key);
    // Constant time: fold the differences of every byte.
    recovered
        .iter()
        .zip(stored_key)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// `ServerSignature` (Base64): `HMAC(ServerKey, AuthMessage)`, sent in
/// `WELCOME.Details.authextra.scram_server_signature`.
pub fn server_signature(server_key: &[u8], auth_message: &str) -> String {
    STANDARD.encode(hmac(server_key, auth_message.as_bytes()))
}

/// What a router stores for a SCRAM principal: the KDF, salt and the two
/// derived keys, never the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramCredential {
    /// The KDF and its costs.
    pub kdf: Kdf,
    /// The salt.
    pub salt: Vec<u8>,
    /// `StoredKey = SHA256(HMAC(SaltedPassword, "Client Key"))`.
    pub stored_key: Vec<u8>,
    /// `ServerKey = HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

impl ScramCredential {
    /// The salt in Base64, as the CHALLENGE carries it.
    pub fn salt_base64(&self) -> String {
        STANDARD.encode(&self.salt)
    }
}

/// Derives a principal's stored credential from its password.
pub fn derive_credential(
    password: &str,
    salt: &[u8],
    kdf: Kdf,
) -> Result<ScramCredential, AuthError> {
    let salted = salted_password(password, salt, kdf)?;
    let client_key = hmac(&salted, b"Client Key");
    Ok(ScramCredential {
        kdf,
        salt: salt.to_vec(),
        stored_key: Sha256::digest(client_key).to_vec(),
        server_key: hmac(&salted, b"Server Key").to_vec(),
    })
}

/// Client-side WAMP-SCRAM: sends a fresh nonce in HELLO, answers the
/// challenge with the client proof. The password never leaves the client.
pub struct Scram {
    authid: String,
    password: String,
    /// The nonce of the latest HELLO, and after a challenge the salted
    /// password and AuthMessage (to check the server's signature).
    state: Mutex<ScramState>,
}

#[derive(Default)]
struct ScramState {
    nonce: String,
    exchange: Option<(Vec<u8>, String)>,
}

impl std::fmt::Debug for Scram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scram")
            .field("authid", &self.authid)
            .finish_non_exhaustive()
    }
}

impl Scram {
    /// SCRAM authentication as `authid` with `password`.
    pub fn new(authid: impl Into<String>, password: impl Into<String>) -> Self {
        Scram {
            authid: authid.into(),
            password: password.into(),
            state: Mutex::new(ScramState::default()),
        }
    }

    /// Whether the router's `scram_server_signature` (from WELCOME's
    /// authextra) proves it knows this principal's keys; `false` before a
    /// challenge was answered.
    pub fn verify_server_signature(&self, signature: &str) -> bool {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some((salted, message)) = &state.exchange else {
            return false;
        };
        let expected = server_signature(&hmac(salted, b"Server Key"), message);
        expected.len() == signature.len()
            && expected
                .bytes()
                .zip(signature.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl Authenticator for Scram {
    fn method(&self) -> &str {
        METHOD
    }

    fn authid(&self) -> Option<&str> {
        Some(&self.authid)
    }

    fn authextra(&self) -> Dict {
        let nonce = STANDARD.encode(rand::random::<[u8; 16]>());
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.nonce = nonce.clone();
        state.exchange = None;
        let mut extra = Dict::new();
        extra.insert("nonce".into(), Value::String(nonce));
        extra
    }

    fn on_challenge(&self, challenge: &Challenge) -> Result<Authenticate, AuthError> {
        let extra = &challenge.extra;
        let text = |v: &Option<String>, key: &str| {
            v.clone()
                .ok_or_else(|| AuthError::new(format!("SCRAM challenge has no '{key}'")))
        };
        let server_nonce = text(&extra.nonce, "nonce")?;
        let salt_b64 = text(&extra.salt, "salt")?;
        let kdf_name = text(&extra.kdf, "kdf")?;
        let iterations = extra
            .iterations
            .ok_or_else(|| AuthError::new("SCRAM challenge has no 'iterations'"))?;
        let kdf = Kdf::parse(&kdf_name, iterations, extra.memory)?;
        let salt = STANDARD
            .decode(&salt_b64)
            .map_err(|_| AuthError::new("SCRAM challenge salt is not Base64"))?;
        let channel_binding = extra
            .extra
            .get("channel_binding")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.nonce.is_empty()
            || !server_nonce.starts_with(&state.nonce[..state.nonce.len().min(20)])
        {
            // The router's nonce must extend ours (its Base64 starts with
            // the same 20 characters: our 15 bytes).
            return Err(AuthError::new(
                "SCRAM challenge nonce does not extend the client nonce",
            ));
        }
        let message = auth_message(
            &self.authid,
            &state.nonce,
            &server_nonce,
            &salt_b64,
            kdf.iterations(),
            channel_binding,
        );
        let salted = salted_password(&self.password, &salt, kdf)?;
        let proof = client_proof(&salted, &message);
        state.exchange = Some((salted, message));
        Ok(Authenticate {
            signature: proof,
            extra: AuthenticateExtra::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_vectors_of_autobahn() {
        // Autobahn|Python's test_wamp_auth.py vectors.
        let pbkdf2 = salted_password(
            "p4ssw0rd",
            b"1234567890abcdef",
            Kdf::Pbkdf2 { iterations: 8 },
        )
        .unwrap();
        assert_eq!(
            hex::encode(pbkdf2),
            "f6991a28c75f43751e0d75499fd7b8649f659118ddc1d61cee5883af547d15f5"
        );
        let argon = salted_password(
            "p4ssw0rd",
            b"1234567890abcdef",
            Kdf::Argon2id13 {
                iterations: 32,
                memory: 512,
            },
        )
        .unwrap();
        let raw = STANDARD_NO_PAD.decode(&argon).unwrap();
        assert_eq!(
            hex::encode(raw),
            "ee4a8acf9d5958354fb79a95ae20692d05e42591ba49fae85eb6700e8b0ed293"
        );
    }

    #[test]
    fn a_proof_verifies_only_with_its_password_and_message() {
        let kdf = Kdf::Pbkdf2 { iterations: 10 };
        let credential = derive_credential("right", b"salt-salt", kdf).unwrap();
        let message = auth_message("joe", "abc", "abcdef", &credential.salt_base64(), 10, "");
        let good = client_proof(
            &salted_password("right", b"salt-salt", kdf).unwrap(),
            &message,
        );
        let bad = client_proof(
            &salted_password("wrong", b"salt-salt", kdf).unwrap(),
            &message,
        );
        assert!(verify_client_proof(&credential.stored_key, &message, &good));
        assert!(!verify_client_proof(&credential.stored_key, &message, &bad));
        assert!(!verify_client_proof(&credential.stored_key, "other", &good));
        assert!(!verify_client_proof(
            &credential.stored_key,
            &message,
            "not base64!"
        ));
        assert!(Kdf::parse("md5", 1, None).is_err());
        assert!(Kdf::parse(ARGON2ID13, 1, None).is_err());
    }
}

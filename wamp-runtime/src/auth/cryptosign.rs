//! WAMP-cryptosign: Ed25519 signatures over the router's challenge.
//!
//! The client signs `challenge` (32 bytes), or `challenge XOR channel_binding`
//! when the session is bound to the TLS channel, and answers with
//! `hex(signature ‖ message)`, 192 hex characters. Pure functions shared by the
//! client ([`CryptoSign`]) and the router.
//!
//! # Channel binding
//!
//! A client asks for a bound session with `HELLO.authextra.channel_binding`.
//! This crate speaks only [`TLS_EXPORTER`] (`tls-exporter`, RFC 9266: 32 bytes
//! exported from the TLS session with the label `EXPORTER-Channel-Binding`,
//! see `TransportDetails::channel_binding`): our router then sends
//! `channel_binding: "tls-exporter"` in the CHALLENGE and checks the
//! signature over `challenge XOR binding`, and refuses a binding asked for
//! over a transport without TLS. Crossbar.io and Autobahn only know
//! `tls-unique`, which rustls cannot provide (and TLS 1.3 does not define):
//! our router refuses it with `wamp.error.authentication_failed` and a message
//! saying so, and our client's bound cryptosign is refused by Crossbar. **Bound
//! cryptosign therefore works only between our client and our router**;
//! unbound cryptosign works with every peer.
//!
//! ```
//! use wamp::auth::cryptosign::{SigningKey, verify_signature};
//! let key = SigningKey::from_hex("4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510").unwrap();
//! let challenge = "ff".repeat(32);
//! let reply = key.sign_challenge(&challenge, None).unwrap();
//! assert_eq!(reply.len(), 192);
//! assert!(verify_signature(&key.public_key_hex(), &challenge, None, &reply));
//! ```

use ed25519_dalek::{Signer as _, Verifier as _};

/// The channel binding type this crate supports: `tls-exporter` (RFC 9266).
pub const TLS_EXPORTER: &str = "tls-exporter";

use super::{AuthError, Authenticator};
use crate::protocol::options::AuthenticateExtra;
use crate::protocol::{Authenticate, Challenge, Value};

/// An Ed25519 private key used for cryptosign.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(pubkey {})", self.public_key_hex())
    }
}

impl SigningKey {
    /// A key from its 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// A key from its seed as 64 hex digits.
    pub fn from_hex(seed_hex: &str) -> Result<Self, AuthError> {
        let bytes = hex::decode(seed_hex.trim())
            .map_err(|e| AuthError::new(format!("private key is not hex: {e}")))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| AuthError::new("private key must be 32 bytes (64 hex digits)"))?;
        Ok(Self::from_seed(seed))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        Self::from_seed(rand::random())
    }

    /// The public key as 64 hex digits (what `HELLO.Details.authextra.pubkey` carries).
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.0.verifying_key().as_bytes())
    }

    /// Signs a challenge (64 hex digits), XORed with the channel binding when
    /// given, and returns `hex(signature ‖ message)` (192 hex digits).
    pub fn sign_challenge(
        &self,
        challenge_hex: &str,
        channel_binding: Option<&[u8]>,
    ) -> Result<String, AuthError> {
        let message = message(challenge_hex, channel_binding)?;
        let signature = self.0.sign(&message);
        let mut out = signature.to_bytes().to_vec();
        out.extend_from_slice(&message);
        Ok(hex::encode(out))
    }
}

/// The signed message: the challenge, XORed with the channel binding if any.
fn message(challenge_hex: &str, channel_binding: Option<&[u8]>) -> Result<[u8; 32], AuthError> {
    let bytes = hex::decode(challenge_hex.trim())
        .map_err(|e| AuthError::new(format!("cryptosign challenge is not hex: {e}")))?;
    let mut message: [u8; 32] = bytes
        .try_into()
        .map_err(|_| AuthError::new("cryptosign challenge must be 32 bytes"))?;
    if let Some(binding) = channel_binding {
        if binding.len() != 32 {
            return Err(AuthError::new("channel binding must be 32 bytes"));
        }
        for (m, b) in message.iter_mut().zip(binding) {
            *m ^= b;
        }
    }
    Ok(message)
}

/// Checks a cryptosign reply: `signature_hex` must be `hex(signature ‖ message)`
/// where `message` is the challenge (XOR the channel binding) and the signature
/// verifies under `pubkey_hex`.
pub fn verify_signature(
    pubkey_hex: &str,
    challenge_hex: &str,
    channel_binding: Option<&[u8]>,
    signature_hex: &str,
) -> bool {
    let Ok(expected) = message(challenge_hex, channel_binding) else {
        return false;
    };
    let Ok(reply) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    if reply.len() != 96 || reply[64..] != expected {
        return false;
    }
    let Ok(pubkey) = hex::decode(pubkey_hex.trim()) else {
        return false;
    };
    let Ok(pubkey): Result<[u8; 32], _> = pubkey.try_into() else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pubkey) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&reply[..64]) else {
        return false;
    };
    key.verify(&expected, &sig).is_ok()
}

/// Client-side cryptosign: announces the public key in `HELLO.authextra.pubkey`
/// and signs the challenge, bound to the TLS channel when asked to.
#[derive(Debug, Clone)]
pub struct CryptoSign {
    key: SigningKey,
    authid: Option<String>,
    authrole: Option<String>,
    channel_binding: Binding,
}

/// Where the channel binding of a cryptosign signature comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Binding {
    None,
    Fixed(Vec<u8>),
    Transport,
}

impl CryptoSign {
    /// Cryptosign with a key; the router finds the principal by the public key.
    pub fn new(key: SigningKey) -> Self {
        Self {
            key,
            authid: None,
            authrole: None,
            channel_binding: Binding::None,
        }
    }

    /// Asks for an authid.
    pub fn with_authid(mut self, authid: impl Into<String>) -> Self {
        self.authid = Some(authid.into());
        self
    }

    /// Asks for a role.
    pub fn with_authrole(mut self, authrole: impl Into<String>) -> Self {
        self.authrole = Some(authrole.into());
        self
    }

    /// Binds the signature to a TLS channel (the 32-byte binding of the
    /// transport, e.g. `TransportDetails::channel_binding`).
    pub fn with_channel_binding(mut self, binding: impl Into<Vec<u8>>) -> Self {
        self.channel_binding = Binding::Fixed(binding.into());
        self
    }

    /// Binds the signature to the TLS channel of the transport the session
    /// runs on (`tls-exporter`); joining over a transport without TLS then
    /// fails. Only our router offers `tls-exporter`: Crossbar.io knows only
    /// `tls-unique` (see [the module docs](self#channel-binding)).
    pub fn with_transport_channel_binding(mut self) -> Self {
        self.channel_binding = Binding::Transport;
        self
    }

    /// The key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }
}

impl Authenticator for CryptoSign {
    fn method(&self) -> &str {
        "cryptosign"
    }

    fn authid(&self) -> Option<&str> {
        self.authid.as_deref()
    }

    fn authrole(&self) -> Option<&str> {
        self.authrole.as_deref()
    }

    fn authextra(&self) -> crate::protocol::Dict {
        let mut extra = crate::protocol::Dict::new();
        extra.insert("pubkey".into(), Value::String(self.key.public_key_hex()));
        if self.channel_binding != Binding::None {
            extra.insert("channel_binding".into(), Value::String(TLS_EXPORTER.into()));
        }
        extra
    }

    fn on_challenge(&self, challenge: &Challenge) -> Result<Authenticate, AuthError> {
        self.on_challenge_bound(challenge, None)
    }

    fn on_challenge_bound(
        &self,
        challenge: &Challenge,
        transport_binding: Option<&[u8]>,
    ) -> Result<Authenticate, AuthError> {
        let text = challenge
            .extra
            .challenge
            .as_deref()
            .ok_or_else(|| AuthError::new("cryptosign challenge without `challenge`"))?;
        let binding = match &self.channel_binding {
            Binding::None => None,
            Binding::Fixed(b) => Some(b.as_slice()),
            Binding::Transport => Some(transport_binding.ok_or_else(|| {
                AuthError::new("channel binding asked for, but the transport has no TLS")
            })?),
        };
        Ok(Authenticate {
            signature: self.key.sign_challenge(text, binding)?,
            extra: AuthenticateExtra::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use sha2::Digest as _;

    use super::*;

    /// The channel id of the Autobahn and spec vectors: SHA-256("some TLS message").
    fn channel_id() -> Vec<u8> {
        sha2::Sha256::digest(b"some TLS message").to_vec()
    }

    const VECTORS: [(&str, &str, &str); 3] = [
        (
            "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "9b6f41540c9b95b4b7b281c3042fa9c54cef43c842d62ea3fd6030fcb66e70b3e80d49d44c29d1635da9348d02ec93f3ed1ef227dfb59a07b580095c2b82f80f9d16ca518aa0c2b707f2b2a609edeca73bca8dd59817a633f35574ac6fd80d00",
        ),
        (
            "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
            "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
            "305aaa3ac25e98f651427688b3fc43fe7d8a68a7ec1d7d61c61517c519bd4a427c3015599d83ca28b4c652333920223844ef0725eb5dc2febfd6af7677b73f01d0852a29b460fc92ec943242ac638a053bbacc200512b18b30d15083cbdc9282",
        ),
        (
            "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
            "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
            "ee3c7644fd8070532bc1fde3d70d742267da545d8c8f03e63bda63f1ad4214f4d2c4bfdb4eb9526def42deeb7e31602a6ff99eba893e0a4ad4d45892ca75e608d2b75e24a189a7f78ca776ba36fc53f6c3e31c32f251f2c524f0a44202f2902d",
        ),
    ];

    #[test]
    fn channel_id_of_the_vectors() {
        assert_eq!(
            hex::encode(channel_id()),
            "62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff"
        );
    }

    #[test]
    fn vectors_with_channel_binding() {
        let cb = channel_id();
        for (seed, challenge, expected) in VECTORS {
            let key = SigningKey::from_hex(seed).unwrap();
            let reply = key.sign_challenge(challenge, Some(&cb)).unwrap();
            assert_eq!(reply, expected);
            assert!(verify_signature(
                &key.public_key_hex(),
                challenge,
                Some(&cb),
                &reply
            ));
            assert!(!verify_signature(
                &key.public_key_hex(),
                challenge,
                None,
                &reply
            ));
        }
    }

    #[test]
    fn vector_without_channel_binding() {
        let key = SigningKey::from_hex(VECTORS[0].0).unwrap();
        let reply = key.sign_challenge(&"ff".repeat(32), None).unwrap();
        assert_eq!(
            reply,
            format!(
                "b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e6e75013517c2cf067ad566a6b7b728e5d03{}",
                "ff".repeat(32)
            )
        );
    }

    #[test]
    fn verify_rejects_forgeries() {
        let key = SigningKey::generate();
        let other = SigningKey::generate();
        let challenge = "ab".repeat(32);
        let reply = key.sign_challenge(&challenge, None).unwrap();
        assert!(verify_signature(
            &key.public_key_hex(),
            &challenge,
            None,
            &reply
        ));
        assert!(!verify_signature(
            &other.public_key_hex(),
            &challenge,
            None,
            &reply
        ));
        assert!(!verify_signature(
            &key.public_key_hex(),
            &"cd".repeat(32),
            None,
            &reply
        ));
        let mut tampered = reply.clone().into_bytes();
        tampered[0] = if tampered[0] == b'0' { b'1' } else { b'0' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(!verify_signature(
            &key.public_key_hex(),
            &challenge,
            None,
            &tampered
        ));
        assert!(!verify_signature(
            &key.public_key_hex(),
            &challenge,
            None,
            "zz"
        ));
        assert!(key.sign_challenge("abcd", None).is_err());
    }

    #[test]
    fn transport_binding_is_used_when_asked_for() {
        let key = SigningKey::from_hex(VECTORS[0].0).unwrap();
        let challenge = Challenge {
            authmethod: "cryptosign".into(),
            extra: crate::protocol::options::ChallengeExtra {
                challenge: Some(VECTORS[0].1.into()),
                ..Default::default()
            },
        };
        let bound = CryptoSign::new(key.clone()).with_transport_channel_binding();
        assert_eq!(
            bound
                .authextra()
                .get("channel_binding")
                .and_then(Value::as_str),
            Some("tls-exporter")
        );
        let cb = channel_id();
        let reply = bound.on_challenge_bound(&challenge, Some(&cb)).unwrap();
        assert_eq!(reply.signature, VECTORS[0].2);
        assert!(bound.on_challenge_bound(&challenge, None).is_err());
        let unbound = CryptoSign::new(key).on_challenge_bound(&challenge, Some(&cb));
        assert_ne!(unbound.unwrap().signature, VECTORS[0].2);
    }

    #[test]
    fn hello_carries_the_public_key() {
        let key = SigningKey::from_hex(VECTORS[0].0).unwrap();
        let auth = CryptoSign::new(key.clone());
        assert_eq!(
            auth.authextra().get("pubkey").and_then(Value::as_str),
            Some(key.public_key_hex().as_str())
        );
    }
}

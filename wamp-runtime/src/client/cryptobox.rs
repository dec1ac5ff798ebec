//! The `cryptobox` payload codec, wire compatible with Autobahn|Python's
//! `autobahn.wamp.cryptobox.KeyRing`: a NaCl box (Curve25519,
//! XSalsa20-Poly1305) per URI, looked up by the longest matching prefix
//! (character-wise, as Autobahn's string trie), else a default key.
//!
//! The plaintext is the JSON object `{"uri": .., "args": [..] | null,
//! "kwargs": {..} | null}`; the payload is the 24-byte random nonce followed
//! by the box's ciphertext; `enc_algo` is `cryptobox`, `enc_serializer`
//! `json`, no `enc_key`.
//!
//! ```
//! use std::sync::Arc;
//! use wamp::client::cryptobox::{Key, KeyRing};
//!
//! let (private, _public) = KeyRing::generate_key();
//! let mut ring = KeyRing::new();
//! ring.set_key("com.example.secret.", Key::shared(&private).unwrap());
//! // session.set_payload_codec(Some(Arc::new(ring)));
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use crypto_box::aead::{Aead, AeadCore, OsRng};
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use serde::{Deserialize, Serialize};

use super::codec::{EncodedPayload, PayloadCodec};
use crate::client::error::Error;
use crate::protocol::uris;
use crate::protocol::{Dict, Payload, Value};

const NONCE: usize = 24;

fn bad_key(what: &str) -> Error {
    Error::message(
        uris::INVALID_ARGUMENT,
        format!("{what} must be 32 bytes in base64"),
    )
}

fn key_bytes(b64: &str, what: &str) -> Result<[u8; 32], Error> {
    BASE64
        .decode(b64.trim())
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| bad_key(what))
}

/// The boxes of one URI space: the originator's (caller, publisher) and the
/// responder's (callee, subscriber), as Autobahn's `cryptobox.Key`.
#[derive(Clone)]
pub struct Key {
    originator: Option<std::sync::Arc<SalsaBox>>,
    responder: Option<std::sync::Arc<SalsaBox>>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("originator", &self.originator.is_some())
            .field("responder", &self.responder.is_some())
            .finish()
    }
}

impl Key {
    /// One private key (base64) for both roles, as Autobahn's
    /// `KeyRing.set_key(uri, "<private key>")`.
    pub fn shared(private_b64: &str) -> Result<Self, Error> {
        Key::new(Some(private_b64), None, Some(private_b64), None)
    }

    /// The keys of both parties (base64), as Autobahn's `Key(originator_priv,
    /// originator_pub, responder_priv, responder_pub)`: an originator needs
    /// its private key and the responder's public key, a responder the
    /// converse.
    pub fn new(
        originator_priv: Option<&str>,
        originator_pub: Option<&str>,
        responder_priv: Option<&str>,
        responder_pub: Option<&str>,
    ) -> Result<Self, Error> {
        let secret = |k: Option<&str>, what| -> Result<Option<SecretKey>, Error> {
            k.map(|k| key_bytes(k, what).map(SecretKey::from))
                .transpose()
        };
        let public = |k: Option<&str>, what| -> Result<Option<PublicKey>, Error> {
            k.map(|k| key_bytes(k, what).map(PublicKey::from))
                .transpose()
        };
        let o_priv = secret(originator_priv, "originator_priv")?;
        let r_priv = secret(responder_priv, "responder_priv")?;
        let o_pub = match &o_priv {
            Some(k) => Some(k.public_key()),
            None => public(originator_pub, "originator_pub")?,
        };
        let r_pub = match &r_priv {
            Some(k) => Some(k.public_key()),
            None => public(responder_pub, "responder_pub")?,
        };
        let originator = match (&o_priv, &r_pub) {
            (Some(s), Some(p)) => Some(std::sync::Arc::new(SalsaBox::new(p, s))),
            _ => None,
        };
        let responder = match (&r_priv, &o_pub) {
            (Some(s), Some(p)) => Some(std::sync::Arc::new(SalsaBox::new(p, s))),
            _ => None,
        };
        if originator.is_none() && responder.is_none() {
            return Err(Error::message(
                uris::INVALID_ARGUMENT,
                "insufficient keys for the originator or the responder role",
            ));
        }
        Ok(Key {
            originator,
            responder,
        })
    }
}

/// Keys by URI prefix, plus a default: the `cryptobox` [`PayloadCodec`].
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: Vec<(String, Key)>,
    default: Option<Key>,
}

#[derive(Serialize, Deserialize)]
struct Plain {
    uri: Option<String>,
    args: Option<Vec<Value>>,
    kwargs: Option<Dict>,
}

impl KeyRing {
    /// An empty key ring (nothing encrypted).
    pub fn new() -> Self {
        Self::default()
    }

    /// A new private key and its public key, in base64.
    pub fn generate_key() -> (String, String) {
        let secret = SecretKey::generate(&mut OsRng);
        (
            BASE64.encode(secret.to_bytes()),
            BASE64.encode(secret.public_key().as_bytes()),
        )
    }

    /// Sets the key of a URI prefix (`""`: the default key).
    pub fn set_key(&mut self, uri: &str, key: Key) {
        if uri.is_empty() {
            self.default = Some(key);
            return;
        }
        self.keys.retain(|(u, _)| u != uri);
        self.keys.push((uri.to_owned(), key));
    }

    fn find(&self, originating: bool, uri: &str) -> Option<&SalsaBox> {
        let key = self
            .keys
            .iter()
            .filter(|(prefix, _)| uri.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, k)| k)
            .or(self.default.as_ref())?;
        if originating {
            key.originator.as_deref()
        } else {
            key.responder.as_deref()
        }
    }
}

fn invalid(text: String) -> Error {
    Error::message(uris::ENCRYPTION_DECRYPT_ERROR, text)
}

impl PayloadCodec for KeyRing {
    fn encode(
        &self,
        originating: bool,
        uri: &str,
        payload: &Payload,
    ) -> Result<Option<EncodedPayload>, Error> {
        let Some(sealer) = self.find(originating, uri) else {
            return Ok(None);
        };
        let args = payload.args_values()?;
        let kwargs = payload.kwargs_values()?;
        let plain = Plain {
            uri: Some(uri.to_owned()),
            args: (!args.is_empty()).then_some(args),
            kwargs: (!kwargs.is_empty()).then_some(kwargs),
        };
        let text = serde_json::to_vec(&plain)
            .map_err(|e| invalid(format!("cannot serialize the payload to encrypt: {e}")))?;
        let nonce = SalsaBox::generate_nonce(&mut OsRng);
        let sealed = sealer
            .encrypt(&nonce, text.as_slice())
            .map_err(|_| invalid("cannot encrypt the payload".into()))?;
        let mut out = Vec::with_capacity(NONCE + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(Some(EncodedPayload {
            payload: out.into(),
            algo: "cryptobox".into(),
            serializer: Some("json".into()),
            key: None,
        }))
    }

    fn decode(
        &self,
        originating: bool,
        uri: &str,
        encoded: &EncodedPayload,
    ) -> Result<Payload, Error> {
        if encoded.algo != "cryptobox" {
            return Err(invalid(format!(
                "cannot open a payload encrypted with {}: only cryptobox is known",
                encoded.algo
            )));
        }
        let Some(opener) = self.find(originating, uri) else {
            return Err(invalid(format!(
                "received an encrypted payload for <{uri}>, but have no key for it"
            )));
        };
        if encoded.serializer.as_deref().is_some_and(|s| s != "json") {
            return Err(invalid(format!(
                "encrypted payload serializer {:?} is not supported (only json)",
                encoded.serializer
            )));
        }
        let bytes = &encoded.payload;
        if bytes.len() < NONCE {
            return Err(invalid(format!(
                "encrypted payload for <{uri}> is too short ({} bytes)",
                bytes.len()
            )));
        }
        let (nonce, sealed) = bytes.split_at(NONCE);
        let text = opener.decrypt(nonce.into(), sealed).map_err(|_| {
            invalid(format!(
                "cannot decrypt the payload for <{uri}> (wrong key or corrupt ciphertext)"
            ))
        })?;
        let plain: Plain = serde_json::from_slice(&text).map_err(|e| {
            invalid(format!(
                "decrypted payload for <{uri}> is not the expected JSON: {e}"
            ))
        })?;
        if let Some(inner) = plain.uri.as_deref()
            && inner != uri
        {
            return Err(Error::message(
                uris::ENCRYPTION_TRUSTED_URI_MISMATCH,
                format!(
                    "the URI inside the encrypted payload (<{inner}>) is not the message's (<{uri}>)"
                ),
            ));
        }
        Ok(Payload::from_values(
            plain.args.unwrap_or_default(),
            plain.kwargs.unwrap_or_default(),
        ))
    }
}

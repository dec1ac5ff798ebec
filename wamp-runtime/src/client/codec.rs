//! End-to-end payload encryption: a [`PayloadCodec`] set on a
//! [`Session`](crate::Session) turns the arguments of the messages it sends
//! into an opaque payload (`enc_algo`, `enc_serializer`, `enc_key` in the
//! options or details, the payload as the message's only payload element,
//! as Autobahn|Python's payload transparency does) and opens the ones it
//! receives. The router forwards such payloads without reading them.
//!
//! Which URI keys a payload follows Autobahn|Python: the procedure for
//! CALL, INVOCATION, YIELD and RESULT; the topic for PUBLISH and EVENT; the
//! error URI for ERROR. The sender is "originating" for CALL, PUBLISH (and
//! the caller reading RESULT or ERROR); the callee and subscriber are the
//! responders. [`KeyRing`](crate::client::cryptobox::KeyRing) is the
//! `cryptobox` codec.
//!
//! A payload that cannot be opened fails with Autobahn|Python's URIs
//! (`wamp.error.no_payload_codec`, `wamp.error.encryption.decrypt_error`,
//! `wamp.error.encryption.trusted_uri_mismatch`):
//! the caller's call (RESULT/ERROR), the callee's invocation (answered to the
//! caller with that ERROR, the handler not run), the event (logged, the
//! handler not run).

use bytes::Bytes;

use crate::client::error::Error;
use crate::protocol::Payload;
use crate::protocol::options::EncAlgo;
use crate::protocol::uris;

/// An encrypted (transparent) payload and how to open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPayload {
    /// The opaque bytes.
    pub payload: Bytes,
    /// `enc_algo`, e.g. `cryptobox`.
    pub algo: String,
    /// `enc_serializer` of the plaintext, e.g. `json`.
    pub serializer: Option<String>,
    /// `enc_key`, the key ID, if any.
    pub key: Option<String>,
}

/// Encrypts and decrypts application payloads (see the module docs).
pub trait PayloadCodec: Send + Sync + 'static {
    /// Encrypts `payload` sent under `uri`; `None` sends it in clear (no key
    /// for this URI).
    fn encode(
        &self,
        originating: bool,
        uri: &str,
        payload: &Payload,
    ) -> Result<Option<EncodedPayload>, Error>;

    /// Decrypts a payload received under `uri`.
    fn decode(
        &self,
        originating: bool,
        uri: &str,
        encoded: &EncodedPayload,
    ) -> Result<Payload, Error>;
}

/// The options fields of an encoded payload.
pub(crate) struct EncFields {
    pub(crate) algo: Option<EncAlgo>,
    pub(crate) key: Option<String>,
    pub(crate) serializer: Option<String>,
}

impl EncFields {
    /// No encryption.
    pub(crate) fn none() -> Self {
        EncFields {
            algo: None,
            key: None,
            serializer: None,
        }
    }
}

/// Encodes `payload` with `codec` when there is one and it has a key.
pub(crate) fn seal(
    codec: Option<&dyn PayloadCodec>,
    originating: bool,
    uri: &str,
    payload: Payload,
) -> Result<(Payload, EncFields), Error> {
    let Some(codec) = codec else {
        return Ok((payload, EncFields::none()));
    };
    match codec.encode(originating, uri, &payload)? {
        None => Ok((payload, EncFields::none())),
        Some(e) => {
            let algo = EncAlgo::new(e.algo.clone()).ok_or_else(|| {
                Error::message(
                    uris::INVALID_ARGUMENT,
                    format!("payload codec gave an invalid enc_algo {:?}", e.algo),
                )
            })?;
            Ok((
                Payload::transparent(e.payload),
                EncFields {
                    algo: Some(algo),
                    key: e.key,
                    serializer: e.serializer,
                },
            ))
        }
    }
}

/// Decodes a received payload when it is encrypted (`algo` set); a clear
/// payload is returned as is.
pub(crate) fn open(
    codec: Option<&dyn PayloadCodec>,
    originating: bool,
    uri: &str,
    payload: Payload,
    algo: Option<&EncAlgo>,
    key: Option<&String>,
    serializer: Option<&String>,
) -> Result<Payload, Error> {
    let Some(algo) = algo else {
        return Ok(payload);
    };
    let Some(codec) = codec else {
        return Err(Error::message(
            uris::NO_PAYLOAD_CODEC,
            format!(
                "received a payload encrypted with {}, but this session has no payload codec",
                algo.as_str()
            ),
        ));
    };
    let Some(bytes) = payload.transparent_bytes() else {
        return Err(Error::message(
            uris::INVALID_PAYLOAD,
            "an encrypted payload must be a single binary (or string) element",
        ));
    };
    let encoded = EncodedPayload {
        payload: bytes.clone(),
        algo: algo.as_str().to_owned(),
        serializer: serializer.cloned(),
        key: key.cloned(),
    };
    codec.decode(originating, uri, &encoded)
}

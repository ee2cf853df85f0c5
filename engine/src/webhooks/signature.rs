//! The signature stage: is this body from someone who holds the route's secret?
//!
//! Every comparison is constant-time (`Mac::verify_slice`, or `subtle` over SHA-256
//! digests for a shared header secret, which also hides the secret's length). A
//! header sent twice, a value that is not hex, a secret that did not decrypt: all
//! are a failed signature, never a pass. The caller learns only yes or no, so the
//! 401 cannot tell an attacker which part was wrong.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::headers::Headers;
use crate::config::{Verification, VerificationKind};

type HmacSha256 = Hmac<Sha256>;

/// More `v1=` values than this in one header is not secret rotation but a search.
const MAX_SIGNATURES: usize = 8;

/// Whether `body`, as received with `headers` at `now` (Unix seconds), is signed
/// with the route's secret.
pub(crate) fn verify(verification: &Verification, headers: &dyn Headers, body: &[u8], now: u64) -> bool {
    let Ok(secret) = verification.secret.expose() else {
        return false;
    };
    match verification.kind {
        VerificationKind::Hmac => hmac_header(verification, secret, headers, body),
        VerificationKind::HmacTimestamped => timestamped(verification, secret, headers, body, now),
        VerificationKind::HeaderSecret => shared_secret(verification, secret, headers),
    }
}

fn hmac_header(verification: &Verification, secret: &str, headers: &dyn Headers, body: &[u8]) -> bool {
    let Some(value) = headers.single(&verification.signature_header_name) else {
        return false;
    };
    let Some(hex) = strip_prefix(value, verification.signature_prefix.as_deref()) else {
        return false;
    };
    let Some(signature) = decode_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}

/// Stripe's scheme: `t=<unix>,v1=<hex>[,v1=<hex>…]` over `t` + separator + body.
/// Several `v1` are accepted so a sender can sign with old and new secrets while
/// rotating; the timestamp bounds replay to the tolerance either side of `now`.
fn timestamped(verification: &Verification, secret: &str, headers: &dyn Headers, body: &[u8], now: u64) -> bool {
    let Some(value) = headers.single(&verification.signature_header_name) else {
        return false;
    };
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in value.split(',') {
        let Some((key, item)) = part.trim().split_once('=') else {
            return false;
        };
        if key == verification.timestamp_field {
            if timestamp.replace(item).is_some() {
                return false;
            }
        } else if key == verification.signature_field {
            signatures.push(item);
        }
    }
    let Some(stamp) = timestamp else {
        return false;
    };
    let fresh = stamp.bytes().all(|b| b.is_ascii_digit())
        && stamp.parse::<u64>().is_ok_and(|t| t.abs_diff(now) <= u64::from(verification.tolerance_seconds));
    if !fresh || signatures.is_empty() || signatures.len() > MAX_SIGNATURES {
        return false;
    }
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(stamp.as_bytes());
    mac.update(verification.signed_payload_separator.as_bytes());
    mac.update(body);
    // Every candidate is checked, so the time taken does not say which one matched.
    signatures.iter().fold(false, |matched, hex| {
        let ok = decode_hex(hex).is_some_and(|sig| mac.clone().verify_slice(&sig).is_ok());
        matched | ok
    })
}

fn shared_secret(verification: &Verification, secret: &str, headers: &dyn Headers) -> bool {
    let Some(value) = headers.single(&verification.secret_header_name) else {
        return false;
    };
    let sent = Sha256::digest(value.as_bytes());
    let expected = Sha256::digest(secret.as_bytes());
    sent.as_slice().ct_eq(expected.as_slice()).into()
}

/// The value without its configured prefix (ASCII case-insensitive: `SHA256=` is the
/// same claim); a value without the prefix is not a signature in this route's format.
fn strip_prefix<'a>(value: &'a str, prefix: Option<&str>) -> Option<&'a str> {
    let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
        return Some(value);
    };
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| value.get(prefix.len()..)).flatten()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks_exact(2).map(|pair| Some(nibble(*pair.first()?)? << 4 | nibble(*pair.get(1)?)?)).collect()
}

fn nibble(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Signs `payload` as a sender would.
#[cfg(test)]
pub(crate) fn sign_hex(secret: &str, payload: &[u8]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(payload);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

//! Hashes, MACs and the `V11` key derivation.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sm3::Sm3;

use super::Algorithm;

/// Lower-case hex of SHA-256 or SM3 of `data`, the hash the algorithm uses.
pub(crate) fn hash_hex(algorithm: Algorithm, data: &[u8]) -> String {
    Hex32::of(&AnyHash::digest(algorithm, data))
        .as_str()
        .to_owned()
}

/// The lower-case hex text of a 32-byte digest (SHA-256 and SM3 both give 32), on the stack.
pub(crate) struct Hex32([u8; 64]);

impl Hex32 {
    pub(crate) const LEN: usize = 64;

    pub(crate) fn of(digest: &[u8; 32]) -> Self {
        let mut out = [0u8; 64];
        hex::encode_to_slice(digest, &mut out).expect("64 bytes hold 32 in hex");
        Hex32(out)
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

/// The algorithm's hash, fed piece by piece.
pub(crate) enum AnyHash {
    Sha256(Sha256),
    Sm3(Sm3),
}

impl AnyHash {
    pub(crate) fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::HmacSha256 | Algorithm::V11HmacSha256 => AnyHash::Sha256(Sha256::new()),
            Algorithm::HmacSm3 => AnyHash::Sm3(Sm3::new()),
        }
    }

    /// The hash of `data` in one go.
    pub(crate) fn digest(algorithm: Algorithm, data: &[u8]) -> [u8; 32] {
        let mut h = AnyHash::new(algorithm);
        h.update(data);
        h.finalize()
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            AnyHash::Sha256(h) => h.update(data),
            AnyHash::Sm3(h) => h.update(data),
        }
    }

    pub(crate) fn finalize(self) -> [u8; 32] {
        match self {
            AnyHash::Sha256(h) => h.finalize().into(),
            AnyHash::Sm3(h) => h.finalize().into(),
        }
    }
}

/// A keyed MAC of the algorithm's hash.
#[derive(Clone)]
pub(crate) enum AnyMac {
    Sha256(Hmac<Sha256>),
    Sm3(Hmac<Sm3>),
}

impl AnyMac {
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        match algorithm {
            Algorithm::HmacSha256 | Algorithm::V11HmacSha256 => AnyMac::Sha256(
                Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length"),
            ),
            Algorithm::HmacSm3 => {
                AnyMac::Sm3(Hmac::<Sm3>::new_from_slice(key).expect("HMAC accepts any key length"))
            }
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            AnyMac::Sha256(m) => m.update(data),
            AnyMac::Sm3(m) => m.update(data),
        }
    }

    pub(crate) fn finalize(self) -> [u8; 32] {
        match self {
            AnyMac::Sha256(m) => m.finalize().into_bytes().into(),
            AnyMac::Sm3(m) => m.finalize().into_bytes().into(),
        }
    }

    /// Constant-time comparison with `expected` (raw MAC bytes).
    pub(crate) fn verify(self, expected: &[u8]) -> bool {
        match self {
            AnyMac::Sha256(m) => m.verify_slice(expected).is_ok(),
            AnyMac::Sm3(m) => m.verify_slice(expected).is_ok(),
        }
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// The `V11-HMAC-SHA256` signing key for `info` (`YYYYMMDD/region/service`).
///
/// This is single-block HKDF-SHA256 (RFC 5869) with the access key as salt and the secret key
/// as input keying material: `PRK = HMAC(AK, SK)`, `OKM = HMAC(PRK, info || 0x01)` (32 bytes).
/// The MAC key is the lower-case **hex text** of `OKM` (64 ASCII bytes), not the raw bytes.
pub fn derive_v11_key(access_key: &str, secret_key: &str, info: &str) -> String {
    let prk = hmac_sha256(access_key.as_bytes(), &[secret_key.as_bytes()]);
    let okm = hmac_sha256(&prk, &[info.as_bytes(), &[1u8]]);
    hex::encode(okm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hashes() {
        assert_eq!(
            hash_hex(Algorithm::HmacSha256, b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hash_hex(Algorithm::HmacSm3, b""),
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
        );
        // GB/T 32905-2016 example: SM3("abc").
        assert_eq!(
            hash_hex(Algorithm::HmacSm3, b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn v11_key_is_hex_of_single_block_hkdf() {
        let k = derive_v11_key("ak", "sk", "20240315/r/s");
        assert_eq!(k.len(), 64);
        let prk = hmac_sha256(b"ak", &[b"sk"]);
        let t1 = hmac_sha256(&prk, &[b"20240315/r/s\x01"]);
        assert_eq!(k, hex::encode(t1));
    }

    #[test]
    fn hex32_matches_hex_encode() {
        let digest: [u8; 32] = std::array::from_fn(|i| (i * 37 + 5) as u8);
        assert_eq!(Hex32::of(&digest).as_str(), hex::encode(digest));
        let mut h = AnyHash::new(Algorithm::HmacSha256);
        h.update(b"ab");
        h.update(b"c");
        assert_eq!(
            Hex32::of(&h.finalize()).as_str(),
            hash_hex(Algorithm::HmacSha256, b"abc")
        );
    }

    #[test]
    fn mac_verify_is_exact() {
        let mut m = AnyMac::new(Algorithm::HmacSha256, b"key");
        m.update(b"data");
        let hexsig = Hex32::of(&m.finalize()).as_str().to_owned();
        let raw = hex::decode(&hexsig).unwrap();
        let mut m = AnyMac::new(Algorithm::HmacSha256, b"key");
        m.update(b"data");
        assert!(m.verify(&raw));
        let mut bad = raw.clone();
        bad[31] ^= 1;
        let mut m = AnyMac::new(Algorithm::HmacSha256, b"key");
        m.update(b"data");
        assert!(!m.verify(&bad));
        let m = AnyMac::new(Algorithm::HmacSm3, b"key");
        assert!(!m.verify(&raw[..16]));
    }
}

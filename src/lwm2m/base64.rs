//! Base64 (RFC 4648) as LwM2M uses it, on the `base64` crate: plain text carries Opaque values
//! as standard base64 (LwM2M 1.1), SenML `vd` uses base64url without padding (RFC 8428 §4.3).
//! Decoding takes either alphabet, padded or not, since a peer may send either.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn encode_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes either alphabet, padded or not. Returns the offset of the first offending character
/// on failure.
pub fn decode(s: &str) -> Result<Vec<u8>, usize> {
    let url = s.contains(['-', '_']);
    let engine = if url { &URL_SAFE } else { &STANDARD };
    engine.decode(s).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, _) => at,
        base64::DecodeError::InvalidLastSymbol { offset, .. } => offset,
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => {
            s.trim_end_matches('=').len().saturating_sub(1)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc), Ok(plain.as_bytes().to_vec()));
            assert_eq!(decode(enc.trim_end_matches('=')), Ok(plain.as_bytes().to_vec()));
        }
        assert_eq!(encode_url(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8"), Ok(vec![0xfb, 0xff]));
        assert!(decode("a").is_err());
        assert!(decode("ab!c").is_err());
        assert!(decode("a===").is_err());
    }
}

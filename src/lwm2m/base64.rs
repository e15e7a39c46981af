//! Minimal base64 (RFC 4648) so the crate needs no extra dependency.
//! Plain text carries Opaque values as standard base64 (LwM2M 1.1) and
//! SenML `vd` uses base64url without padding (RFC 8428 section 4.3).

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            if i < symbols {
                let idx = ((n >> (18 - 6 * i)) & 0x3f) as usize;
                out.push(char::from(alphabet[idx]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

pub fn encode(bytes: &[u8]) -> String {
    encode_with(bytes, STD, true)
}

pub fn encode_url(bytes: &[u8]) -> String {
    encode_with(bytes, URL, false)
}

/// Decodes either alphabet, padded or not. Returns the offset of the first
/// offending character on failure.
pub fn decode(s: &str) -> Result<Vec<u8>, usize> {
    let trimmed = s.trim_end_matches('=');
    if s.len() - trimmed.len() > 2 {
        return Err(trimmed.len());
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for (i, c) in trimmed.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return Err(i),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // A lone trailing symbol (6 bits) cannot encode a byte.
    if trimmed.len() % 4 == 1 {
        return Err(trimmed.len().saturating_sub(1));
    }
    Ok(out)
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

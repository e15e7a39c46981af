//! CoAP method and response codes (RFC 7252 §12.1), as a newtype over the wire byte so that
//! codes with no name (a device's mistake, or a test's deliberate probe) stay representable.

use std::fmt;
use std::str::FromStr;

/// A CoAP code byte: class in the top 3 bits, detail in the low 5 (RFC 7252 §3), printed `c.dd` or
/// as the method name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(pub u8);

impl Code {
    /// 0.00: an Empty message (RFC 7252 §4.1): a bare ACK or RST, or a CoAP ping.
    pub const EMPTY: Code = Code(0x00);
    /// 0.01 GET: LwM2M Read, Discover and Observe.
    pub const GET: Code = Code(0x01);
    /// 0.02 POST: LwM2M Register, Update, Execute, Create, Bootstrap-Request/-Finish and partial Write.
    pub const POST: Code = Code(0x02);
    /// 0.03 PUT: LwM2M Write (replace) and Write-Attributes.
    pub const PUT: Code = Code(0x03);
    /// 0.04 DELETE: LwM2M Delete and De-register.
    pub const DELETE: Code = Code(0x04);
    /// 0.05 FETCH (RFC 8132): LwM2M 1.1 Read-Composite and Observe-Composite.
    pub const FETCH: Code = Code(0x05);
    /// 0.07 iPATCH (RFC 8132): LwM2M 1.1 Write-Composite.
    pub const IPATCH: Code = Code(0x07);
    /// 2.01 Created: the answer to Register and Create.
    pub const CREATED: Code = Code(0x41);
    /// 2.02 Deleted: the answer to Delete and De-register.
    pub const DELETED: Code = Code(0x42);
    /// 2.04 Changed: the answer to Write, Execute, Update, Write-Attributes and Bootstrap-Finish.
    pub const CHANGED: Code = Code(0x44);
    /// 2.05 Content: the answer to Read, Discover and Observe, and every notification.
    pub const CONTENT: Code = Code(0x45);
    /// 4.00 Bad Request: a malformed request, or a payload the receiver cannot decode.
    pub const BAD_REQUEST: Code = Code(0x80);
    /// 4.01 Unauthorized: access right permission denied.
    pub const UNAUTHORIZED: Code = Code(0x81);
    /// 4.02 Bad Option: an unrecognised critical option (RFC 7252 §5.4.1).
    pub const BAD_OPTION: Code = Code(0x82);
    /// 4.04 Not Found: the target Object, Instance or Resource does not exist.
    pub const NOT_FOUND: Code = Code(0x84);
    /// 4.05 Method Not Allowed: the operation is not supported on the target.
    pub const METHOD_NOT_ALLOWED: Code = Code(0x85);
    /// 4.06 Not Acceptable: none of the preferred Content-Formats (Accept) can be returned.
    pub const NOT_ACCEPTABLE: Code = Code(0x86);
    /// 4.15 Unsupported Content-Format: a payload in a Content-Format the receiver does not read.
    pub const UNSUPPORTED_CONTENT_FORMAT: Code = Code(0x8f);
    /// 5.00 Internal Server Error.
    pub const INTERNAL_SERVER_ERROR: Code = Code(0xa0);

    /// The class, 0-7: 0 request, 2 success, 4 client error, 5 server error.
    pub fn class(self) -> u8 {
        self.0 >> 5
    }

    /// The detail, 0-31: the `dd` of `c.dd`.
    pub fn detail(self) -> u8 {
        self.0 & 0x1f
    }

    /// Whether this is a method code (class 0 other than Empty).
    pub fn is_request(self) -> bool {
        self.class() == 0 && self.0 != 0
    }

    /// Whether this is a response code (class 2, 3, 4 or 5).
    pub fn is_response(self) -> bool {
        (2..=5).contains(&self.class())
    }

    /// The method's name for GET, POST, PUT, DELETE, FETCH, PATCH and iPATCH; None for any other code.
    pub fn method_name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x01 => "GET",
            0x02 => "POST",
            0x03 => "PUT",
            0x04 => "DELETE",
            0x05 => "FETCH",
            0x06 => "PATCH",
            0x07 => "iPATCH",
            _ => return None,
        })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.method_name() {
            Some(m) => f.write_str(m),
            None if self.0 == 0 => f.write_str("EMPTY"),
            None => write!(f, "{}.{:02}", self.class(), self.detail()),
        }
    }
}

/// A string that is neither a method name nor a `c.dd` code with class ≤ 7 and detail ≤ 31.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a CoAP code: use a method (GET, POST, PUT, DELETE) or c.dd such as 2.05")]
pub struct CodeError(String);

impl FromStr for Code {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Code, CodeError> {
        let t = s.trim();
        match t.to_ascii_uppercase().as_str() {
            "GET" => return Ok(Code::GET),
            "POST" => return Ok(Code::POST),
            "PUT" => return Ok(Code::PUT),
            "DELETE" => return Ok(Code::DELETE),
            "FETCH" => return Ok(Code::FETCH),
            _ => {}
        }
        let err = || CodeError(s.to_string());
        let (c, d) = t.split_once('.').ok_or_else(err)?;
        let c: u8 = c.parse().map_err(|_| err())?;
        let d: u8 = d.parse().map_err(|_| err())?;
        if c > 7 || d > 31 {
            return Err(err());
        }
        Ok(Code((c << 5) | d))
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        // YAML reads 2.05 as a float; accept both the number and the string.
        let v = serde_yaml::Value::deserialize(d)?;
        let s = match &v {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => {
                let f = n.as_f64().unwrap_or(-1.0);
                format!("{:.2}", f)
            }
            _ => {
                return Err(serde::de::Error::custom(
                    "expected a CoAP code like 2.05 or a method name",
                ));
            }
        };
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_print_and_parse_in_dotted_form() {
        assert_eq!(Code::CONTENT.to_string(), "2.05");
        assert_eq!(Code::NOT_FOUND.to_string(), "4.04");
        assert_eq!("2.01".parse::<Code>().ok(), Some(Code::CREATED));
        assert_eq!("post".parse::<Code>().ok(), Some(Code::POST));
        assert!("9.99".parse::<Code>().is_err());
        let c: Code = serde_yaml::from_str("2.04").expect("float form");
        assert_eq!(c, Code::CHANGED);
        // YAML floats lose trailing zeros: 2.4 is 2.40, which is no code; quote codes in YAML.
        assert!(serde_yaml::from_str::<Code>("2.4").is_err());
    }
}

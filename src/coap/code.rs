//! CoAP method and response codes (RFC 7252 §12.1), as a newtype over the wire byte so that
//! codes with no name (a device's mistake, or a test's deliberate probe) stay representable.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(pub u8);

impl Code {
    pub const EMPTY: Code = Code(0x00);
    pub const GET: Code = Code(0x01);
    pub const POST: Code = Code(0x02);
    pub const PUT: Code = Code(0x03);
    pub const DELETE: Code = Code(0x04);
    pub const FETCH: Code = Code(0x05);
    pub const CREATED: Code = Code(0x41);
    pub const DELETED: Code = Code(0x42);
    pub const CHANGED: Code = Code(0x44);
    pub const CONTENT: Code = Code(0x45);
    pub const BAD_REQUEST: Code = Code(0x80);
    pub const UNAUTHORIZED: Code = Code(0x81);
    pub const BAD_OPTION: Code = Code(0x82);
    pub const NOT_FOUND: Code = Code(0x84);
    pub const METHOD_NOT_ALLOWED: Code = Code(0x85);
    pub const NOT_ACCEPTABLE: Code = Code(0x86);
    pub const INTERNAL_SERVER_ERROR: Code = Code(0xa0);

    pub fn class(self) -> u8 {
        self.0 >> 5
    }

    pub fn detail(self) -> u8 {
        self.0 & 0x1f
    }

    pub fn is_request(self) -> bool {
        self.class() == 0 && self.0 != 0
    }

    pub fn is_response(self) -> bool {
        (2..=5).contains(&self.class())
    }

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

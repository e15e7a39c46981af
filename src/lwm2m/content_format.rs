//! CoAP Content-Format numbers used by LwM2M.
//!
//! Numbers are from the IANA CoAP Content-Formats registry as listed by the
//! LwM2M 1.1 Core TS (text/plain 0, link-format 40, octet-stream 42, cbor 60,
//! senml+json 110, senml+cbor 112, vnd.oma.lwm2m+tlv 11542,
//! vnd.oma.lwm2m+json 11543). Before registration, LwM2M 1.0 drafts and
//! early clients (Leshan/Wakaama "OLD" codes, Copper, Awa) used 1541 text,
//! 1542 tlv, 1543 json and 1544 opaque; devices still send them, so the
//! decoder treats them as aliases while `Display` keeps the raw number
//! visible in transcripts.

use std::fmt;

/// A newtype rather than an enum so that an unknown number a device sends
/// can still be carried, printed and compared.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ContentFormat(pub u16);

/// (format, short name, MIME type) for every registered LwM2M format.
const KNOWN: [(ContentFormat, &str, &str); 9] = [
    (ContentFormat::TEXT, "text", "text/plain"),
    (ContentFormat::LINK_FORMAT, "link-format", "application/link-format"),
    (ContentFormat::OPAQUE, "opaque", "application/octet-stream"),
    (ContentFormat::CBOR, "cbor", "application/cbor"),
    (ContentFormat::SENML_JSON, "senml-json", "application/senml+json"),
    (ContentFormat::SENML_CBOR, "senml-cbor", "application/senml+cbor"),
    (ContentFormat::TLV, "tlv", "application/vnd.oma.lwm2m+tlv"),
    (
        ContentFormat::LWM2M_JSON,
        "lwm2m-json",
        "application/vnd.oma.lwm2m+json",
    ),
    (
        ContentFormat::LWM2M_CBOR,
        "lwm2m-cbor",
        "application/vnd.oma.lwm2m+cbor",
    ),
];

impl ContentFormat {
    /// text/plain (0): one Resource value as text (TS 1.0.2 §6.4.1).
    pub const TEXT: Self = Self(0);
    /// application/link-format (40, RFC 6690): Register/Update object lists and Discover answers.
    pub const LINK_FORMAT: Self = Self(40);
    /// application/octet-stream (42): one Opaque Resource's bytes (TS 1.0.2 §6.4.2).
    pub const OPAQUE: Self = Self(42);
    /// application/cbor (60): one Resource value as a CBOR item (TS 1.1 §7.4.6).
    pub const CBOR: Self = Self(60);
    /// application/senml+json (110, RFC 8428): LwM2M 1.1's JSON format (TS 1.1 §7.4.4).
    pub const SENML_JSON: Self = Self(110);
    /// application/senml+cbor (112): SenML with CBOR encoding (TS 1.1 §7.4.5).
    pub const SENML_CBOR: Self = Self(112);
    /// application/vnd.oma.lwm2m+tlv (11542): the binary format every 1.0 client supports (TS 1.0.2 §6.4.3).
    pub const TLV: Self = Self(11542);
    /// application/vnd.oma.lwm2m+json (11543): the 1.0 JSON format, deprecated in 1.1; recognised, not decoded.
    pub const LWM2M_JSON: Self = Self(11543);
    /// LwM2M CBOR (LwM2M 1.2): nested maps from the root, decoded so such a response is judged.
    pub const LWM2M_CBOR: Self = Self(11544);

    /// Pre-registration LwM2M 1.0 numbers (see module docs).
    pub const LEGACY_TEXT: Self = Self(1541);
    /// 1542: the pre-registration number for TLV.
    pub const LEGACY_TLV: Self = Self(1542);
    /// 1543: the pre-registration number for LwM2M JSON.
    pub const LEGACY_JSON: Self = Self(1543);
    /// 1544: the pre-registration number for opaque.
    pub const LEGACY_OPAQUE: Self = Self(1544);

    /// Short name of a registered format; `None` for legacy and unknown
    /// numbers so transcripts show exactly what the device sent.
    pub fn name(&self) -> Option<&'static str> {
        KNOWN.iter().find(|(f, _, _)| f == self).map(|(_, n, _)| *n)
    }

    /// MIME type of a registered format (legacy numbers map to theirs).
    pub fn mime(&self) -> Option<&'static str> {
        let canonical = self.canonical();
        KNOWN.iter().find(|(f, _, _)| *f == canonical).map(|(_, _, m)| *m)
    }

    /// Maps a legacy alias to the registered number; others are unchanged.
    pub fn canonical(&self) -> Self {
        match *self {
            Self::LEGACY_TEXT => Self::TEXT,
            Self::LEGACY_TLV => Self::TLV,
            Self::LEGACY_JSON => Self::LWM2M_JSON,
            Self::LEGACY_OPAQUE => Self::OPAQUE,
            other => other,
        }
    }

    /// Accepts a short name, a MIME type or a decimal number (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(n) = s.parse::<u16>() {
            return Some(Self(n));
        }
        let lower = s.to_ascii_lowercase();
        KNOWN
            .iter()
            .find(|(_, n, m)| *n == lower || *m == lower)
            .map(|(f, _, _)| *f)
    }
}

impl fmt::Display for ContentFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}", self.0),
        }
    }
}

impl serde::Serialize for ContentFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => s.serialize_str(n),
            None => s.serialize_u16(self.0),
        }
    }
}

impl<'de> serde::Deserialize<'de> for ContentFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(u16),
            Name(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(Self(n)),
            Raw::Name(s) => {
                Self::from_name(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown content format {s:?}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_registry() {
        let nums: Vec<u16> = KNOWN.iter().map(|(f, _, _)| f.0).collect();
        assert_eq!(nums, vec![0, 40, 42, 60, 110, 112, 11542, 11543, 11544]);
    }

    #[test]
    fn names_and_aliases() {
        assert_eq!(ContentFormat::TLV.name(), Some("tlv"));
        assert_eq!(ContentFormat::from_name("tlv"), Some(ContentFormat::TLV));
        assert_eq!(
            ContentFormat::from_name("application/vnd.oma.lwm2m+tlv"),
            Some(ContentFormat::TLV)
        );
        assert_eq!(ContentFormat::from_name("SenML-JSON"), Some(ContentFormat::SENML_JSON));
        assert_eq!(ContentFormat::from_name("112"), Some(ContentFormat::SENML_CBOR));
        assert_eq!(ContentFormat::from_name("1542"), Some(ContentFormat::LEGACY_TLV));
        assert_eq!(ContentFormat::from_name("nope"), None);
        assert_eq!(ContentFormat::LEGACY_TLV.canonical(), ContentFormat::TLV);
        assert_eq!(ContentFormat::LEGACY_OPAQUE.mime(), Some("application/octet-stream"));
        assert_eq!(ContentFormat(1542).to_string(), "1542");
        assert_eq!(ContentFormat::LINK_FORMAT.to_string(), "link-format");
    }

    #[test]
    fn serde_forms() {
        let s = serde_json::to_string(&[ContentFormat::TLV, ContentFormat(999)]).ok();
        assert_eq!(s.as_deref(), Some("[\"tlv\",999]"));
        let back: Option<Vec<ContentFormat>> = serde_json::from_str("[\"senml-cbor\", 11542, \"text/plain\"]").ok();
        assert_eq!(
            back,
            Some(vec![ContentFormat::SENML_CBOR, ContentFormat::TLV, ContentFormat::TEXT])
        );
        assert!(serde_json::from_str::<ContentFormat>("\"bogus\"").is_err());
    }
}

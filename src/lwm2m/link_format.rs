//! CoRE Link Format (RFC 6690, content format 40), used by Register /
//! Update payloads and Discover responses.
//!
//! Grammar (RFC 6690 section 2): `link-value *("," link-value)`,
//! `link-value = "<" URI-Reference ">" *(";" link-param)`,
//! `link-param = parmname ["=" (ptoken / quoted-string)]`. The parser is
//! lenient about whitespace and newlines around tokens because real
//! clients emit them, but strict about structure.

use std::fmt::Write as _;

use crate::lwm2m::DecodeError;
use crate::lwm2m::path::Path;

/// One link of a CoRE link-format document (RFC 6690): `</3/0>;ver=1.0` or `</rd>;rt="oma.lwm2m"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The URI between `<` and `>`, as written (an LwM2M path, or an alternate root such as `/lwm2m`).
    pub target: String,
    /// In document order; `None` value for a bare flag such as `;obs`.
    pub attributes: Vec<(String, Option<String>)>,
}

impl Link {
    /// A link to `target` with no attributes.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            attributes: Vec::new(),
        }
    }

    /// Adds attribute `name` (`value` None for a flag such as `obs`), builder style.
    pub fn with(mut self, name: &str, value: Option<&str>) -> Self {
        self.attributes.push((name.to_string(), value.map(str::to_string)));
        self
    }

    /// The target as an LwM2M path, if it is one (`</>` is the root).
    pub fn path(&self) -> Option<Path> {
        self.target.parse().ok()
    }

    /// `None` if absent, `Some(None)` for a flag, `Some(Some(v))` otherwise.
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn err(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Structure {
            offset: self.pos,
            reason: reason.into(),
        }
    }

    fn eat(&mut self, want: char) -> Result<(), DecodeError> {
        match self.peek() {
            Some(c) if c == want => {
                self.bump();
                Ok(())
            }
            Some(c) => Err(self.err(format!("expected {want:?}, found {c:?}"))),
            None => Err(self.err(format!("expected {want:?}, found end of input"))),
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.bump();
        }
        self.s.get(start..self.pos).unwrap_or_default()
    }
}

fn is_parmname(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$&+-.^_`|~".contains(c)
}

/// RFC 6690 ptoken characters.
fn is_ptoken(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'()*+-./:<=>?@[]^_`{|}~".contains(c)
}

fn parse_quoted(cur: &mut Cursor<'_>) -> Result<String, DecodeError> {
    cur.eat('"')?;
    let mut out = String::new();
    loop {
        match cur.bump() {
            Some('"') => return Ok(out),
            Some('\\') => match cur.bump() {
                Some(c) => out.push(c),
                None => return Err(cur.err("unterminated escape in quoted string")),
            },
            Some(c) => out.push(c),
            None => return Err(cur.err("unterminated quoted string")),
        }
    }
}

fn parse_link(cur: &mut Cursor<'_>) -> Result<Link, DecodeError> {
    cur.eat('<')?;
    let target = cur.take_while(|c| c != '>' && c != '<');
    cur.eat('>')?;
    let mut link = Link::new(target.trim());
    loop {
        cur.skip_ws();
        if cur.peek() != Some(';') {
            return Ok(link);
        }
        cur.bump();
        cur.skip_ws();
        let name = cur.take_while(is_parmname);
        if name.is_empty() {
            return Err(cur.err("expected attribute name"));
        }
        cur.skip_ws();
        let value = if cur.peek() == Some('=') {
            cur.bump();
            cur.skip_ws();
            if cur.peek() == Some('"') {
                Some(parse_quoted(cur)?)
            } else {
                // ptoken minus the separators, so `ct=40,</1>` splits right.
                let v = cur.take_while(|c| is_ptoken(c) && c != ',' && c != ';' && c != '<' && c != '>');
                Some(v.to_string())
            }
        } else {
            None
        };
        link.attributes.push((name.to_string(), value));
    }
}

/// Parses a link-format document. An empty (or all-whitespace) document
/// is an empty list.
pub fn parse(s: &str) -> Result<Vec<Link>, DecodeError> {
    let mut cur = Cursor { s, pos: 0 };
    let mut links = Vec::new();
    cur.skip_ws();
    if cur.peek().is_none() {
        return Ok(links);
    }
    loop {
        cur.skip_ws();
        links.push(parse_link(&mut cur)?);
        cur.skip_ws();
        match cur.peek() {
            None => return Ok(links),
            Some(',') => {
                cur.bump();
            }
            Some(c) => return Err(cur.err(format!("expected ',' or end, found {c:?}"))),
        }
    }
}

/// Attributes whose RFC 6690 / LwM2M form is conventionally quoted.
fn always_quoted(name: &str) -> bool {
    matches!(name, "rt" | "if" | "anchor" | "title" | "rel" | "rev")
}

/// Serializes links back to the compact form devices send (no whitespace).
pub fn serialize(links: &[Link]) -> String {
    let mut out = String::new();
    for (i, link) in links.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "<{}>", link.target);
        for (name, value) in &link.attributes {
            let _ = write!(out, ";{name}");
            if let Some(v) = value {
                let plain = !v.is_empty() && v.chars().all(|c| is_ptoken(c) && !",;<>".contains(c));
                if plain && !always_quoted(name) {
                    let _ = write!(out, "={v}");
                } else {
                    let escaped = v.replace('\\', "\\\\").replace('"', "\\\"");
                    let _ = write!(out, "=\"{escaped}\"");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_payload() {
        let s = "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>,\n </5>;ver=1.1, <3303/0>;pmin=10;obs";
        let links = parse(s).unwrap_or_default();
        assert_eq!(links.len(), 5);
        assert_eq!(links.first().and_then(Link::path), Some(Path::root()));
        assert_eq!(links.first().and_then(|l| l.attribute("rt")), Some(Some("oma.lwm2m")));
        assert_eq!(links.first().and_then(|l| l.attribute("ct")), Some(Some("11543")));
        assert_eq!(links.get(4).and_then(Link::path), Some(Path::instance(3303, 0)));
        assert_eq!(links.get(4).and_then(|l| l.attribute("obs")), Some(None));
        assert_eq!(links.get(4).and_then(|l| l.attribute("gt")), None);
        let again = serialize(&links);
        assert_eq!(
            again,
            "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>,</3/0>,</5>;ver=1.1,<3303/0>;pmin=10;obs"
        );
        assert_eq!(parse(&again), Ok(links));
    }

    #[test]
    fn quoted_values_keep_separators() {
        let s = r#"</>;ct="60 110 112 11542 11543";title="a,b;c \"q\"",</1/0>"#;
        let links = parse(s).unwrap_or_default();
        assert_eq!(links.len(), 2);
        assert_eq!(
            links.first().and_then(|l| l.attribute("ct")),
            Some(Some("60 110 112 11542 11543"))
        );
        assert_eq!(
            links.first().and_then(|l| l.attribute("title")),
            Some(Some("a,b;c \"q\""))
        );
        assert_eq!(serialize(&links), s);
    }

    #[test]
    fn empty_and_errors() {
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse("  \n"), Ok(vec![]));
        assert!(parse("</1/0").is_err());
        assert!(parse("</1/0>,").is_err());
        assert!(parse("/1/0").is_err());
        assert!(parse("</1/0>;=3").is_err());
        assert!(parse("</1/0>;t=\"open").is_err());
        assert!(parse("</1/0> </2>").is_err());
        assert_eq!(
            parse("</1>x"),
            Err(DecodeError::Structure {
                offset: 4,
                reason: "expected ',' or end, found 'x'".into()
            })
        );
        assert_eq!(Link::new("/lwm2m/1/0").path(), None);
    }

    #[test]
    fn never_panics() {
        let sample = r#"</>;rt="oma.lwm2m";ct="60 110",</1/0>;ver=1.1,</3/0>;obs"#;
        for end in 0..=sample.len() {
            if let Some(prefix) = sample.get(..end) {
                let _ = parse(prefix);
            }
        }
        for junk in ["<", ">", ";", "<>;;", "<a>;b=\"\\", "\u{feff}<é>;ü=ö", ",,,"] {
            let _ = parse(junk);
        }
    }
}

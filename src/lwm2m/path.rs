//! LwM2M resource paths (`/object/instance/resource/resource-instance`).
//!
//! The four levels are optional so one type covers every request target,
//! from the root `/` (used by Discover and Bootstrap) to a resource instance.

use std::fmt;
use std::str::FromStr;

/// Why a path string or segment list was rejected.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Two slashes in a row (`/3//0`), or a trailing slash.
    #[error("empty segment in path {0:?}")]
    EmptySegment(String),
    /// A segment that is not a number 0-65535.
    #[error("segment {segment:?} is not a 16-bit id")]
    NotAnId {
        /// The segment as written.
        segment: String,
    },
    /// More than four levels.
    #[error("path has {0} segments, at most 4 are allowed")]
    TooDeep(usize),
}

/// A path of zero to four ids. Fields are filled from the left: a level is
/// only meaningful when every level above it is `Some`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Path {
    /// Object ID (e.g. 3 Device).
    pub object: Option<u16>,
    /// Object Instance ID.
    pub instance: Option<u16>,
    /// Resource ID.
    pub resource: Option<u16>,
    /// Resource Instance ID of a multiple-instance Resource.
    pub resource_instance: Option<u16>,
}

impl Path {
    /// `/`: the target of Discover on all Objects, Bootstrap Delete of everything, Bootstrap-Discover.
    pub fn root() -> Self {
        Self::default()
    }

    /// `/o`.
    pub fn object(o: u16) -> Self {
        Self {
            object: Some(o),
            ..Self::default()
        }
    }

    /// `/o/i`.
    pub fn instance(o: u16, i: u16) -> Self {
        Self {
            instance: Some(i),
            ..Self::object(o)
        }
    }

    /// `/o/i/r`.
    pub fn resource(o: u16, i: u16, r: u16) -> Self {
        Self {
            resource: Some(r),
            ..Self::instance(o, i)
        }
    }

    /// `/o/i/r/ri`.
    pub fn resource_instance(o: u16, i: u16, r: u16, ri: u16) -> Self {
        Self {
            resource_instance: Some(ri),
            ..Self::resource(o, i, r)
        }
    }

    /// Builds a path from already split segments (e.g. CoAP Uri-Path options).
    pub fn from_segments<S: AsRef<str>>(segs: &[S]) -> Result<Self, PathError> {
        if segs.len() > 4 {
            return Err(PathError::TooDeep(segs.len()));
        }
        let mut path = Path::root();
        for seg in segs {
            let seg = seg.as_ref();
            let id = seg.parse::<u16>().map_err(|_| PathError::NotAnId {
                segment: seg.to_string(),
            })?;
            // `from_segments` never exceeds depth 4 here, so child() succeeds.
            path = path.child(id).ok_or(PathError::TooDeep(segs.len()))?;
        }
        Ok(path)
    }

    /// The ids from the top down, stopping at the first missing level.
    pub fn segments(&self) -> Vec<u16> {
        [self.object, self.instance, self.resource, self.resource_instance]
            .into_iter()
            .map_while(|s| s)
            .collect()
    }

    /// 0 for root, 1 for an object, ... 4 for a resource instance.
    pub fn depth(&self) -> usize {
        self.segments().len()
    }

    /// Whether the path names a Resource or Resource Instance, so a single value (text, opaque) fits it.
    pub fn is_resource_or_deeper(&self) -> bool {
        self.depth() >= 3
    }

    /// The path one level below, or `None` below a resource instance.
    pub fn child(&self, id: u16) -> Option<Path> {
        let mut p = *self;
        match self.depth() {
            0 => p.object = Some(id),
            1 => p.instance = Some(id),
            2 => p.resource = Some(id),
            3 => p.resource_instance = Some(id),
            _ => return None,
        }
        Some(p)
    }

    /// The path one level up, or `None` for the root.
    pub fn parent(&self) -> Option<Path> {
        let segs = self.segments();
        let (_, up) = segs.split_last()?;
        let mut p = Path::root();
        for id in up {
            p = p.child(*id)?;
        }
        Some(p)
    }

    /// True when `self` equals `other` or is one of its ancestors.
    pub fn contains(&self, other: &Path) -> bool {
        let mine = self.segments();
        let theirs = other.segments();
        theirs.len() >= mine.len() && theirs.iter().zip(&mine).all(|(a, b)| a == b)
    }
}

impl FromStr for Path {
    type Err = PathError;

    /// Accepts "/", "/3", "3/0", ... A missing leading slash is tolerated
    /// because some clients register links like `<1/0>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let body = s.strip_prefix('/').unwrap_or(s);
        if body.is_empty() {
            return Ok(Path::root());
        }
        let segs: Vec<&str> = body.split('/').collect();
        if segs.iter().any(|seg| seg.is_empty()) {
            return Err(PathError::EmptySegment(s.to_string()));
        }
        Path::from_segments(&segs)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let segs = self.segments();
        if segs.is_empty() {
            return f.write_str("/");
        }
        for id in segs {
            write!(f, "/{id}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Path {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Path {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_depth() {
        assert_eq!("/".parse::<Path>(), Ok(Path::root()));
        assert_eq!("".parse::<Path>(), Ok(Path::root()));
        assert_eq!("/3".parse::<Path>(), Ok(Path::object(3)));
        assert_eq!("3/0".parse::<Path>(), Ok(Path::instance(3, 0)));
        assert_eq!("/3/0/1".parse::<Path>(), Ok(Path::resource(3, 0, 1)));
        assert_eq!("/3/0/1/2".parse::<Path>(), Ok(Path::resource_instance(3, 0, 1, 2)));
    }

    #[test]
    fn rejects_bad_paths() {
        for bad in ["//", "/3//1", "/3/0/", "/a", "/70000", "/1/2/3/4/5", "/-1", "/ 3"] {
            assert!(bad.parse::<Path>().is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["/", "/3", "/3/0", "/3/0/1", "/65535/65535/65535/65535"] {
            assert_eq!(s.parse::<Path>().map(|p| p.to_string()).as_deref(), Ok(s));
        }
    }

    #[test]
    fn navigation() {
        let p = Path::resource(3, 0, 6);
        assert_eq!(p.depth(), 3);
        assert_eq!(p.segments(), vec![3, 0, 6]);
        assert_eq!(p.parent(), Some(Path::instance(3, 0)));
        assert_eq!(p.child(1), Some(Path::resource_instance(3, 0, 6, 1)));
        assert_eq!(Path::resource_instance(1, 2, 3, 4).child(5), None);
        assert_eq!(Path::root().parent(), None);
        assert!(Path::root().contains(&p));
        assert!(Path::object(3).contains(&p));
        assert!(p.contains(&p));
        assert!(!p.contains(&Path::instance(3, 0)));
        assert!(!Path::object(4).contains(&p));
        assert_eq!(Path::from_segments(&["3", "0"]), Ok(Path::instance(3, 0)));
    }

    #[test]
    fn serde_uses_string_form() {
        let json = serde_json::to_string(&Path::resource(3, 0, 1)).ok();
        assert_eq!(json.as_deref(), Some("\"/3/0/1\""));
        let back: Result<Path, _> = serde_json::from_str("\"/1/0\"");
        assert_eq!(back.ok(), Some(Path::instance(1, 0)));
        assert!(serde_json::from_str::<Path>("\"/x\"").is_err());
    }
}

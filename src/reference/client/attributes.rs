//! Write-Attributes (LwM2M 1.0.2 §5.4.4): the notification attributes pmin, pmax, gt, lt and
//! st, stored per path (Object, Object Instance or Resource) and reported by Discover.

use std::collections::BTreeMap;

use crate::coap::Code;
use crate::lwm2m::Path;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Attributes {
    /// Minimum Period, seconds.
    pub(crate) pmin: Option<u32>,
    /// Maximum Period, seconds.
    pub(crate) pmax: Option<u32>,
    /// Greater Than.
    pub(crate) gt: Option<f64>,
    /// Less Than.
    pub(crate) lt: Option<f64>,
    /// Step.
    pub(crate) st: Option<f64>,
}

impl Attributes {
    fn is_empty(&self) -> bool {
        *self == Attributes::default()
    }

    /// Fills every attribute `self` lacks from `outer` (a less specific level).
    fn inherit(mut self, outer: &Attributes) -> Attributes {
        self.pmin = self.pmin.or(outer.pmin);
        self.pmax = self.pmax.or(outer.pmax);
        self.gt = self.gt.or(outer.gt);
        self.lt = self.lt.or(outer.lt);
        self.st = self.st.or(outer.st);
        self
    }

    /// Link-format parameters, in the order of the specification's table.
    pub(crate) fn link_params(&self) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        let mut push = |name: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push((name.to_string(), Some(v)));
            }
        };
        push("pmin", self.pmin.map(|v| v.to_string()));
        push("pmax", self.pmax.map(|v| v.to_string()));
        push("gt", self.gt.map(|v| v.to_string()));
        push("lt", self.lt.map(|v| v.to_string()));
        push("st", self.st.map(|v| v.to_string()));
        out
    }
}

fn parse_number(v: &str) -> Result<f64, Code> {
    match v.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(Code::BAD_REQUEST),
    }
}

fn parse_period(v: &str) -> Result<u32, Code> {
    v.parse::<u32>().map_err(|_| Code::BAD_REQUEST)
}

#[derive(Debug, Default)]
pub(crate) struct AttributeStore {
    by_path: BTreeMap<Path, Attributes>,
}

impl AttributeStore {
    /// The attributes written on exactly `path`.
    pub(crate) fn at(&self, path: &Path) -> Attributes {
        self.by_path.get(path).copied().unwrap_or_default()
    }

    /// Attributes of `path` including those inherited from its Object Instance and Object
    /// (a Resource level value overrides an Object Instance one, which overrides an Object one).
    pub(crate) fn inherited(&self, path: &Path) -> Attributes {
        let mut out = self.at(path);
        let mut up = path.parent();
        while let Some(p) = up {
            out = out.inherit(&self.at(&p));
            up = p.parent();
        }
        out
    }

    /// Applies a Write-Attributes query to `path` (depth 1 to 3). A parameter without a value
    /// removes that attribute. gt, lt and st only make sense on a numeric Resource. Nothing
    /// changes unless every parameter is valid and pmin <= pmax afterwards.
    pub(crate) fn write(
        &mut self,
        path: &Path,
        query: &[(String, Option<String>)],
        numeric_resource: bool,
    ) -> Result<(), Code> {
        let mut attrs = self.at(path);
        for (name, value) in query {
            let v = value.as_deref();
            match name.as_str() {
                "pmin" => attrs.pmin = v.map(parse_period).transpose()?,
                "pmax" => attrs.pmax = v.map(parse_period).transpose()?,
                "gt" | "lt" | "st" if !numeric_resource => return Err(Code::BAD_REQUEST),
                "gt" => attrs.gt = v.map(parse_number).transpose()?,
                "lt" => attrs.lt = v.map(parse_number).transpose()?,
                "st" => attrs.st = v.map(parse_number).transpose()?,
                _ => return Err(Code::BAD_REQUEST),
            }
        }
        let inverted = matches!((attrs.pmin, attrs.pmax), (Some(pmin), Some(pmax)) if pmax < pmin);
        if inverted || attrs.st.is_some_and(|st| st < 0.0) {
            return Err(Code::BAD_REQUEST);
        }
        if attrs.is_empty() {
            self.by_path.remove(path);
        } else {
            self.by_path.insert(*path, attrs);
        }
        Ok(())
    }

    /// Forgets the attributes at and below `path` (after a Delete).
    pub(crate) fn remove_under(&mut self, path: &Path) {
        self.by_path.retain(|p, _| !path.contains(p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn write_inherit_and_remove() {
        let mut s = AttributeStore::default();
        let obj = Path::object(3);
        let res = Path::resource(3, 0, 13);
        assert_eq!(s.write(&obj, &q(&[("pmin", Some("10"))]), false), Ok(()));
        assert_eq!(
            s.write(&res, &q(&[("pmax", Some("60")), ("gt", Some("5.5"))]), true),
            Ok(())
        );
        let eff = s.inherited(&res);
        assert_eq!((eff.pmin, eff.pmax, eff.gt), (Some(10), Some(60), Some(5.5)));
        let params = s.at(&res).link_params();
        assert_eq!(params, q(&[("pmax", Some("60")), ("gt", Some("5.5"))]));
        assert_eq!(s.write(&res, &q(&[("pmax", None), ("gt", None)]), true), Ok(()));
        assert_eq!(s.at(&res), Attributes::default());
    }

    #[test]
    fn rejects_bad_queries_without_changing_anything() {
        let mut s = AttributeStore::default();
        let res = Path::resource(1, 0, 1);
        for bad in [
            q(&[("pmin", Some("-1"))]),
            q(&[("pmin", Some("x"))]),
            q(&[("pmin", Some("10")), ("pmax", Some("5"))]),
            q(&[("gt", Some("NaN"))]),
            q(&[("st", Some("-2"))]),
            q(&[("cancel", None)]),
        ] {
            assert_eq!(s.write(&res, &bad, true), Err(Code::BAD_REQUEST), "{bad:?}");
        }
        assert_eq!(
            s.write(&Path::instance(1, 0), &q(&[("gt", Some("1"))]), false),
            Err(Code::BAD_REQUEST)
        );
        assert_eq!(s.at(&res), Attributes::default());
    }
}

//! Discover and Write-Attributes.

use crate::coap::Code;

use super::{Rig, cf, client_snapshot, text};

#[test]
fn discover_and_write_attributes() {
    let mut rig = Rig::registered();
    let attrs = |rig: &mut Rig, path: &str, query: &[(&str, Option<&str>)]| {
        let q: Vec<(String, Option<String>)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect();
        rig.call(Code::PUT, path, |m| m.set_uri("", &q)).code
    };
    assert_eq!(attrs(&mut rig, "/3", &[("pmin", Some("10"))]), Code::CHANGED);
    assert_eq!(attrs(&mut rig, "/3/0", &[("pmax", Some("60"))]), Code::CHANGED);
    assert_eq!(
        attrs(&mut rig, "/3/0/13", &[("gt", Some("50")), ("lt", Some("42.2"))]),
        Code::CHANGED
    );
    assert_eq!(
        attrs(&mut rig, "/3/0/0", &[("gt", Some("1"))]),
        Code::BAD_REQUEST,
        "not numeric"
    );
    assert_eq!(
        attrs(&mut rig, "/3/0", &[("st", Some("1"))]),
        Code::BAD_REQUEST,
        "not a resource"
    );
    assert_eq!(
        attrs(&mut rig, "/3/0/13", &[("pmin", Some("9")), ("pmax", Some("3"))]),
        Code::BAD_REQUEST
    );
    assert_eq!(attrs(&mut rig, "/3/0/13", &[("bogus", Some("1"))]), Code::BAD_REQUEST);
    assert_eq!(attrs(&mut rig, "/3/9", &[("pmin", Some("1"))]), Code::NOT_FOUND);
    assert_eq!(attrs(&mut rig, "/0/0", &[("pmin", Some("1"))]), Code::NOT_FOUND);
    let mut shown = Vec::new();
    for path in ["/3", "/3/0", "/3/0/13", "/3/0/11", "/1/0"] {
        let resp = rig.get(path, Some(40));
        assert_eq!((resp.code, cf(&resp)), (Code::CONTENT, 40), "{path}");
        shown.push((path.to_string(), text(&resp)));
    }
    assert_eq!(
        shown[2].1, "</3/0/13>;pmin=10;pmax=60;gt=50;lt=42.2",
        "inherited at resource level"
    );
    for (path, code) in [
        ("/", Code::METHOD_NOT_ALLOWED),
        ("/0", Code::NOT_FOUND),
        ("/3/0/11/0", Code::METHOD_NOT_ALLOWED),
        ("/4", Code::NOT_FOUND),
    ] {
        assert_eq!(rig.get(path, Some(40)).code, code, "Discover {path}");
    }
    // A parameter without a value removes the attribute.
    assert_eq!(attrs(&mut rig, "/3/0/13", &[("gt", None), ("lt", None)]), Code::CHANGED);
    assert_eq!(text(&rig.get("/3/0/13", Some(40))), "</3/0/13>;pmin=10;pmax=60");
    client_snapshot!("discover", shown);
}

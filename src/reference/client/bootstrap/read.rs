//! LwM2M 1.1 Bootstrap-Read and Bootstrap-Discover (LwM2M 1.1.1 Core §5.2.7.2 and §5.2.7.3,
//! CoAP mapping in the Transport binding §6.1): how the Bootstrap-Server determines whether
//! the client's LwM2M Server accounts are still valid before it rewrites them (seed 002 BsR-7).
//!
//! Bootstrap-Read is a GET restricted to the LwM2M Server Object (1) and the Access Control
//! Object (2): everything else is 4.05 Method Not Allowed ("target is not allowed for
//! Bootstrap-Read"). Unlike a Device Management Read it also returns the resources only the
//! Bootstrap-Server reaches (the Server Object's registration policy, 13-20).
//! Bootstrap-Discover is a GET with Accept: application/link-format on "/" or an Object; it
//! lists the instances with the `ssid` and `uri` of the accounts, headed by `</>;lwm2m=1.1`.

use crate::coap::Code;
use crate::lwm2m::{ContentFormat, Link, Path, link_format};

use super::super::dm::{Reply, encode_read};
use super::super::objects::{ObjectStore, SERVER};

/// The Access Control Object, which Bootstrap-Read may also target (this client has none).
const ACCESS_CONTROL: u16 = 2;

pub(super) fn read(store: &ObjectStore, path: &Path, accept: Option<u16>) -> Result<Reply, Code> {
    match path.object {
        Some(SERVER | ACCESS_CONTROL) => {}
        _ => return Err(Code::METHOD_NOT_ALLOWED),
    }
    let records = store.read_all(path)?;
    let (format, payload) = encode_read(store, path, accept, &records)?;
    Ok(Reply::content(format, payload))
}

pub(super) fn discover(store: &ObjectStore, path: &Path) -> Result<Reply, Code> {
    let mut links = match (path.object, path.instance) {
        (None, _) => {
            let mut root = Link::new("/");
            root.attributes.push(("lwm2m".into(), Some("1.1".into())));
            vec![root]
        }
        (Some(_), None) => Vec::new(),
        // Bootstrap-Discover targets the client or an Object only.
        (Some(_), Some(_)) => return Err(Code::BAD_REQUEST),
    };
    links.extend(store.bootstrap_discover_links(path.object)?);
    Ok(Reply::content(
        ContentFormat::LINK_FORMAT,
        link_format::serialize(&links).into_bytes(),
    ))
}

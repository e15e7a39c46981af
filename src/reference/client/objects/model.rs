//! The object model the client's store, its accounts and the typing of written values share:
//! Object and Resource ids, the one Binding this client supports, and what a Resource holds. A
//! leaf: `objects` uses `accounts` and `validate`, and all three take these from here, so
//! neither of those depends back on `objects`.

use std::collections::BTreeMap;

use crate::lwm2m::Value;

pub(crate) const SECURITY: u16 = 0;
pub(crate) const SERVER: u16 = 1;
pub(crate) const DEVICE: u16 = 3;

/// The Server Object Instance of the one LwM2M Server this client registers with.
pub(crate) const SERVER_INSTANCE: u16 = 0;
pub(crate) const SHORT_SERVER_ID: i64 = 1;

/// Resource ids used by the client's own logic (registry names).
pub(crate) mod rid {
    pub(crate) const LIFETIME: u16 = 1;
    pub(crate) const DEFAULT_MIN_PERIOD: u16 = 2;
    pub(crate) const DEFAULT_MAX_PERIOD: u16 = 3;
    pub(crate) const BINDING: u16 = 7;
    pub(crate) const REGISTRATION_UPDATE_TRIGGER: u16 = 8;
    /// LwM2M 1.1, optional: executing it makes the client initiate a Client Initiated Bootstrap.
    pub(crate) const BOOTSTRAP_REQUEST_TRIGGER: u16 = 9;
    pub(crate) const REBOOT: u16 = 4;
    pub(crate) const CURRENT_TIME: u16 = 13;
}

/// The binding this client supports (UDP, no Queue Mode).
pub(crate) const BINDING_U: &str = "U";

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resource {
    Single(Value),
    Multiple(BTreeMap<u16, Value>),
    /// An executable resource: present, but with no value to read.
    Executable,
}

impl Resource {
    /// Number of resource instances of a multiple resource (the Discover `dim` attribute).
    pub(crate) fn dim(&self) -> Option<usize> {
        match self {
            Resource::Multiple(m) => Some(m.len()),
            _ => None,
        }
    }
}

pub(super) type Instance = BTreeMap<u16, Resource>;

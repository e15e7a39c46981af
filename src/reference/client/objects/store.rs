//! The client's object store as state: the Objects it holds, its clock and what the device
//! speaks, with the factory content and the lookups every operation on it builds on. The
//! operations are `impl` blocks beside it: Device Management in `objects`, the accounts and the
//! Bootstrap Interface in `accounts`; both use this file, neither the other.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::lwm2m::Value;
use crate::lwm2m::objects::{ResourceType, resource_defs};

use super::model::{BINDING_U, DEVICE, Instance, Resource, SECURITY, SERVER, SERVER_INSTANCE, SHORT_SERVER_ID, rid};

#[derive(Debug)]
pub(crate) struct ObjectStore {
    pub(super) objects: BTreeMap<u16, BTreeMap<u16, Instance>>,
    /// Unix time, set by the core before each operation (the store has no clock of its own).
    pub(super) unix_now: i64,
    /// Current Time /3/0/13 reads as `unix_now + time_offset`; a Write moves the offset.
    pub(super) time_offset: i64,
    /// Whether the device speaks TLV (the `no-tlv` variant does not: SenML JSON instead).
    pub(super) tlv: bool,
    /// Whether every Server instance has the Bootstrap-Request Trigger /1/x/9 (a 1.1 client
    /// that may initiate a bootstrap; see `enable_bootstrap_request_trigger`).
    pub(super) bootstrap_request_trigger: bool,
}

fn single(v: Value) -> Resource {
    Resource::Single(v)
}

impl ObjectStore {
    pub(crate) fn new(server: SocketAddr, lifetime: u32) -> Self {
        use Value::*;
        let security = BTreeMap::from([
            (0, single(String(format!("coap://{server}")))),
            (1, single(Boolean(false))),
            (2, single(Integer(3))), // 3 = NoSec
            (3, single(Opaque(Vec::new()))),
            (4, single(Opaque(Vec::new()))),
            (5, single(Opaque(Vec::new()))),
            (10, single(Integer(SHORT_SERVER_ID))),
        ]);
        let server_instance = BTreeMap::from([
            (0, single(Integer(SHORT_SERVER_ID))),
            (rid::LIFETIME, single(Integer(i64::from(lifetime)))),
            (rid::DEFAULT_MIN_PERIOD, single(Integer(0))),
            // Default Maximum Period is left absent: "up to the server" (Appendix E.2).
            (6, single(Boolean(false))),
            (rid::BINDING, single(String(BINDING_U.into()))),
            (rid::REGISTRATION_UPDATE_TRIGGER, Resource::Executable),
        ]);
        let device = BTreeMap::from([
            (0, single(String("lwm2m-conformance".into()))),
            (1, single(String("reference-client".into()))),
            (2, single(String("RC-0001".into()))),
            (3, single(String("1.0".into()))),
            (rid::REBOOT, Resource::Executable),
            (11, Resource::Multiple(BTreeMap::from([(0, Integer(0))]))),
            // The stored value is a placeholder: reads compute the current time.
            (rid::CURRENT_TIME, single(Time(0))),
            (16, single(String(BINDING_U.into()))),
        ]);
        let objects = BTreeMap::from([
            (SECURITY, BTreeMap::from([(0, security)])),
            (SERVER, BTreeMap::from([(SERVER_INSTANCE, server_instance)])),
            (DEVICE, BTreeMap::from([(0, device)])),
        ]);
        ObjectStore {
            objects,
            unix_now: 0,
            time_offset: 0,
            tlv: true,
            bootstrap_request_trigger: false,
        }
    }

    /// The executable resources every new instance of Object `o` gets: its mandatory ones, and
    /// the Bootstrap-Request Trigger of a Server instance when the client has it.
    pub(crate) fn executables(&self, o: u16) -> Vec<u16> {
        let mut ids: Vec<u16> = resource_defs(o)
            .iter()
            .filter(|d| d.mandatory && d.ty == ResourceType::None)
            .map(|d| d.id)
            .collect();
        if o == SERVER && self.bootstrap_request_trigger {
            ids.push(rid::BOOTSTRAP_REQUEST_TRIGGER);
        }
        ids
    }

    pub(super) fn value(&self, o: u16, i: u16, r: u16) -> Option<&Value> {
        match self.objects.get(&o)?.get(&i)?.get(&r)? {
            Resource::Single(v) => Some(v),
            _ => None,
        }
    }

    pub(super) fn integer(&self, o: u16, i: u16, r: u16) -> Option<i64> {
        match self.value(o, i, r)? {
            Value::Integer(v) => Some(*v),
            _ => None,
        }
    }
}

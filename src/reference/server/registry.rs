//! The registration store (LwM2M TS 1.0 §5.2, Table 3): Register creates a registration under
//! a fresh location `/rd/<id>`, Update refreshes it, De-register removes it, and one whose
//! lifetime passes without an Update is removed. A new Register of a known Endpoint Client
//! Name replaces the old registration. The source address of the Register is recorded and is
//! where every later request to that client goes (§5.2.1).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::Message;
use crate::lwm2m::{ContentFormat, link_format};

/// Table 3: "If Lifetime Resource does not exist ... the Server MUST regard lifetime of the
/// Client as 86400 seconds".
pub const DEFAULT_LIFETIME: u32 = 86_400;

/// The binding modes of LwM2M 1.0 Table 3 ("U", "UQ", "S", "SQ", "US", "UQS").
pub const BINDINGS: [&str; 6] = ["U", "UQ", "S", "SQ", "US", "UQS"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub endpoint: String,
    /// The id under /rd: the location is `/rd/<id>`.
    pub id: String,
    pub location: String,
    pub address: SocketAddr,
    pub lifetime: u32,
    pub binding: String,
    pub version: Option<String>,
    pub sms: Option<String>,
    /// The object list (CoRE link format targets), as last registered or updated.
    pub objects: Vec<String>,
    /// When the last Register or Update arrived.
    pub refreshed_at: Duration,
}

impl Registration {
    /// "UQ" and "UQS": the UDP binding in Queue Mode ("UQS" queues UDP, not SMS; Table 3).
    pub fn udp_queue_mode(&self) -> bool {
        self.binding.starts_with("UQ")
    }

    pub fn expires_at(&self) -> Duration {
        self.refreshed_at + Duration::from_secs(u64::from(self.lifetime))
    }
}

/// The Register / Update parameters, parsed from the Uri-Query and payload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub endpoint: Option<String>,
    pub lifetime: Option<u32>,
    pub version: Option<String>,
    pub binding: Option<String>,
    pub sms: Option<String>,
    pub objects: Option<Vec<String>>,
}

impl Params {
    /// Reads the query and payload; an unparsable value is a 4.00 Bad Request (the `Err`).
    pub fn parse(m: &Message) -> Result<Params, String> {
        let mut p = Params::default();
        for (k, v) in m.uri_query() {
            let v = v.unwrap_or_default();
            match k.as_str() {
                "ep" => p.endpoint = Some(v),
                "lt" => p.lifetime = Some(v.parse().map_err(|_| format!("lt=`{v}` is not a number of seconds"))?),
                "lwm2m" => p.version = Some(v),
                "b" if BINDINGS.contains(&v.as_str()) => p.binding = Some(v),
                "b" => return Err(format!("b=`{v}` is not a binding mode of Table 3")),
                "sms" => p.sms = Some(v),
                // Unknown parameters are ignored, so a newer client still registers.
                _ => {}
            }
        }
        if !m.payload.is_empty() {
            if m.content_format()
                .is_some_and(|cf| ContentFormat(cf) != ContentFormat::LINK_FORMAT)
            {
                return Err("the object list must be CoRE link format (40)".into());
            }
            let text = std::str::from_utf8(&m.payload).map_err(|_| "the object list is not UTF-8".to_string())?;
            let links = link_format::parse(text).map_err(|e| format!("the object list does not parse: {e}"))?;
            p.objects = Some(links.into_iter().map(|l| l.target).collect());
        }
        Ok(p)
    }
}

#[derive(Debug, Default)]
pub struct Registry {
    /// By id; ids are never reused within a run.
    regs: BTreeMap<String, Registration>,
    next_id: u32,
    salt: u32,
}

/// What a Register did to an earlier registration of the same endpoint.
#[derive(Debug)]
pub struct Registered {
    pub registration: Registration,
    pub replaced: Option<Registration>,
}

impl Registry {
    pub fn new(seed: u64) -> Self {
        Registry {
            regs: BTreeMap::new(),
            next_id: 1,
            salt: (seed as u32) & 0xffff,
        }
    }

    fn fresh_id(&mut self) -> String {
        let id = format!("{:04x}", (self.next_id ^ self.salt) & 0xffff);
        self.next_id += 1;
        if self.regs.contains_key(&id) {
            self.fresh_id()
        } else {
            id
        }
    }

    /// A new registration under `prefix` (`/rd` when conformant). `replace` removes an earlier
    /// registration of the same endpoint, which is returned.
    pub fn register(
        &mut self,
        now: Duration,
        address: SocketAddr,
        endpoint: String,
        p: Params,
        prefix: &str,
        replace: bool,
    ) -> Registered {
        let old = self.by_endpoint(&endpoint).map(|r| r.id.clone());
        let replaced = if replace {
            old.and_then(|id| self.regs.remove(&id))
        } else {
            None
        };
        let id = self.fresh_id();
        let r = Registration {
            endpoint,
            location: format!("{prefix}/{id}"),
            id: id.clone(),
            address,
            lifetime: p.lifetime.unwrap_or(DEFAULT_LIFETIME),
            binding: p.binding.unwrap_or_else(|| "U".into()),
            version: p.version,
            sms: p.sms,
            objects: p.objects.unwrap_or_default(),
            refreshed_at: now,
        };
        self.regs.insert(id, r.clone());
        Registered {
            registration: r,
            replaced,
        }
    }

    /// Update (§5.2.2): refreshes the lifetime and takes the parameters it carries.
    pub fn update(&mut self, now: Duration, location: &str, p: Params) -> Option<&Registration> {
        let r = self.regs.values_mut().find(|r| r.location == location)?;
        r.refreshed_at = now;
        if let Some(lt) = p.lifetime {
            r.lifetime = lt;
        }
        if let Some(b) = p.binding {
            r.binding = b;
        }
        if let Some(sms) = p.sms {
            r.sms = Some(sms);
        }
        if let Some(objects) = p.objects {
            r.objects = objects;
        }
        Some(r)
    }

    /// Whether a registration lives at `location`.
    pub fn is_location(&self, location: &str) -> bool {
        self.regs.values().any(|r| r.location == location)
    }

    pub fn deregister(&mut self, location: &str) -> Option<Registration> {
        let id = self.regs.values().find(|r| r.location == location)?.id.clone();
        self.regs.remove(&id)
    }

    /// The latest registration of `endpoint` (the only one, unless a fault keeps old ones).
    pub fn by_endpoint(&self, endpoint: &str) -> Option<&Registration> {
        self.regs
            .values()
            .filter(|r| r.endpoint == endpoint)
            .max_by_key(|r| r.refreshed_at)
    }

    pub fn set_address(&mut self, id: &str, address: SocketAddr) {
        if let Some(r) = self.regs.get_mut(id) {
            r.address = address;
        }
    }

    /// Removes and returns the registrations whose lifetime has passed by `now`.
    pub fn expire(&mut self, now: Duration) -> Vec<Registration> {
        let gone: Vec<String> = self
            .regs
            .values()
            .filter(|r| r.expires_at() <= now)
            .map(|r| r.id.clone())
            .collect();
        gone.iter().filter_map(|id| self.regs.remove(id)).collect()
    }

    pub fn next_expiry(&self) -> Option<Duration> {
        self.regs.values().map(Registration::expires_at).min()
    }
}

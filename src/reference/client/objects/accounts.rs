//! The Security and Server Object Instances read as accounts (LwM2M 1.0.2 Appendix E.1, E.2),
//! and the Bootstrap Interface's Write and Delete on them (§5.2.7.4, §5.2.7.5).
//!
//! Unlike their Device Management twins, bootstrap operations ignore access rights and create
//! what they target (seed 003, §8.1.1: the client "MUST write the value included in the payload
//! regardless of an existence of the targeting Object Instance(s) or Resource and access
//! rights"), and Delete "/" spares the Bootstrap-Server Account.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::coap::Code;
use crate::lwm2m::{Link, Path, Record, Value};

use super::super::validate;
use super::model::{BINDING_U, Resource, SECURITY, SERVER, rid};
use super::store::ObjectStore;

/// Security Object resource ids (registry names).
mod security {
    pub(super) const SERVER_URI: u16 = 0;
    pub(super) const BOOTSTRAP_SERVER: u16 = 1;
    pub(super) const SECURITY_MODE: u16 = 2;
    pub(super) const PUBLIC_KEY_OR_IDENTITY: u16 = 3;
    pub(super) const SERVER_PUBLIC_KEY: u16 = 4;
    pub(super) const SECRET_KEY: u16 = 5;
    pub(super) const SHORT_SERVER_ID: u16 = 10;
    pub(super) const CLIENT_HOLD_OFF_TIME: u16 = 11;
}

/// Server Object resource 0, Short Server ID: the link to the Security instance.
const SERVER_SHORT_SERVER_ID: u16 = 0;

/// Security Mode 3 is NoSec, the only mode this client speaks (Appendix E.1).
const NO_SEC: i64 = 3;

/// The default port of the coap scheme (RFC 7252 §6.1), for a URI that names none.
const COAP_PORT: u16 = 5683;

/// An LwM2M Server the client can register with: a Security instance that is not the
/// Bootstrap-Server's, and the Server instance with the same Short Server ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ServerAccount {
    pub(crate) security_instance: u16,
    pub(crate) server_instance: u16,
    pub(crate) short_server_id: u16,
    pub(crate) address: SocketAddr,
}

/// The address in an LwM2M Server URI such as `coap://127.0.0.1:5683`. Only plain coap (this
/// client has no DTLS) and only loopback hosts (the client never leaves the machine).
pub(crate) fn parse_coap_uri(uri: &str) -> Option<SocketAddr> {
    let scheme_end = uri.find("://")?;
    if !uri[..scheme_end].eq_ignore_ascii_case("coap") {
        return None;
    }
    let rest = &uri[scheme_end + 3..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let addr = if let Ok(a) = authority.parse::<SocketAddr>() {
        a
    } else if let Ok(ip) = authority
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        SocketAddr::new(ip, COAP_PORT)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().ok()?),
            None => (authority, COAP_PORT),
        };
        if !host.eq_ignore_ascii_case("localhost") {
            return None;
        }
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
    };
    addr.ip().is_loopback().then_some(addr)
}

impl ObjectStore {
    /// A device with no LwM2M Server account yet: Security and Server exist as Objects with no
    /// instances (a Bootstrap-Server will write them), Device is as in [`ObjectStore::new`].
    pub(crate) fn without_servers() -> Self {
        let mut store = ObjectStore::new(SocketAddr::from(([127, 0, 0, 1], 0)), 0);
        for o in [SECURITY, SERVER] {
            store.objects.insert(o, BTreeMap::new());
        }
        store
    }

    /// Adds the Bootstrap-Server Account (NoSec, empty keys) as Security instance `instance`
    /// (0 by default, 1 in the `instance-ids` variant); a factory server account already there
    /// moves to the lowest free instance (Security is invisible to LwM2M Servers, so nothing
    /// else notices).
    pub(crate) fn add_bootstrap_account(&mut self, bootstrap_server: SocketAddr, instance: u16) {
        use Value::*;
        let instances = self.objects.entry(SECURITY).or_default();
        if let Some(factory) = instances.remove(&instance) {
            let free = (1..u16::MAX).find(|i| !instances.contains_key(i)).unwrap_or(u16::MAX);
            instances.insert(free, factory);
        }
        let account = BTreeMap::from([
            (
                security::SERVER_URI,
                Resource::Single(String(format!("coap://{bootstrap_server}"))),
            ),
            (security::BOOTSTRAP_SERVER, Resource::Single(Boolean(true))),
            (security::SECURITY_MODE, Resource::Single(Integer(NO_SEC))),
            (security::PUBLIC_KEY_OR_IDENTITY, Resource::Single(Opaque(Vec::new()))),
            (security::SERVER_PUBLIC_KEY, Resource::Single(Opaque(Vec::new()))),
            (security::SECRET_KEY, Resource::Single(Opaque(Vec::new()))),
        ]);
        instances.insert(instance, account);
    }

    /// Moves Object Instance `from` of Object `o` to instance `to` (the factory layout of the
    /// `instance-ids` variant); nothing happens when `from` does not exist or `to` does.
    pub(crate) fn renumber(&mut self, o: u16, from: u16, to: u16) {
        if let Some(instances) = self.objects.get_mut(&o)
            && !instances.contains_key(&to)
            && let Some(instance) = instances.remove(&from)
        {
            instances.insert(to, instance);
        }
    }

    /// The Security instance whose Bootstrap-Server resource is true, if any.
    fn bootstrap_account_instance(&self) -> Option<u16> {
        let instances = self.objects.get(&SECURITY)?;
        instances
            .keys()
            .copied()
            .find(|i| self.value(SECURITY, *i, security::BOOTSTRAP_SERVER) == Some(&Value::Boolean(true)))
    }

    /// Sets the Client Hold Off Time (Security resource 11) of the Bootstrap-Server Account.
    pub(crate) fn set_client_hold_off_time(&mut self, seconds: u32) {
        if let Some(i) = self.bootstrap_account_instance()
            && let Some(instance) = self.objects.get_mut(&SECURITY).and_then(|m| m.get_mut(&i))
        {
            instance.insert(
                security::CLIENT_HOLD_OFF_TIME,
                Resource::Single(Value::Integer(i64::from(seconds))),
            );
        }
    }

    /// How long to wait before a Client Initiated Bootstrap: the Bootstrap-Server Account's
    /// Client Hold Off Time (Security resource 11), zero when it has none.
    pub(crate) fn client_hold_off_time(&self) -> std::time::Duration {
        let secs = self
            .bootstrap_account_instance()
            .and_then(|i| match self.value(SECURITY, i, security::CLIENT_HOLD_OFF_TIME) {
                Some(Value::Integer(v)) => u64::try_from(*v).ok(),
                _ => None,
            })
            .unwrap_or(0);
        std::time::Duration::from_secs(secs)
    }

    /// The Bootstrap-Server Account, if the client still has one.
    pub(crate) fn has_bootstrap_account(&self) -> bool {
        self.bootstrap_account_instance().is_some()
    }

    /// Every LwM2M Server the client can register with, by Security instance id. Accounts this
    /// client cannot use are skipped with a warning: no Short Server ID or no matching Server
    /// instance, a Security Mode other than NoSec, a URI that is not coap:// on loopback, no
    /// Lifetime (Register would have nothing true to say in `lt`), or an address already taken.
    pub(crate) fn server_accounts(&self) -> Vec<ServerAccount> {
        let mut out: Vec<ServerAccount> = Vec::new();
        let Some(security_instances) = self.objects.get(&SECURITY) else {
            return out;
        };
        for &si in security_instances.keys() {
            if self.value(SECURITY, si, security::BOOTSTRAP_SERVER) == Some(&Value::Boolean(true)) {
                continue;
            }
            let ssid = self.integer(SECURITY, si, security::SHORT_SERVER_ID);
            let Some(short_server_id) = ssid
                .and_then(|v| u16::try_from(v).ok())
                .filter(|v| (1..=65534).contains(v))
            else {
                tracing::warn!("Security /0/{si} has no usable Short Server ID: not an LwM2M Server account");
                continue;
            };
            let mode = self.integer(SECURITY, si, security::SECURITY_MODE);
            if mode.is_some_and(|m| m != NO_SEC) {
                tracing::warn!("Security /0/{si}: Security Mode {mode:?} is not NoSec, which this client cannot do");
                continue;
            }
            let uri = match self.value(SECURITY, si, security::SERVER_URI) {
                Some(Value::String(s)) => s.as_str(),
                _ => "",
            };
            let Some(address) = parse_coap_uri(uri) else {
                tracing::warn!("Security /0/{si}: `{uri}` is not a coap:// URI on loopback");
                continue;
            };
            let Some(server_instance) = self.server_instance_of(short_server_id) else {
                tracing::warn!("Security /0/{si}: no Server instance has Short Server ID {short_server_id}");
                continue;
            };
            if self.integer(SERVER, server_instance, rid::LIFETIME).is_none() {
                tracing::warn!("Server /1/{server_instance} has no Lifetime: not registering with it");
                continue;
            }
            if out.iter().any(|a| a.address == address) {
                tracing::warn!("Security /0/{si}: {address} is already another account's server");
                continue;
            }
            out.push(ServerAccount {
                security_instance: si,
                server_instance,
                short_server_id,
                address,
            });
        }
        out
    }

    fn server_instance_of(&self, short_server_id: u16) -> Option<u16> {
        let instances = self.objects.get(&SERVER)?;
        instances
            .keys()
            .copied()
            .find(|i| self.integer(SERVER, *i, SERVER_SHORT_SERVER_ID) == Some(i64::from(short_server_id)))
    }

    /// Lifetime /1/i/1 (validated on Write to fit in u32).
    pub(crate) fn lifetime_of(&self, server_instance: u16) -> u32 {
        let lt = self.integer(SERVER, server_instance, rid::LIFETIME);
        lt.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
    }

    /// A non-negative integer resource of Server instance `server_instance` (the 1.1 Unsigned
    /// Integer resources 13, 14 and 17-20), if set.
    pub(crate) fn server_unsigned(&self, server_instance: u16, r: u16) -> Option<u64> {
        self.integer(SERVER, server_instance, r)
            .and_then(|v| u64::try_from(v).ok())
    }

    /// A Boolean resource of Server instance `server_instance` (15, 16), if set.
    pub(crate) fn server_boolean(&self, server_instance: u16, r: u16) -> Option<bool> {
        match self.value(SERVER, server_instance, r) {
            Some(Value::Boolean(b)) => Some(*b),
            _ => None,
        }
    }

    /// Binding /1/i/7.
    pub(crate) fn binding_of(&self, server_instance: u16) -> String {
        match self.value(SERVER, server_instance, rid::BINDING) {
            Some(Value::String(s)) => s.clone(),
            _ => BINDING_U.into(),
        }
    }

    /// The links of a Bootstrap-Discover (LwM2M 1.1.1 Core §5.2.7.3) of `object`, or of the
    /// whole client when None: every Object Instance (the bare Object when it has none), the
    /// Security instances with the Short Server ID (`ssid`) and Server URI (`uri`) of their
    /// account, the Server instances with their `ssid`. So a Bootstrap-Server sees which
    /// accounts exist and where they point, and can tell stale ones (BsR-7).
    pub(crate) fn bootstrap_discover_links(&self, object: Option<u16>) -> Result<Vec<Link>, Code> {
        if let Some(o) = object
            && !self.objects.contains_key(&o)
        {
            return Err(Code::NOT_FOUND);
        }
        let mut links = Vec::new();
        for (o, instances) in self.objects.iter().filter(|(o, _)| object.is_none_or(|w| w == **o)) {
            if instances.is_empty() {
                links.push(Link::new(format!("/{o}")));
            }
            for i in instances.keys() {
                let mut link = Link::new(format!("/{o}/{i}"));
                let ssid = match *o {
                    SECURITY => self.integer(SECURITY, *i, security::SHORT_SERVER_ID),
                    SERVER => self.integer(SERVER, *i, SERVER_SHORT_SERVER_ID),
                    _ => None,
                };
                let bootstrap_account =
                    self.value(SECURITY, *i, security::BOOTSTRAP_SERVER) == Some(&Value::Boolean(true));
                if let Some(ssid) = ssid.filter(|_| !(*o == SECURITY && bootstrap_account)) {
                    link.attributes.push(("ssid".into(), Some(ssid.to_string())));
                }
                if *o == SECURITY
                    && let Some(Value::String(uri)) = self.value(SECURITY, *i, security::SERVER_URI)
                {
                    link.attributes.push(("uri".into(), Some(uri.clone())));
                }
                links.push(link);
            }
        }
        Ok(links)
    }

    /// Bootstrap Write of `records` to `target` (an Object, Object Instance or Resource of
    /// Security or Server). Instances that do not exist are created unless `create` is false
    /// (a fault); resources are typed against the registry but their access rights are not
    /// checked. Everything is validated before anything changes.
    pub(crate) fn bootstrap_write(&mut self, target: &Path, records: &[Record], create: bool) -> Result<(), Code> {
        let Some(o @ (SECURITY | SERVER)) = target.object else {
            // This client is provisioned through Security and Server only.
            return Err(Code::BAD_REQUEST);
        };
        if target.resource_instance.is_some() {
            // Object Instances and Resources only, as in LwM2M 1.0 (the 1.1 mode too).
            return Err(Code::BAD_REQUEST);
        }
        let mut by_instance: BTreeMap<u16, Vec<Record>> = BTreeMap::new();
        for rec in records {
            match rec.path.instance {
                Some(i) if target.contains(&rec.path) => by_instance.entry(i).or_default().push(rec.clone()),
                _ => return Err(Code::BAD_REQUEST),
            }
        }
        let mut typed = Vec::new();
        for (i, recs) in by_instance {
            let exists = self.objects.get(&o).is_some_and(|m| m.contains_key(&i));
            if !exists && !create {
                return Err(Code::NOT_FOUND);
            }
            let scope = if target.depth() >= 2 {
                *target
            } else {
                Path::instance(o, i)
            };
            // `create: true` accepts every defined, non-executable resource, whatever its
            // access rights (Security resources have none; Short Server ID is read-only).
            typed.push((i, validate::resources(&scope, &recs, true)?));
        }
        let executables = self.executables(o);
        let instances = self.objects.entry(o).or_default();
        for (i, values) in typed {
            let inst = instances.entry(i).or_default();
            inst.extend(values);
            // An instance created here still needs its executables (the Server's Registration
            // Update Trigger, and Bootstrap-Request Trigger where the client has it), as a
            // Create would give it.
            for &id in &executables {
                inst.entry(id).or_insert(Resource::Executable);
            }
        }
        Ok(())
    }

    /// Bootstrap Delete of `target`: "/" (every Security and Server instance), an Object
    /// (Security or Server) or one of their instances. The Bootstrap-Server Account survives
    /// "/" and "/0" unless `spare_account` is false (a fault); deleting it by name is 4.00. The
    /// Device instance is not configuration and is never deleted: 4.00 when named.
    pub(crate) fn bootstrap_delete(&mut self, target: &Path, spare_account: bool) -> Result<(), Code> {
        let account = self.bootstrap_account_instance().filter(|_| spare_account);
        let objects: Vec<u16> = match (target.object, target.instance, target.resource) {
            (None, ..) => vec![SECURITY, SERVER],
            (Some(o @ (SECURITY | SERVER)), None, _) => vec![o],
            (Some(o @ (SECURITY | SERVER)), Some(i), None) => {
                if o == SECURITY && Some(i) == self.bootstrap_account_instance() {
                    return Err(Code::BAD_REQUEST);
                }
                if let Some(m) = self.objects.get_mut(&o) {
                    m.remove(&i);
                }
                return Ok(());
            }
            _ => return Err(Code::BAD_REQUEST),
        };
        for o in objects {
            if let Some(m) = self.objects.get_mut(&o) {
                m.retain(|i, _| o == SECURITY && Some(*i) == account);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_coap_uri;

    #[test]
    fn server_uris_on_loopback_only() {
        let ok = |s: &str| parse_coap_uri(s).map(|a| a.to_string());
        assert_eq!(ok("coap://127.0.0.1:5690").as_deref(), Some("127.0.0.1:5690"));
        assert_eq!(ok("COAP://127.0.0.1/").as_deref(), Some("127.0.0.1:5683"));
        assert_eq!(ok("coap://[::1]:7000/rd?x").as_deref(), Some("[::1]:7000"));
        assert_eq!(ok("coap://localhost:5684").as_deref(), Some("127.0.0.1:5684"));
        for refused in [
            "coaps://127.0.0.1:5684",
            "coap://192.0.2.1:5683",
            "coap://example.com",
            "coap://127.0.0.1:99999",
            "127.0.0.1:5683",
            "",
            "coap://",
        ] {
            assert_eq!(ok(refused), None, "{refused}");
        }
    }
}

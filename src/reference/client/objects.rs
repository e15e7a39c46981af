//! The client's object store: Security /0, Server /1 and Device /3 (LwM2M 1.0.2 Appendix E),
//! typed by the registry definitions in `crate::lwm2m::objects`.
//!
//! Operations return `Err(Code)` with the LwM2M 1.0 response code of the failure, so the DM
//! layer can answer without a second mapping. Security is only reachable by a Bootstrap-Server
//! (Appendix E.1), so for the LwM2M Server it does not exist: 4.04, as Leshan answers.
//!
//! This file holds the Device Management operations; the ids and what a Resource holds are in
//! `model`, the store's state and factory content in `store`, the accounts and the Bootstrap
//! Interface in `accounts`.

use std::collections::BTreeMap;

use crate::coap::Code;
use crate::lwm2m::objects::{ResourceType, resource_def, resource_defs};
use crate::lwm2m::{ContentFormat, Link, Path, Record, Value};

use super::Version;
use super::validate;

mod accounts;
pub(super) mod model;
mod store;

pub(crate) use accounts::ServerAccount;
use model::Instance;
pub(crate) use model::{DEVICE, Resource, SECURITY, SERVER, SERVER_INSTANCE, rid};
pub(crate) use store::ObjectStore;

/// Replace (PUT) or partial update (POST) semantics of a Write (LwM2M 1.0.2 §5.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteMode {
    Replace,
    Update,
}

impl ObjectStore {
    /// Gives every Server instance, present and future, the optional Bootstrap-Request Trigger
    /// /1/x/9 (LwM2M TS 1.1 Appendix E.2): only a 1.1 client that holds a Bootstrap-Server
    /// Account and may initiate a bootstrap has something to do when it is executed.
    pub(crate) fn enable_bootstrap_request_trigger(&mut self) {
        self.bootstrap_request_trigger = true;
        for inst in self.objects.entry(SERVER).or_default().values_mut() {
            inst.insert(rid::BOOTSTRAP_REQUEST_TRIGGER, Resource::Executable);
        }
    }

    /// `false`: the device has no TLV codec (the `no-tlv` variant).
    pub(crate) fn set_tlv(&mut self, tlv: bool) {
        self.tlv = tlv;
    }

    /// The format of an Object, Object Instance or multiple-Resource payload when the server
    /// asks for none: TLV (LwM2M 1.0), SenML JSON for a device without TLV.
    pub(crate) fn multi_value_format(&self) -> ContentFormat {
        if self.tlv {
            ContentFormat::TLV
        } else {
            ContentFormat::SENML_JSON
        }
    }

    /// Whether the device can encode and decode `format` (TLV only when it has the codec).
    pub(crate) fn speaks(&self, format: ContentFormat) -> bool {
        self.tlv || format.canonical() != ContentFormat::TLV
    }

    /// The `pct` a 1.1 device announces in Register and Bootstrap-Request (TS 1.1 §5.3.1):
    /// only a device without TLV announces one, so the default stays what 1.0 servers expect.
    pub(crate) fn preferred_content_format(&self) -> Option<ContentFormat> {
        (!self.tlv).then_some(ContentFormat::SENML_JSON)
    }

    pub(crate) fn set_clock(&mut self, unix_now: i64) {
        self.unix_now = unix_now;
    }

    /// Default Minimum / Maximum Period /1/x/2 and /1/x/3 of Server instance `x`, when present.
    pub(crate) fn default_periods(&self, server_instance: u16) -> (Option<u32>, Option<u32>) {
        let get = |r| {
            let v = self.integer(SERVER, server_instance, r)?;
            u32::try_from(v).ok()
        };
        (get(rid::DEFAULT_MIN_PERIOD), get(rid::DEFAULT_MAX_PERIOD))
    }

    /// The Register / Update object list: every Object Instance, or the bare Object when it
    /// has none, except the Security Object (LwM2M 1.0.2 §5.3.1). A 1.1 client's Server
    /// Object is object version 1.1, which the list must say (`</1>;ver=1.1`, LwM2M 1.1.1
    /// Core §6.2.1: an Object whose version is not 1.0 carries `ver`).
    pub(crate) fn object_links(&self, version: Version) -> Vec<Link> {
        let mut links = Vec::new();
        for (o, instances) in self.objects.iter().filter(|(o, _)| **o != SECURITY) {
            if version >= Version::V1_1 && *o == SERVER {
                let mut link = Link::new(format!("/{o}"));
                link.attributes.push(("ver".into(), Some("1.1".into())));
                links.push(link);
            } else if instances.is_empty() {
                links.push(Link::new(format!("/{o}")));
            }
            for i in instances.keys() {
                links.push(Link::new(format!("/{o}/{i}")));
            }
        }
        links
    }

    /// Instances of a visible object (Security is invisible to the LwM2M Server).
    pub(crate) fn instances(&self, o: u16) -> Result<&BTreeMap<u16, Instance>, Code> {
        if o == SECURITY {
            return Err(Code::NOT_FOUND);
        }
        self.objects.get(&o).ok_or(Code::NOT_FOUND)
    }

    pub(crate) fn instance(&self, o: u16, i: u16) -> Result<&Instance, Code> {
        self.instances(o)?.get(&i).ok_or(Code::NOT_FOUND)
    }

    /// The resource at a path of depth 3 or 4 (its parent resource for depth 4).
    pub(crate) fn resource(&self, path: &Path) -> Result<&Resource, Code> {
        let (Some(o), Some(i), Some(r)) = (path.object, path.instance, path.resource) else {
            return Err(Code::NOT_FOUND);
        };
        self.instance(o, i)?.get(&r).ok_or(Code::NOT_FOUND)
    }

    /// Checks that `path` names something that exists (any depth but root).
    pub(crate) fn exists(&self, path: &Path) -> Result<(), Code> {
        match (path.object, path.instance, path.resource, path.resource_instance) {
            (Some(o), None, ..) => self.instances(o).map(|_| ()),
            (Some(o), Some(i), None, _) => self.instance(o, i).map(|_| ()),
            (Some(_), Some(_), Some(_), None) => self.resource(path).map(|_| ()),
            (Some(_), Some(_), Some(_), Some(ri)) => match self.resource(path)? {
                Resource::Multiple(m) if m.contains_key(&ri) => Ok(()),
                _ => Err(Code::NOT_FOUND),
            },
            _ => Err(Code::NOT_FOUND),
        }
    }

    fn push_resource(&self, base: Path, r: u16, res: &Resource, out: &mut Vec<Record>) {
        let Some(path) = base.child(r) else { return };
        match res {
            Resource::Single(_) if base.object == Some(DEVICE) && r == rid::CURRENT_TIME => {
                let now = self.unix_now.saturating_add(self.time_offset);
                out.push(Record::new(path, Value::Time(now)));
            }
            Resource::Single(v) => out.push(Record::new(path, v.clone())),
            Resource::Multiple(m) => {
                for (ri, v) in m {
                    if let Some(p) = path.child(*ri) {
                        out.push(Record::new(p, v.clone()));
                    }
                }
            }
            Resource::Executable => {}
        }
    }

    /// Read (LwM2M 1.0.2 §5.4.1): every readable value at or below `path`.
    /// 4.04 for what does not exist, 4.05 for an executable resource or the root. Resources
    /// with no operations (the 1.1 Server Object's registration policy, 13-20) are the
    /// Bootstrap-Server's alone: an LwM2M Server reads past them (4.05 when it names one).
    pub(crate) fn read(&self, path: &Path) -> Result<Vec<Record>, Code> {
        if let (Some(o), Some(r)) = (path.object, path.resource)
            && Self::bootstrap_only(o, r)
        {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        let mut records = self.read_all(path)?;
        records.retain(|rec| match (rec.path.object, rec.path.resource) {
            (Some(o), Some(r)) => !Self::bootstrap_only(o, r),
            _ => true,
        });
        Ok(records)
    }

    /// A resource no LwM2M Server operation reaches (no operations in the registry).
    fn bootstrap_only(o: u16, r: u16) -> bool {
        o != SECURITY && resource_def(o, r).is_some_and(|d| d.operations.is_empty())
    }

    /// Every value at or below `path`, whoever may see it: [`read`](Self::read) for the LwM2M
    /// Server, and as is for the Bootstrap-Read of the Bootstrap-Server.
    pub(crate) fn read_all(&self, path: &Path) -> Result<Vec<Record>, Code> {
        let Some(o) = path.object else {
            return Err(Code::METHOD_NOT_ALLOWED);
        };
        self.exists(path)?;
        let mut out = Vec::new();
        let instances = self.instances(o)?;
        for (i, inst) in instances.iter().filter(|(i, _)| path.instance.is_none_or(|w| w == **i)) {
            let base = Path::instance(o, *i);
            for (r, res) in inst.iter().filter(|(r, _)| path.resource.is_none_or(|w| w == **r)) {
                if path.resource.is_some() && *res == Resource::Executable {
                    return Err(Code::METHOD_NOT_ALLOWED);
                }
                self.push_resource(base, *r, res, &mut out);
            }
        }
        if path.resource_instance.is_some() {
            out.retain(|rec| rec.path == *path);
        }
        Ok(out)
    }

    /// Execute (§5.4.5): the target must be an executable resource that exists.
    pub(crate) fn check_executable(&self, path: &Path) -> Result<(), Code> {
        if path.depth() != 3 {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        match self.resource(path)? {
            Resource::Executable => Ok(()),
            _ => Err(Code::METHOD_NOT_ALLOWED),
        }
    }

    /// Write (§5.4.3) of `records` to `target` (an instance or a resource). Everything is
    /// validated before anything changes, so a rejected Write leaves the store as it was.
    pub(crate) fn write(&mut self, target: &Path, records: &[Record], mode: WriteMode) -> Result<(), Code> {
        let (Some(o), Some(i)) = (target.object, target.instance) else {
            return Err(Code::METHOD_NOT_ALLOWED);
        };
        if target.resource_instance.is_some() {
            // Object Instances and Resources only, as in LwM2M 1.0: the 1.1 mode leaves out the
            // Write of a Resource Instance (see the 1.1 mode in `reference::client`).
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        self.instance(o, i)?;
        if let Some(r) = target.resource {
            let def = resource_def(o, r).ok_or(Code::NOT_FOUND)?;
            if !def.operations.contains('W') {
                return Err(Code::METHOD_NOT_ALLOWED);
            }
        }
        let values = validate::resources(target, records, false)?;
        let now = self.unix_now;
        let Some(inst) = self.objects.get_mut(&o).and_then(|m| m.get_mut(&i)) else {
            return Err(Code::NOT_FOUND);
        };
        if mode == WriteMode::Replace && target.resource.is_none() {
            // Replacing an instance drops the optional writable resources the payload omits.
            inst.retain(|r, _| {
                values.contains_key(r) || resource_def(o, *r).is_none_or(|d| d.mandatory || !d.operations.contains('W'))
            });
        }
        for (r, new) in values {
            if o == DEVICE && r == rid::CURRENT_TIME {
                // The clock moves on from the written time; the stored value stays a
                // placeholder (reads compute the time).
                if let Resource::Single(Value::Time(t)) = new {
                    self.time_offset = t.saturating_sub(now);
                }
                inst.insert(r, Resource::Single(Value::Time(0)));
                continue;
            }
            match (inst.get_mut(&r), new, mode) {
                (Some(Resource::Multiple(old)), Resource::Multiple(add), WriteMode::Update) => old.extend(add),
                (_, new, _) => {
                    inst.insert(r, new);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn is_single_instance_object(o: u16) -> bool {
        o == DEVICE
    }

    /// The lowest instance id not in use, for a Create that names none.
    pub(crate) fn free_instance(&self, o: u16) -> Option<u16> {
        let used = self.objects.get(&o)?;
        (0..u16::MAX).find(|i| !used.contains_key(i))
    }

    /// Create (§5.4.6) of one instance of object `o` from `records` (absolute paths of one
    /// instance). Returns the new instance id.
    pub(crate) fn create(&mut self, o: u16, records: &[Record]) -> Result<u16, Code> {
        self.instances(o)?;
        if Self::is_single_instance_object(o) {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        let first = records.first().and_then(|r| r.path.instance);
        let i = match first {
            Some(i) => i,
            None => self.free_instance(o).ok_or(Code::BAD_REQUEST)?,
        };
        if self.instance(o, i).is_ok() {
            return Err(Code::BAD_REQUEST);
        }
        let mut inst = validate::resources(&Path::instance(o, i), records, true)?;
        for def in resource_defs(o).iter().filter(|d| d.mandatory) {
            if def.ty != ResourceType::None && !inst.contains_key(&def.id) {
                return Err(Code::BAD_REQUEST);
            }
        }
        for id in self.executables(o) {
            inst.insert(id, Resource::Executable);
        }
        self.objects.entry(o).or_default().insert(i, inst);
        Ok(i)
    }

    /// Delete (§5.4.7) of an Object Instance. The Device instance and the account of the
    /// server we are registered with (Server instance `own`) are not deletable by that server:
    /// 4.05.
    pub(crate) fn delete(&mut self, path: &Path, own: u16) -> Result<(), Code> {
        let (Some(o), Some(i), None) = (path.object, path.instance, path.resource) else {
            return Err(Code::METHOD_NOT_ALLOWED);
        };
        self.instance(o, i)?;
        if o == DEVICE || (o == SERVER && i == own) {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        if let Some(m) = self.objects.get_mut(&o) {
            m.remove(&i);
        }
        Ok(())
    }
}

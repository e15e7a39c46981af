//! The object tree of the LwM2M Client the harness plays for server and Bootstrap-Server DUTs,
//! and how a correct client answers a request on it. The engine uses it for the DUT's requests
//! that no step takes and no `auto_respond` rule answers (see `background`), so the harness is
//! a complete peer: Discover and Read are answered from the tree, Write and Delete change it.
//!
//! The tree starts as a client of that role would: for a Bootstrap-Server DUT, the
//! Bootstrap-Server Account (Security /0/0 pointing at the DUT) and the Device /3/0; for a
//! server DUT, the account of that server (Security /0/0, Server /1/0, Short Server ID 1) and
//! the Device /3/0, plus every Object Instance the case's Register announced.

use std::collections::{BTreeMap, BTreeSet};

use crate::coap::message::option;
use crate::coap::{Code, Message};
use crate::lwm2m::operation::{self, Context, Operation};
use crate::lwm2m::{self, Content, ContentFormat, Link, Path, Record, Role, Value};

const SECURITY: u16 = 0;
const SERVER: u16 = 1;
const ACCESS_CONTROL: u16 = 2;
const DEVICE: u16 = 3;
/// Security Object: LwM2M Server URI, Bootstrap-Server, Security Mode, Short Server ID.
const SECURITY_URI: u16 = 0;
const SECURITY_BOOTSTRAP: u16 = 1;
const SECURITY_SSID: u16 = 10;
/// Server Object: Short Server ID.
const SERVER_SSID: u16 = 0;

/// What the harness answers: a code, perhaps a payload, and for the transcript what the request
/// was (`Bootstrap-Discover /`).
#[derive(Debug, PartialEq)]
pub(super) struct Answer {
    pub code: Code,
    pub content: Option<(ContentFormat, Vec<u8>)>,
    /// Location-Path of a Create's 2.01.
    pub location: Option<String>,
    pub operation: String,
}

#[derive(Debug)]
pub(super) struct ClientModel {
    /// The DUT is a Bootstrap-Server: GETs are Bootstrap-Read/-Discover, Deletes may target "/".
    bootstrap: bool,
    objects: BTreeSet<u16>,
    instances: BTreeSet<(u16, u16)>,
    /// Resource (or Resource Instance) values by absolute path.
    values: BTreeMap<Path, Value>,
}

impl ClientModel {
    /// A client waiting to be bootstrapped by the DUT at `dut_uri`.
    pub fn for_bootstrap_server(dut_uri: &str) -> ClientModel {
        let mut m = ClientModel::empty(true);
        m.set(Path::resource(SECURITY, 0, SECURITY_URI), Value::String(dut_uri.into()));
        m.set(Path::resource(SECURITY, 0, SECURITY_BOOTSTRAP), Value::Boolean(true));
        m.set(Path::resource(SECURITY, 0, 2), Value::Integer(3));
        m.objects.insert(SERVER);
        m.device();
        m
    }

    /// A client registered with the LwM2M Server DUT at `dut_uri`.
    pub fn for_server(dut_uri: &str) -> ClientModel {
        let mut m = ClientModel::empty(false);
        m.set(Path::resource(SECURITY, 0, SECURITY_URI), Value::String(dut_uri.into()));
        m.set(Path::resource(SECURITY, 0, SECURITY_BOOTSTRAP), Value::Boolean(false));
        m.set(Path::resource(SECURITY, 0, 2), Value::Integer(3));
        m.set(Path::resource(SECURITY, 0, SECURITY_SSID), Value::Integer(1));
        m.set(Path::resource(SERVER, 0, SERVER_SSID), Value::Integer(1));
        m.set(Path::resource(SERVER, 0, 1), Value::Integer(300));
        m.set(Path::resource(SERVER, 0, 6), Value::Boolean(false));
        m.set(Path::resource(SERVER, 0, 7), Value::String("U".into()));
        m.device();
        m
    }

    fn empty(bootstrap: bool) -> ClientModel {
        ClientModel {
            bootstrap,
            objects: BTreeSet::new(),
            instances: BTreeSet::new(),
            values: BTreeMap::new(),
        }
    }

    fn device(&mut self) {
        self.set(Path::resource(DEVICE, 0, 0), Value::String("lwm2m-conformance".into()));
        self.set(Path::resource(DEVICE, 0, 1), Value::String("harness client".into()));
        self.set(Path::resource(DEVICE, 0, 16), Value::String("U".into()));
    }

    fn set(&mut self, path: Path, value: Value) {
        if let (Some(o), Some(i)) = (path.object, path.instance) {
            self.objects.insert(o);
            self.instances.insert((o, i));
            self.values.insert(path, value);
        }
    }

    /// The Objects and Object Instances a Register's link-format payload announces.
    pub fn learn_registered(&mut self, payload: &str) {
        let Ok(links) = lwm2m::link_format::parse(payload) else {
            return;
        };
        for p in links.iter().filter_map(Link::path) {
            match (p.object, p.instance) {
                (Some(o), Some(i)) => {
                    self.objects.insert(o);
                    self.instances.insert((o, i));
                }
                (Some(o), None) => {
                    self.objects.insert(o);
                }
                _ => {}
            }
        }
    }

    /// The Bootstrap-Server Account: a Security instance with Bootstrap-Server true, which
    /// "/" and Object Deletes keep (seed 003 §8.1.1).
    fn is_bootstrap_account(&self, o: u16, i: u16) -> bool {
        o == SECURITY && self.values.get(&Path::resource(o, i, SECURITY_BOOTSTRAP)) == Some(&Value::Boolean(true))
    }

    /// Answers `req` as a correct client would, changing the tree for Write, Create and Delete.
    pub fn answer(&mut self, req: &Message) -> Answer {
        let raw = req.uri_path();
        let answer = |code: Code, operation: String| Answer {
            code,
            content: None,
            location: None,
            operation,
        };
        // The model keeps no observations: an Observe or Cancel Observation is answered as the
        // GET it also is.
        let mut plain = req.clone();
        plain.options.retain(|(n, _)| *n != option::OBSERVE);
        let sender = if self.bootstrap {
            Role::BootstrapServer
        } else {
            Role::Server
        };
        let op = operation::classify(&plain, Context::sent_by(sender));
        if op == Some(Operation::BootstrapFinish) {
            return answer(Code::CHANGED, "Bootstrap-Finish".into());
        }
        let Ok(path) = raw.parse::<Path>() else {
            return answer(Code::NOT_FOUND, format!("{} {raw}", req.code));
        };
        let Some(op) = op else {
            return answer(Code::METHOD_NOT_ALLOWED, format!("{} {raw}", req.code));
        };
        let operation = format!("{} {raw}", op.name());
        match op {
            Operation::Discover | Operation::BootstrapDiscover => match self.discover(&path) {
                Some(links) => Answer {
                    code: Code::CONTENT,
                    content: Some((ContentFormat::LINK_FORMAT, links.into_bytes())),
                    location: None,
                    operation,
                },
                None => answer(Code::NOT_FOUND, operation),
            },
            // 1.1 Bootstrap-Read targets the Server and Access Control Objects only.
            Operation::BootstrapRead if !matches!(path.object, Some(SERVER | ACCESS_CONTROL)) => {
                answer(Code::METHOD_NOT_ALLOWED, operation)
            }
            Operation::Read | Operation::BootstrapRead => match self.read(&path, req.accept()) {
                Ok(content) => Answer {
                    code: Code::CONTENT,
                    content: Some(content),
                    location: None,
                    operation,
                },
                Err(code) => answer(code, operation),
            },
            Operation::WriteAttributes => answer(Code::CHANGED, operation),
            Operation::Write | Operation::BootstrapWrite | Operation::WritePartial => {
                let code = self.write(&path, req, op == Operation::Write);
                answer(code, operation)
            }
            Operation::Execute => match (path.object, path.instance) {
                (Some(o), Some(i)) if self.instances.contains(&(o, i)) => answer(Code::CHANGED, operation),
                _ => answer(Code::NOT_FOUND, operation),
            },
            Operation::Create => self.create(&path, req, operation),
            Operation::Delete | Operation::BootstrapDelete => {
                let code = self.delete(&path);
                answer(code, operation)
            }
            _ => answer(Code::METHOD_NOT_ALLOWED, format!("{} {raw}", req.code)),
        }
    }

    /// Create on an Object: the instance the payload names, else the first free one.
    fn create(&mut self, path: &Path, req: &Message, operation: String) -> Answer {
        let mut a = Answer {
            code: Code::CREATED,
            content: None,
            location: None,
            operation,
        };
        let Some(o) = path.object else {
            a.code = Code::METHOD_NOT_ALLOWED;
            return a;
        };
        let decoded = self.decode(path, req);
        let new = (0..=u16::MAX - 1).find(|i| !self.instances.contains(&(o, *i)));
        match (decoded, new) {
            (Ok(records), Some(fresh)) => {
                // Records name their instance when the payload carried one.
                let i = records.first().and_then(|r| r.path.instance).unwrap_or(fresh);
                self.objects.insert(o);
                self.instances.insert((o, i));
                for r in records {
                    let p = Path {
                        instance: Some(i),
                        ..r.path
                    };
                    self.set(p, r.value);
                }
                a.location = Some(format!("/{o}/{i}"));
            }
            (Err(code), _) => a.code = code,
            (_, None) => a.code = Code::INTERNAL_SERVER_ERROR,
        }
        a
    }

    fn decode(&self, path: &Path, req: &Message) -> Result<Vec<Record>, Code> {
        let Some(format) = req.content_format().map(ContentFormat) else {
            return Err(Code::BAD_REQUEST);
        };
        match lwm2m::decode(Some(format), path, &req.payload) {
            Ok(Content::Records(records)) => Ok(records),
            Ok(Content::Empty) => Ok(Vec::new()),
            Ok(_) => Err(Code::BAD_REQUEST),
            // 4.15 Unsupported Content-Format for a format the client does not decode.
            Err(lwm2m::DecodeError::UnsupportedFormat(_)) => Err(Code::UNSUPPORTED_CONTENT_FORMAT),
            Err(_) => Err(Code::BAD_REQUEST),
        }
    }

    /// Bootstrap-Write writes whatever it carries (seed 003 §8.1.1: "regardless of an existence
    /// of the targeting Object Instance(s) or Resource"); a DM Write needs the target to exist,
    /// and with `replace` (PUT on an instance) it replaces the instance's resources.
    fn write(&mut self, path: &Path, req: &Message, replace: bool) -> Code {
        let records = match self.decode(path, req) {
            Ok(r) => r,
            Err(code) => return code,
        };
        if !self.bootstrap {
            let exists = match (path.object, path.instance) {
                (Some(o), Some(i)) => self.instances.contains(&(o, i)),
                (Some(o), None) => self.objects.contains(&o),
                _ => false,
            };
            if !exists {
                return Code::NOT_FOUND;
            }
            if replace && path.resource.is_none() {
                self.values.retain(|p, _| !path.contains(p));
            }
        }
        for r in records.into_iter().filter(|r| path.contains(&r.path)) {
            self.set(r.path, r.value);
        }
        Code::CHANGED
    }

    fn delete(&mut self, path: &Path) -> Code {
        let doomed: Vec<(u16, u16)> = self
            .instances
            .iter()
            .copied()
            .filter(|&(o, i)| path.contains(&Path::instance(o, i)) && !self.is_bootstrap_account(o, i))
            .collect();
        // A DM Delete targets one existing Object Instance; the Bootstrap Interface also "/"
        // and (1.1) an Object, and deleting nothing there is still a success.
        let allowed = match (path.object, path.instance, path.resource) {
            (Some(_), Some(_), None) => self.bootstrap || !doomed.is_empty(),
            (_, None, None) => self.bootstrap,
            _ => false,
        };
        if !allowed {
            return if path.resource.is_some() || !self.bootstrap && path.instance.is_none() {
                Code::METHOD_NOT_ALLOWED
            } else {
                Code::NOT_FOUND
            };
        }
        for (o, i) in doomed {
            self.instances.remove(&(o, i));
            let inst = Path::instance(o, i);
            self.values.retain(|p, _| !inst.contains(p));
        }
        Code::DELETED
    }

    fn records_under(&self, path: &Path) -> Vec<Record> {
        self.values
            .iter()
            .filter(|(p, _)| path.contains(p))
            .map(|(p, v)| Record::new(*p, v.clone()))
            .collect()
    }

    fn exists(&self, path: &Path) -> bool {
        match (path.object, path.instance, path.resource) {
            (None, _, _) => true,
            (Some(o), None, _) => self.objects.contains(&o),
            (Some(o), Some(i), None) => self.instances.contains(&(o, i)),
            _ => self.values.keys().any(|p| path.contains(p)),
        }
    }

    /// Read: in the Accept's format if the client has it (TLV, SenML JSON, plain text for one
    /// Resource), else 4.06; without Accept TLV, or plain text for one Resource.
    fn read(&self, path: &Path, accept: Option<u16>) -> Result<(ContentFormat, Vec<u8>), Code> {
        if path.object.is_none() {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        if !self.exists(path) {
            return Err(Code::NOT_FOUND);
        }
        let records = self.records_under(path);
        let single = path.resource.is_some() && records.len() == 1;
        let format = match accept.map(ContentFormat) {
            None if single => ContentFormat::TEXT,
            None => ContentFormat::TLV,
            Some(f) if f.canonical() == ContentFormat::TLV || f.canonical() == ContentFormat::SENML_JSON => f,
            Some(f) if f == ContentFormat::TEXT && single => f,
            Some(_) => return Err(Code::NOT_ACCEPTABLE),
        };
        lwm2m::encode(format, path, &records)
            .map(|payload| (format, payload))
            .map_err(|_| Code::INTERNAL_SERVER_ERROR)
    }

    /// Discover. Bootstrap (1.1): the Objects and Object Instances under "/" or an Object,
    /// headed by `</>;lwm2m=1.1` on "/", with the `uri` of Security instances and the `ssid` of
    /// Server instances. DM: the target and the Resources under it.
    fn discover(&self, path: &Path) -> Option<String> {
        if !self.exists(path) {
            return None;
        }
        let mut links = Vec::new();
        if self.bootstrap {
            if path.instance.is_some() {
                return None;
            }
            if path.object.is_none() {
                links.push(Link::new("/").with("lwm2m", Some("1.1")));
            }
            for &o in self.objects.iter().filter(|o| path.object.is_none_or(|p| p == **o)) {
                let mut any = false;
                for &(_, i) in self.instances.iter().filter(|(io, _)| *io == o) {
                    any = true;
                    links.push(self.account_link(o, i));
                }
                if !any {
                    links.push(Link::new(format!("/{o}")));
                }
            }
        } else {
            links.push(Link::new(path.to_string()));
            for p in self
                .values
                .keys()
                .filter(|p| path.contains(p) && p.resource_instance.is_none())
            {
                if p != path {
                    links.push(Link::new(p.to_string()));
                }
            }
        }
        Some(lwm2m::link_format::serialize(&links))
    }

    fn account_link(&self, o: u16, i: u16) -> Link {
        let mut link = Link::new(format!("/{o}/{i}"));
        let text = |r: u16| self.values.get(&Path::resource(o, i, r)).map(Value::to_text);
        match o {
            SECURITY => {
                if !self.is_bootstrap_account(o, i)
                    && let Some(ssid) = text(SECURITY_SSID)
                {
                    link = link.with("ssid", Some(&ssid));
                }
                if let Some(uri) = text(SECURITY_URI) {
                    link = link.with("uri", Some(&uri));
                }
            }
            SERVER => {
                if let Some(ssid) = text(SERVER_SSID) {
                    link = link.with("ssid", Some(&ssid));
                }
            }
            _ => {}
        }
        link
    }
}

/// The client model of a trial: none when the harness plays a server (client DUTs).
pub(super) fn model_for(role: crate::lwm2m::Role, dut: Option<std::net::SocketAddr>) -> Option<ClientModel> {
    // Before the DUT's address is known the account points at the default CoAP port.
    let uri = format!(
        "coap://{}",
        dut.map(|a| a.to_string()).unwrap_or_else(|| "127.0.0.1:5683".into())
    );
    match role {
        crate::lwm2m::Role::Client => None,
        crate::lwm2m::Role::Server => Some(ClientModel::for_server(&uri)),
        crate::lwm2m::Role::BootstrapServer => Some(ClientModel::for_bootstrap_server(&uri)),
    }
}

//! Who is who in an exchange, learnt from what each peer sends: the sender of a Register, Update,
//! De-register or Bootstrap-Request is an LwM2M Client and its recipient an LwM2M Server or
//! Bootstrap-Server; the sender of a Bootstrap-Finish is a Bootstrap-Server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;

use super::{Datagram, Operation};
use crate::lwm2m::Role;

/// The LwM2M role (Client, Server, Bootstrap-Server) of each address in an exchange, and the
/// Endpoint Client Name each client gave, as learnt from the requests it sent or given up front.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    by_addr: BTreeMap<SocketAddr, Role>,
    /// The Endpoint Client Name a client gave (Register or Bootstrap-Request `ep`).
    endpoints: BTreeMap<SocketAddr, String>,
}

impl Roles {
    /// The role learnt for `addr`, if any.
    pub fn role(&self, addr: SocketAddr) -> Option<Role> {
        self.by_addr.get(&addr).copied()
    }

    /// The Endpoint Client Name the client at `addr` gave, if any.
    pub fn endpoint(&self, addr: SocketAddr) -> Option<&str> {
        self.endpoints.get(&addr).map(String::as_str)
    }

    /// Records a role; the first one learnt (or given) for an address stays.
    pub fn learn(&mut self, addr: SocketAddr, role: Role) {
        self.by_addr.entry(addr).or_insert(role);
    }

    /// Records the Endpoint Client Name (`ep`) a client gave; the first one for an address stays.
    pub fn learn_endpoint(&mut self, addr: SocketAddr, ep: &str) {
        self.endpoints.entry(addr).or_insert_with(|| ep.to_string());
    }

    /// What a request of `op` from `from` to `to` says about both.
    pub fn learn_from_request(&mut self, op: Option<Operation>, from: SocketAddr, to: SocketAddr) {
        let Some(op) = op else { return };
        match op {
            Operation::Register | Operation::Update | Operation::Deregister => {
                self.learn(from, Role::Client);
                self.learn(to, Role::Server);
            }
            Operation::BootstrapRequest => {
                self.learn(from, Role::Client);
                self.learn(to, Role::BootstrapServer);
            }
            Operation::BootstrapFinish => {
                self.learn(from, Role::BootstrapServer);
                self.learn(to, Role::Client);
            }
            _ => {}
        }
    }
}

fn word(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        Role::Server => "server",
        Role::BootstrapServer => "bootstrap",
    }
}

/// Display names of the peers: `client`, `server`, `bootstrap`, numbered (`client1`, `client2`)
/// in order of first appearance when a role has several; unknown peers by address.
#[derive(Clone, Debug, Default)]
pub struct Peers {
    names: HashMap<SocketAddr, String>,
    legend: Vec<String>,
}

impl Peers {
    /// Names every address in `datagrams` by its role, in order of first appearance.
    pub fn name(roles: &Roles, datagrams: &[Datagram]) -> Peers {
        let mut seen: HashSet<SocketAddr> = HashSet::new();
        let order: Vec<SocketAddr> = datagrams
            .iter()
            .flat_map(|d| [d.from, d.to])
            .filter(|a| seen.insert(*a))
            .collect();
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &order {
            if let Some(role) = roles.role(*a) {
                *count.entry(word(role)).or_default() += 1;
            }
        }
        let mut numbered: BTreeMap<&str, usize> = BTreeMap::new();
        let mut peers = Peers::default();
        for a in order {
            let name = match roles.role(a).map(word) {
                Some(w) if count.get(w).copied().unwrap_or(0) > 1 => {
                    let n = numbered.entry(w).or_default();
                    *n += 1;
                    format!("{w}{n}")
                }
                Some(w) => w.to_string(),
                None => a.to_string(),
            };
            if roles.role(a).is_some() {
                let ep = roles.endpoint(a).map(|e| format!(" (ep={e})")).unwrap_or_default();
                peers.legend.push(format!("{name} = {a}{ep}"));
            }
            peers.names.insert(a, name);
        }
        peers
    }

    /// The display name of `addr`; its address when the role is unknown.
    pub fn label(&self, addr: SocketAddr) -> String {
        self.names.get(&addr).cloned().unwrap_or_else(|| addr.to_string())
    }

    /// One line per named peer: `client = 127.0.0.1:40001 (ep=dev1)`.
    pub fn legend(&self) -> Vec<String> {
        self.legend.clone()
    }
}

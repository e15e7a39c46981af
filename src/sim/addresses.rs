//! Where the parties of an in-memory trial sit: the layout of the process path
//! (`transport::trial`, `transport::bind`), derived from the same keys, with nothing bound. No
//! process ID is mixed in, so a case gets the same addresses in every run, and an address is
//! "taken" only by another party of the same trial.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};

use crate::case::Case;
use crate::lwm2m::Role;
use crate::profile::Profile;
use crate::transport::bind::{COAP_PORT, candidates_salted, fnv1a};
use crate::transport::trial::plan::{DutPlace, dut_place};

/// Linux's default ephemeral port range (`net.ipv4.ip_local_port_range`), where the process
/// path's port-0 binds land.
const EPHEMERAL: std::ops::Range<u16> = 32768..61000;

/// An ephemeral port for `key`: what the kernel would hand a port-0 bind, but reproducible.
/// Never `avoid` (a port the DUT binds itself).
pub(super) fn ephemeral(key: &str, avoid: Option<u16>) -> u16 {
    let span = u64::from(EPHEMERAL.end - EPHEMERAL.start);
    let port = EPHEMERAL.start + (fnv1a(key.as_bytes()) % span) as u16;
    if Some(port) == avoid {
        EPHEMERAL.start + (port - EPHEMERAL.start + 1) % (span as u16)
    } else {
        port
    }
}

pub(super) struct Layout {
    /// The harness's endpoints by name, the primary one (`server` or `client`) first.
    pub endpoints: Vec<(String, SocketAddr)>,
    /// Server and Bootstrap-Server DUTs: port 5683 of each harness client's address. The process
    /// path listens there (a witness socket) so that a server answering to the CoAP default port
    /// instead of the Register's source port is seen doing it; so does the pairing.
    pub witnesses: Vec<SocketAddr>,
    /// Where a DUT that must be reachable first listens (a server DUT, or a client awaiting a
    /// Server Initiated Bootstrap): `{client_*}`/`{dut_*}` of its launch.
    pub dut: Option<SocketAddr>,
}

impl Layout {
    /// Every address a datagram from the DUT can reach the harness at.
    pub fn harness(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.endpoints
            .iter()
            .map(|(_, a)| *a)
            .chain(self.witnesses.iter().copied())
    }
}

pub(super) fn layout(case: &Case, profile: &Profile) -> Layout {
    let mut taken: BTreeSet<IpAddr> = BTreeSet::new();
    // The first candidate address of `key` that no other party of the trial holds, as a
    // collision on the process path moves on to the next candidate.
    let mut address = |key: &str, port: u16| {
        let ip = candidates_salted(key, 0)
            .map(|c| c.ip())
            .find(|ip| !taken.contains(ip))
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        taken.insert(ip);
        SocketAddr::new(ip, port)
    };
    let avoid = profile.fixed_port();
    let mut endpoints = Vec::new();
    let mut witnesses = Vec::new();
    for name in case.endpoints() {
        let key = format!("{}#{name}", case.id);
        // The harness's LwM2M Servers sit on 5683 (unless the DUT binds that port itself); its
        // LwM2M Clients send from ephemeral ports, as real clients do.
        let server_side = case.dut == Role::Client && avoid != Some(COAP_PORT);
        let port = if server_side { COAP_PORT } else { ephemeral(&key, avoid) };
        let local = address(&key, port);
        witnesses.extend(crate::transport::bind::witness(case.dut, local, avoid));
        endpoints.push((name, local));
    }
    // Where the DUT listens, as the process path decides it; only the port-0 and loopback
    // placements differ, as nothing is bound or probed here.
    let dut = match dut_place(case, profile) {
        DutPlace::Nowhere => None,
        DutPlace::Fixed(a) => Some(a),
        DutPlace::FreeEverywhere(ip) => Some(SocketAddr::new(ip, ephemeral(&format!("{}#bound", case.id), None))),
        DutPlace::Loopback(key) => Some(address(&format!("{key}#client"), COAP_PORT)),
    };
    Layout {
        endpoints,
        witnesses,
        dut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ephemeral_ports_are_in_the_range_reproducible_and_never_the_avoided_one() {
        let p = ephemeral("case#client", None);
        assert!(EPHEMERAL.contains(&p));
        assert_eq!(p, ephemeral("case#client", None));
        let q = ephemeral("case#client", Some(p));
        assert!(EPHEMERAL.contains(&q) && q != p);
    }
}

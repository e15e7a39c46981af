//! Choosing the loopback address a trial's LwM2M Server endpoint binds.
//!
//! Wireshark and tshark decode CoAP only on UDP port 5683 unless told otherwise. Linux routes all
//! of 127.0.0.0/8 to loopback, so each trial takes port 5683 on an address of its own, derived
//! from the case ID and the process ID (parallel trials and parallel processes rarely collide,
//! and a collision just moves on to the next candidate). Where no such bind works (another OS, a
//! locked-down sandbox) it falls back to an ephemeral port and says so.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::net::UdpSocket;

/// The default CoAP port (RFC 7252 §6.1), the port Wireshark decodes as CoAP.
pub const COAP_PORT: u16 = 5683;

/// `avoid`: a port the DUT binds itself (profile `binds`), on any address: when it is 5683 the
/// server takes an ephemeral port on its loopback address instead (`decode_as_hint` then tells
/// tshark which port is CoAP).
pub async fn bind_server(key: &str, fixed: Option<SocketAddr>, avoid: Option<u16>) -> std::io::Result<UdpSocket> {
    if let Some(addr) = fixed {
        if !addr.ip().is_loopback() {
            return Err(std::io::Error::other(format!("{addr} is not a loopback address")));
        }
        return UdpSocket::bind(addr).await;
    }
    if avoid == Some(COAP_PORT) {
        return bind_client(key, avoid).await;
    }
    for candidate in candidates(key) {
        if let Ok(sock) = UdpSocket::bind(candidate).await {
            return Ok(sock);
        }
    }
    UdpSocket::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)).await
}

/// A socket for one of the harness's LwM2M Clients (the DUT is a server): an ephemeral port on a
/// loopback address of its own. Not 5683, so a server that sends to the CoAP default port instead
/// of the Register's source port misses it; the DUT's side keeps 5683, so captures still decode
/// as CoAP.
/// An ephemeral port is never `avoid` (the port a DUT binds itself, which the kernel might
/// otherwise hand out before the DUT has bound it).
pub async fn bind_client(key: &str, avoid: Option<u16>) -> std::io::Result<UdpSocket> {
    let fallback = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);
    for ip in candidates(key)
        .map(|c| c.ip())
        .chain(std::iter::repeat_n(fallback.ip(), 4))
    {
        if let Ok(sock) = UdpSocket::bind(SocketAddr::new(ip, 0)).await
            && sock.local_addr().map(|a| Some(a.port()) != avoid).unwrap_or(true)
        {
            return Ok(sock);
        }
    }
    UdpSocket::bind(fallback).await
}

/// A port for a DUT that binds the wildcard address on the port the harness gives it (profile
/// `binds` with port 0): one the kernel hands out as ephemeral on `at` (a loopback address) and
/// that no socket holds on any address. `None` after a few tries.
pub fn free_everywhere(at: std::net::IpAddr) -> Option<SocketAddr> {
    (0..16).find_map(|_| {
        let port = std::net::UdpSocket::bind((at, 0)).ok()?.local_addr().ok()?.port();
        (!super::ready::port_taken(port)).then_some(SocketAddr::new(at, port))
    })
}

/// Port 5683 of a harness client's address, where nobody should send: listened on when the DUT
/// is a server or Bootstrap-Server (so one that answers to the CoAP default port instead of the
/// Register's source port is seen doing it), unless the client sits there already or the DUT
/// binds that port itself. `None` when there is no witness.
pub fn witness(dut: crate::lwm2m::Role, local: SocketAddr, dut_port: Option<u16>) -> Option<SocketAddr> {
    let wanted = dut != crate::lwm2m::Role::Client && local.port() != COAP_PORT && dut_port != Some(COAP_PORT);
    wanted.then(|| SocketAddr::new(local.ip(), COAP_PORT))
}

/// Loopback addresses on port 5683 to try for `key` (a case ID, say) in this process, in order:
/// derived from the key and the process ID so parallel trials rarely collide.
pub fn candidates(key: &str) -> impl Iterator<Item = SocketAddr> {
    candidates_salted(key, u64::from(std::process::id()))
}

/// [`candidates`] with `salt` in place of the process ID: the same `key` and `salt` give the
/// same addresses (the in-memory pairing (`sim`) passes 0, so its trials are
/// reproducible).
pub fn candidates_salted(key: &str, salt: u64) -> impl Iterator<Item = SocketAddr> {
    let mut h = fnv1a(key.as_bytes()) ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..32).map(move |_| {
        let ip = Ipv4Addr::new(
            127,
            1 + (h % 254) as u8,
            1 + ((h >> 8) % 254) as u8,
            1 + ((h >> 16) % 254) as u8,
        );
        h = h.rotate_left(24).wrapping_mul(0x100_0000_01b3).wrapping_add(1);
        SocketAddr::new(IpAddr::V4(ip), COAP_PORT)
    })
}

/// FNV-1a: a stable hash (std's hasher is randomly seeded per process).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn two_trials_get_port_5683_on_different_loopback_addresses() {
        let a = bind_server("case-a", None, None).await.expect("bind a");
        let b = bind_server("case-a", None, None)
            .await
            .expect("bind b (same key collides, moves on)");
        let (a, b) = (a.local_addr().expect("addr"), b.local_addr().expect("addr"));
        assert!(a.ip().is_loopback() && b.ip().is_loopback());
        assert_ne!(a, b);
        assert_eq!(a.port(), COAP_PORT, "this machine allows binding 127.x.y.z:5683");
    }

    #[tokio::test]
    async fn a_harness_client_takes_an_ephemeral_port_on_an_address_of_its_own() {
        let a = bind_client("case-b#client", None).await.expect("bind");
        let b = bind_client("case-b#client2", None).await.expect("bind");
        let (a, b) = (a.local_addr().expect("addr"), b.local_addr().expect("addr"));
        assert!(a.ip().is_loopback() && b.ip().is_loopback());
        assert_ne!(a.ip(), b.ip(), "two clients, two addresses");
        assert!(a.port() != COAP_PORT && b.port() != COAP_PORT);
    }

    #[tokio::test]
    async fn a_dut_binding_5683_itself_moves_the_harness_server_off_it() {
        let s = bind_server("case-c", None, Some(COAP_PORT)).await.expect("bind");
        let a = s.local_addr().expect("addr");
        assert!(a.ip().is_loopback() && a.port() != COAP_PORT, "{a}");
    }

    #[tokio::test]
    async fn refuses_a_non_loopback_fixed_address() {
        let err = bind_server("x", Some("192.0.2.1:5683".parse().expect("literal")), None)
            .await
            .expect_err("refused");
        assert!(err.to_string().contains("not a loopback"));
    }
}

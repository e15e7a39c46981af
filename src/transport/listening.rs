//! Waiting for a launched DUT that listens (a server DUT, or a client awaiting a Server Initiated
//! Bootstrap) to bind its address. Until it has, the harness's first datagram would go to an
//! unbound port and be lost, and the case would depend on a CoAP retransmission 2-3 s later.
//!
//! Linux reports every bound UDP socket in /proc/net/udp, so the check neither sends anything
//! (the capture stays the case's own) nor binds the address (which could race the DUT's bind).
//! Where the table cannot be read, or for IPv6, nothing is waited for.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

/// How often the table is read while waiting: a process binds its socket within milliseconds.
const POLL: Duration = Duration::from_millis(5);

/// Returns once `addr` is bound, or after `bound` (then the case goes on and judges what comes).
pub async fn until_bound(addr: SocketAddr, bound: Duration) {
    let deadline = Instant::now() + bound;
    while is_bound(addr) == Some(false) && Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
    }
}

/// Whether some socket holds `addr`; None when this cannot be told.
fn is_bound(addr: SocketAddr) -> Option<bool> {
    let SocketAddr::V4(v4) = addr else { return None };
    let table = std::fs::read_to_string("/proc/net/udp").ok()?;
    Some(holds(&table, v4))
}

/// The kernel prints the local address as the raw (network order) IPv4 word in host order, and
/// the port in hex: 127.0.0.1:5683 is `0100007F:1633` on a little-endian machine.
fn holds(table: &str, addr: std::net::SocketAddrV4) -> bool {
    let want = format!("{:08X}:{:04X}", u32::from_ne_bytes(addr.ip().octets()), addr.port());
    table
        .lines()
        .skip(1)
        .any(|l| l.split_whitespace().nth(1) == Some(want.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_socket_is_seen_and_a_free_address_is_not() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let SocketAddr::V4(addr) = socket.local_addr().expect("addr") else {
            unreachable!("bound to an IPv4 address")
        };
        let table = std::fs::read_to_string("/proc/net/udp").expect("Linux has /proc/net/udp");
        assert!(holds(&table, addr), "{addr} in\n{table}");
        drop(socket);
        let table = std::fs::read_to_string("/proc/net/udp").expect("readable");
        assert!(!holds(&table, addr));
    }
}

//! Waiting for a launched server DUT to listen before the first step runs.
//!
//! A server or Bootstrap-Server DUT is started per trial and told where to listen; the harness,
//! as its client, speaks first. A Register sent before the DUT has bound its socket is lost, and
//! only a CoAP retransmission 2-3 s (or 6-9 s) later is answered; worse, time-boxed steps before
//! it (a trigger, then "no request within the quiet window") would pass while the DUT is not even
//! running yet. No event says "a process bound a UDP port", so the harness polls the kernel's
//! socket tables (`/proc/net/udp` and `/proc/net/udp6`: read-only, so no traffic in the capture and no bind competing
//! with the DUT's), bounded by the profile's start-up timeout. Where the table cannot be read
//! (not Linux), it does not wait, as before.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// How often the socket table is read while waiting.
const POLL: Duration = Duration::from_millis(10);

/// What the wait ended with.
#[derive(Debug, PartialEq, Eq)]
pub enum Ready {
    /// A socket is bound to the address (or to the wildcard address on its port).
    Listening,
    /// Nothing bound it within the bound; the steps run anyway and judge what happens.
    TimedOut,
    /// The DUT process ended first (the trial reports that).
    Exited,
    /// The socket table cannot be read here: no wait.
    Unknown,
}

/// Waits until `addr` is bound, the DUT exits (`exited` is asked each round) or `bound` passes.
pub async fn until_listening(addr: SocketAddr, bound: Duration, mut exited: impl FnMut() -> bool) -> Ready {
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        // IPv4 sockets are in /proc/net/udp, IPv6 and dual-stack ones (`[::]:5683`, which takes
        // IPv4 datagrams too) in /proc/net/udp6; either table may be missing (no IPv6).
        let v4 = std::fs::read_to_string("/proc/net/udp");
        let v6 = std::fs::read_to_string("/proc/net/udp6");
        if v4.is_err() && v6.is_err() {
            return Ready::Unknown;
        }
        if v4.is_ok_and(|t| udp_bound(&t, addr)) || v6.is_ok_and(|t| udp6_bound(&t, addr)) {
            return Ready::Listening;
        }
        if exited() {
            return Ready::Exited;
        }
        if tokio::time::Instant::now() >= deadline {
            return Ready::TimedOut;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Whether any UDP socket, on any address, holds `port` (a DUT that binds the wildcard address
/// on it would fail).
pub fn port_taken(port: u16) -> bool {
    ["/proc/net/udp", "/proc/net/udp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .any(|table| locals(&table).any(|(_, p)| p == port))
}

/// The local addresses (hex address, port) of a socket table's lines.
fn locals(table: &str) -> impl Iterator<Item = (&str, u16)> {
    table.lines().skip(1).filter_map(|line| {
        let (ip, port) = line.split_whitespace().nth(1)?.split_once(':')?;
        Some((ip, u16::from_str_radix(port, 16).ok()?))
    })
}

/// Whether a line of `/proc/net/udp` has `addr` (or 0.0.0.0 on its port) as its local address.
/// The kernel prints the address as the hex of its four network-order bytes read as a native
/// integer (`0100007F:1633` is 127.0.0.1:5683 on a little-endian host) and the port in plain hex.
fn udp_bound(table: &str, addr: SocketAddr) -> bool {
    let SocketAddr::V4(addr) = addr else { return false };
    locals(table).any(|(ip, port)| {
        let Ok(ip) = u32::from_str_radix(ip, 16) else {
            return false;
        };
        let ip = Ipv4Addr::from(ip.to_ne_bytes());
        port == addr.port() && (ip == *addr.ip() || ip.is_unspecified())
    })
}

/// Whether a line of `/proc/net/udp6` takes datagrams for `addr`: the address itself, `::` on
/// its port (dual-stack unless the socket is IPV6_V6ONLY, which the table does not show), or,
/// for an IPv4 address, its IPv4-mapped form (`::ffff:127.0.0.1`). The kernel prints the 16
/// bytes as four 32-bit words, each as `/proc/net/udp` prints one.
fn udp6_bound(table: &str, addr: SocketAddr) -> bool {
    let wanted = match addr {
        SocketAddr::V4(a) => a.ip().to_ipv6_mapped(),
        SocketAddr::V6(a) => *a.ip(),
    };
    locals(table).any(|(ip, port)| {
        if ip.len() != 32 || port != addr.port() {
            return false;
        }
        let mut bytes = [0u8; 16];
        for (k, word) in bytes.chunks_mut(4).enumerate() {
            let Ok(w) = u32::from_str_radix(&ip[k * 8..k * 8 + 8], 16) else {
                return false;
            };
            word.copy_from_slice(&w.to_ne_bytes());
        }
        let ip = Ipv6Addr::from(bytes);
        ip == wanted || ip.is_unspecified()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(local: &str) -> String {
        format!(
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
             14193: {local} 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 72431 2 00000000455b5cdd 0\n"
        )
    }

    /// How the running kernel would print `ip` (native byte order of the network-order bytes).
    fn hex(ip: Ipv4Addr) -> String {
        format!("{:08X}", u32::from_ne_bytes(ip.octets()))
    }

    #[test]
    fn the_dut_address_or_the_wildcard_on_its_port_counts_as_listening() {
        let dut: SocketAddr = "127.22.112.139:5683".parse().expect("literal");
        let ip = Ipv4Addr::new(127, 22, 112, 139);
        assert!(udp_bound(&table(&format!("{}:1633", hex(ip))), dut));
        assert!(
            udp_bound(&table("00000000:1633"), dut),
            "a wildcard bind takes the port too"
        );
        assert!(!udp_bound(&table(&format!("{}:1634", hex(ip))), dut), "another port");
        assert!(!udp_bound(
            &table(&format!("{}:1633", hex(Ipv4Addr::new(127, 0, 0, 1)))),
            dut
        ));
        assert!(!udp_bound("garbage\nno fields here\n", dut));
    }

    /// How the kernel prints an IPv6 address: four words, each like `hex`.
    fn hex6(ip: Ipv6Addr) -> String {
        ip.octets()
            .chunks(4)
            .map(|w| format!("{:08X}", u32::from_ne_bytes([w[0], w[1], w[2], w[3]])))
            .collect()
    }

    #[test]
    fn ipv6_dual_stack_and_mapped_sockets_count_as_listening() {
        let dut: SocketAddr = "127.22.112.139:5683".parse().expect("literal");
        let any = hex6(Ipv6Addr::UNSPECIFIED);
        assert!(
            udp6_bound(&table(&format!("{any}:1633")), dut),
            "[::]:5683 is dual-stack"
        );
        let mapped = hex6(Ipv4Addr::new(127, 22, 112, 139).to_ipv6_mapped());
        assert!(udp6_bound(&table(&format!("{mapped}:1633")), dut));
        assert!(!udp6_bound(&table(&format!("{any}:1634")), dut));
        let v6: SocketAddr = "[::1]:5683".parse().expect("literal");
        assert!(udp6_bound(&table(&format!("{}:1633", hex6(Ipv6Addr::LOCALHOST))), v6));
        assert!(
            !udp_bound(&table("00000000:1633"), v6),
            "an IPv4 wildcard does not take ::1"
        );
    }

    #[tokio::test]
    async fn an_ipv6_socket_is_seen() {
        let Ok(socket) = std::net::UdpSocket::bind("[::1]:0") else {
            return;
        }; // no IPv6 here
        let bound = socket.local_addr().expect("address");
        let ready = until_listening(bound, Duration::from_secs(2), || false).await;
        assert!(matches!(ready, Ready::Listening | Ready::Unknown), "{ready:?}");
    }

    #[tokio::test]
    async fn a_bound_socket_is_seen_and_an_unbound_address_times_out() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let bound = socket.local_addr().expect("address");
        let ready = until_listening(bound, Duration::from_secs(2), || false).await;
        if ready == Ready::Unknown {
            return; // no /proc/net/udp on this system: the harness does not wait there
        }
        assert_eq!(ready, Ready::Listening);
        drop(socket);
        let free = until_listening(bound, Duration::from_millis(50), || false).await;
        assert_eq!(free, Ready::TimedOut);
        assert_eq!(
            until_listening(bound, Duration::from_secs(2), || true).await,
            Ready::Exited
        );
    }
}

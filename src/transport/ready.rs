//! Waiting for a launched server DUT to listen before the first step runs.
//!
//! A server or Bootstrap-Server DUT is started per trial and told where to listen; the harness,
//! as its client, speaks first. A Register sent before the DUT has bound its socket is lost, and
//! only a CoAP retransmission 2-3 s (or 6-9 s) later is answered; worse, time-boxed steps before
//! it (a trigger, then "no request within the quiet window") would pass while the DUT is not even
//! running yet. No event says "a process bound a UDP port", so the harness polls the kernel's
//! socket table (`/proc/net/udp`: read-only, so no traffic in the capture and no bind competing
//! with the DUT's), bounded by the profile's start-up timeout. Where the table cannot be read
//! (not Linux), it does not wait, as before.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
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
    let SocketAddr::V4(v4) = addr else {
        return Ready::Unknown;
    };
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        match std::fs::read_to_string("/proc/net/udp") {
            Ok(table) if udp_bound(&table, v4) => return Ready::Listening,
            Ok(_) => {}
            Err(_) => return Ready::Unknown,
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

/// Whether a line of `/proc/net/udp` has `addr` (or 0.0.0.0 on its port) as its local address.
/// The kernel prints the address as the hex of its four network-order bytes read as a native
/// integer (`0100007F:1633` is 127.0.0.1:5683 on a little-endian host) and the port in plain hex.
fn udp_bound(table: &str, addr: SocketAddrV4) -> bool {
    table.lines().skip(1).any(|line| {
        let Some((ip, port)) = line.split_whitespace().nth(1).and_then(|l| l.split_once(':')) else {
            return false;
        };
        let (Ok(ip), Ok(port)) = (u32::from_str_radix(ip, 16), u16::from_str_radix(port, 16)) else {
            return false;
        };
        let ip = Ipv4Addr::from(ip.to_ne_bytes());
        port == addr.port() && (ip == *addr.ip() || ip.is_unspecified())
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
        let dut: SocketAddrV4 = "127.22.112.139:5683".parse().expect("literal");
        assert!(udp_bound(&table(&format!("{}:1633", hex(*dut.ip()))), dut));
        assert!(
            udp_bound(&table("00000000:1633"), dut),
            "a wildcard bind takes the port too"
        );
        assert!(
            !udp_bound(&table(&format!("{}:1634", hex(*dut.ip()))), dut),
            "another port"
        );
        assert!(!udp_bound(
            &table(&format!("{}:1633", hex(Ipv4Addr::new(127, 0, 0, 1)))),
            dut
        ));
        assert!(!udp_bound("garbage\nno fields here\n", dut));
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

//! What the tokio drivers of the reference DUTs share: the loopback-only check of their
//! addresses, flushing a sans-IO core's datagrams to its socket, the bounded wake-up instant,
//! and the per-process seed.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::UdpSocket;
use tokio::time::Instant;

/// Largest UDP payload, so no datagram is ever truncated before a core sees it.
pub(crate) const MAX_DATAGRAM: usize = 65_535;

/// The longest a driver sleeps with nothing scheduled; bounds every wait.
const IDLE_WAKEUP: Duration = Duration::from_secs(60);

/// Sends every datagram `next` hands out. A lost datagram is what CoAP retransmission is
/// for: a failed send is logged and the rest still go.
pub(crate) async fn send_all(socket: &UdpSocket, mut next: impl FnMut() -> Option<(SocketAddr, Vec<u8>)>) {
    while let Some((to, bytes)) = next() {
        if let Err(e) = socket.send_to(&bytes, to).await {
            tracing::warn!("send to {to} failed: {e}");
        }
    }
}

/// When to wake a core whose clock started at `start`: its `deadline` (time since `start`),
/// but never more than IDLE_WAKEUP from now.
pub(crate) fn wake_at(start: Instant, deadline: Option<Duration>) -> Instant {
    let idle = start.elapsed() + IDLE_WAKEUP;
    start + deadline.map_or(idle, |t| t.min(idle))
}

/// Wall-clock time and process id mixed: Message IDs, tokens and retransmission spread that
/// differ between runs (RFC 7252 §4.4, §5.3.1 ask for unpredictable values).
pub(crate) fn seed(wall: Duration) -> u64 {
    u64::from(wall.subsec_nanos()) ^ (u64::from(std::process::id()) << 32) ^ wall.as_secs()
}

/// Time since the Unix epoch (zero if the clock is before it).
pub(crate) fn wall_clock() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Refuses the first of the `named` addresses (flag, address if given) that is not on loopback:
/// the reference DUTs never talk to anything else.
pub(crate) fn loopback_only(dut: &str, named: &[(&str, Option<SocketAddr>)]) -> Result<(), String> {
    match named
        .iter()
        .find_map(|&(flag, a)| Some((flag, a.filter(|a| !a.ip().is_loopback())?)))
    {
        Some((flag, a)) => Err(format!(
            "{flag} {a} is not a loopback address; the reference {dut} only uses loopback"
        )),
        None => Ok(()),
    }
}

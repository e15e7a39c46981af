//! What the tokio drivers of the reference DUTs share: sending what a sans-IO core queued, the
//! bounded wake-up, the largest datagram, and a per-process seed.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::UdpSocket;

/// The longest a driver sleeps with nothing scheduled; bounds every wait.
pub(crate) const IDLE_WAKEUP: Duration = Duration::from_secs(60);

/// Largest UDP payload, so no datagram is ever truncated before the core sees it.
pub(crate) const MAX_DATAGRAM: usize = 65_535;

/// Sends every datagram `next` yields. A lost datagram is what CoAP retransmission is for:
/// a failed send is logged and the rest still go.
pub(crate) async fn send_all(socket: &UdpSocket, mut next: impl FnMut() -> Option<(SocketAddr, Vec<u8>)>) {
    while let Some((to, bytes)) = next() {
        if let Err(e) = socket.send_to(&bytes, to).await {
            tracing::warn!("send to {to} failed: {e}");
        }
    }
}

/// When to wake (time since the driver's start): the core's deadline, at most IDLE_WAKEUP away.
pub(crate) fn wake_at(deadline: Option<Duration>, elapsed: Duration) -> Duration {
    deadline.map_or(elapsed + IDLE_WAKEUP, |t| t.min(elapsed + IDLE_WAKEUP))
}

/// The wall clock now (Unix seconds) and a seed that differs per process and start, for
/// Message IDs, tokens and back-off (RFC 7252 §4.4, §5.3.1 ask for unpredictable values).
pub(crate) fn clock_and_seed() -> (i64, u64) {
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let unix_now = i64::try_from(wall.as_secs()).unwrap_or(0);
    let seed = u64::from(wall.subsec_nanos()) ^ (u64::from(std::process::id()) << 32) ^ wall.as_secs();
    (unix_now, seed)
}

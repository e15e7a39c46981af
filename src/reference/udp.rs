//! What the tokio drivers of the reference DUTs share: the loopback-only check of their
//! addresses, flushing a sans-IO core's datagrams to its socket, the bounded wake-up instant,
//! the stop signals, the per-process seed, and [`serve`], the one loop of both servers.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::UdpSocket;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
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

/// SIGTERM and SIGINT, the two ways a reference DUT is told to stop. Made before the socket is
/// bound, so a stop sent as soon as the DUT listens is never the signal's default action.
pub(crate) struct StopSignals {
    term: Signal,
    int: Signal,
}

impl StopSignals {
    pub(crate) fn new() -> std::io::Result<Self> {
        Ok(StopSignals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Until either signal arrives.
    pub(crate) async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

/// A reference server's sans-IO core as [`serve`] drives it: datagrams and time in, datagrams
/// and the next deadline (time since the driver's start) out.
pub(crate) trait Core {
    fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)>;
    fn poll_timeout(&self) -> Option<Duration>;
    fn handle_datagram(&mut self, now: Duration, from: SocketAddr, bytes: &[u8]);
    fn handle_timeout(&mut self, now: Duration);
}

/// Implements [`Core`] for a type whose inherent methods of the same names do the work.
macro_rules! core_of_inherent_methods {
    ($t:ty) => {
        impl $crate::reference::udp::Core for $t {
            fn poll_transmit(&mut self) -> Option<(std::net::SocketAddr, Vec<u8>)> {
                <$t>::poll_transmit(self)
            }
            fn poll_timeout(&self) -> Option<std::time::Duration> {
                <$t>::poll_timeout(self)
            }
            fn handle_datagram(&mut self, now: std::time::Duration, from: std::net::SocketAddr, bytes: &[u8]) {
                <$t>::handle_datagram(self, now, from, bytes)
            }
            fn handle_timeout(&mut self, now: std::time::Duration) {
                <$t>::handle_timeout(self, now)
            }
        }
    };
}
pub(crate) use core_of_inherent_methods;

/// Drives `core`, whose clock started at `start`, until a stop signal: the datagrams of `socket`,
/// its deadlines, and the triggers, which `on_trigger` hands to it.
pub(crate) async fn serve<C: Core, T>(
    socket: &UdpSocket,
    mut stop: StopSignals,
    start: Instant,
    core: &mut C,
    mut triggers: mpsc::Receiver<T>,
    mut on_trigger: impl FnMut(&mut C, Duration, T),
) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        send_all(socket, || core.poll_transmit()).await;
        let wake = wake_at(start, core.poll_timeout());
        // Biased: what already arrived is handled before a stop that came after it.
        tokio::select! {
            biased;
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, from)) => core.handle_datagram(start.elapsed(), from, buf.get(..n).unwrap_or_default()),
                // e.g. an ICMP port unreachable reported on the socket: nothing to do.
                Err(e) => tracing::debug!("receive failed: {e}"),
            },
            Some(t) = triggers.recv() => on_trigger(core, start.elapsed(), t),
            () = tokio::time::sleep_until(wake) => core.handle_timeout(start.elapsed()),
            () = stop.recv() => return,
        }
    }
}

/// Moves a core's clock from `now` to `now + by`, firing every timer due on the way in order;
/// the new time. For tests on a manual clock.
#[cfg(test)]
pub(crate) fn advance(core: &mut impl Core, now: Duration, by: Duration) -> Duration {
    let (mut now, target) = (now, now + by);
    for _ in 0..100_000 {
        match core.poll_timeout() {
            Some(t) if t <= target => {
                now = now.max(t);
                core.handle_timeout(now);
            }
            _ => return target,
        }
    }
    panic!("timers keep firing without time passing");
}

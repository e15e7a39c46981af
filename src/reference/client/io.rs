//! [`run`]: the tokio driver of [`ClientCore`]. One UDP socket on loopback, one timer, and
//! SIGTERM/SIGINT to De-register and exit; everything else is the core's.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::UdpSocket;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use super::{ClientConfig, ClientCore};

/// The longest the loop sleeps with nothing scheduled (the core normally always has a
/// deadline while registered); bounds every wait.
const IDLE_WAKEUP: Duration = Duration::from_secs(60);

/// Largest UDP payload, so no datagram is ever truncated before the core sees it.
const MAX_DATAGRAM: usize = 65_535;

/// Runs the reference client until SIGTERM or SIGINT, then De-registers and returns `Ok`.
/// A second signal while De-registering exits at once. Fails only on set-up errors: a
/// non-loopback server, or no socket or signal handler.
pub async fn run(cfg: ClientConfig) -> io::Result<()> {
    if !cfg.server.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "--server {} is not a loopback address; the reference client only uses loopback",
                cfg.server
            ),
        ));
    }
    let local: SocketAddr = match cfg.server {
        SocketAddr::V4(_) => (Ipv4Addr::LOCALHOST, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::LOCALHOST, 0).into(),
    };
    let socket = UdpSocket::bind(local).await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    tracing::info!(
        "reference client {} on {} registering with {}",
        cfg.endpoint,
        socket.local_addr()?,
        cfg.server
    );

    let start = Instant::now();
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let unix_now = i64::try_from(wall.as_secs()).unwrap_or(0);
    let seed = u64::from(wall.subsec_nanos()) ^ (u64::from(std::process::id()) << 32) ^ wall.as_secs();
    let mut core = ClientCore::new(cfg, Duration::ZERO, unix_now, seed);
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut stopping = false;

    loop {
        while let Some((to, bytes)) = core.poll_transmit() {
            // A lost datagram is what CoAP retransmission is for: log and carry on.
            if let Err(e) = socket.send_to(&bytes, to).await {
                tracing::warn!("send to {to} failed: {e}");
            }
        }
        if core.is_done() {
            return Ok(());
        }
        let wake = core
            .poll_timeout()
            .map_or(IDLE_WAKEUP, |t| t.min(start.elapsed() + IDLE_WAKEUP));
        // Biased: a datagram already received (say the Register's 2.01) is handled before a
        // signal that came after it, so the shutdown knows whether to De-register.
        tokio::select! {
            biased;
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, from)) => {
                    let datagram = buf.get(..n).unwrap_or_default();
                    core.handle_datagram(start.elapsed(), from, datagram);
                }
                // e.g. an ICMP port unreachable reported on the socket: nothing to do.
                Err(e) => tracing::debug!("receive failed: {e}"),
            },
            () = tokio::time::sleep_until(start + wake) => core.handle_timeout(start.elapsed()),
            _ = sigterm.recv() => {
                if stopping {
                    return Ok(());
                }
                stopping = true;
                core.shutdown(start.elapsed());
            }
            _ = sigint.recv() => {
                if stopping {
                    return Ok(());
                }
                stopping = true;
                core.shutdown(start.elapsed());
            }
        }
    }
}

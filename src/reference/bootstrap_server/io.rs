//! [`run`]: the tokio driver of [`BootstrapServerCore`]. One UDP socket on loopback, one timer,
//! triggers (lines on stdin, and `POST /trigger` with `--http`; see `trigger`), and
//! SIGTERM/SIGINT to exit; everything else is the core's.

use std::io;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use super::trigger;
use super::{BootstrapServerConfig, BootstrapServerCore};
use crate::reference::{triggers, udp};

/// Runs the reference Bootstrap-Server until SIGTERM or SIGINT. Fails only on set-up errors:
/// a configuration [`BootstrapServerConfig::validate`] refuses, or no socket or signal handler.
pub async fn run(cfg: BootstrapServerConfig) -> io::Result<()> {
    cfg.validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let socket = UdpSocket::bind(cfg.listen).await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut triggers = triggers::listen(cfg.http, trigger::parse).await?;
    tracing::info!(
        "reference bootstrap server on {}: LwM2M Server {}{}",
        socket.local_addr()?,
        cfg.server_uri,
        cfg.server_initiated
            .map(|c| format!(", server initiated towards {c}"))
            .unwrap_or_default()
    );
    let start = Instant::now();
    let mut core = BootstrapServerCore::new(cfg, Duration::ZERO, udp::seed(udp::wall_clock()));
    let mut buf = vec![0u8; udp::MAX_DATAGRAM];

    loop {
        udp::send_all(&socket, || core.poll_transmit()).await;
        let wake = udp::wake_at(start, core.poll_timeout());
        tokio::select! {
            biased;
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, from)) => core.handle_datagram(start.elapsed(), from, buf.get(..n).unwrap_or_default()),
                // e.g. an ICMP port unreachable reported on the socket: nothing to do.
                Err(e) => tracing::debug!("receive failed: {e}"),
            },
            Some(t) = triggers.recv() => trigger::apply(&mut core, start.elapsed(), t),
            () = tokio::time::sleep_until(wake) => core.handle_timeout(start.elapsed()),
            _ = sigterm.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        }
    }
}

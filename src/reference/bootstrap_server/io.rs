//! [`run`]: the tokio driver of [`BootstrapServerCore`]. One UDP socket on loopback, one timer,
//! trigger lines on stdin, and SIGTERM/SIGINT to exit; everything else is the core's.
//!
//! Stdin triggers, one per line: `bootstrap HOST:PORT` starts a Server Initiated Bootstrap of
//! the client listening there (the same as `--server-initiated`, at run time).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UdpSocket;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use super::{BootstrapServerConfig, BootstrapServerCore};
use crate::reference::udp;

/// Runs the reference Bootstrap-Server until SIGTERM or SIGINT. Fails only on set-up errors:
/// a configuration [`BootstrapServerConfig::validate`] refuses, or no socket or signal handler.
pub async fn run(cfg: BootstrapServerConfig) -> io::Result<()> {
    cfg.validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let socket = UdpSocket::bind(cfg.listen).await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
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
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
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
            line = lines.next_line(), if stdin_open => match line {
                Ok(Some(line)) => trigger(&mut core, start.elapsed(), &line),
                // No more triggers (stdin closed or unreadable): keep serving.
                Ok(None) | Err(_) => stdin_open = false,
            },
            () = tokio::time::sleep_until(wake) => core.handle_timeout(start.elapsed()),
            _ = sigterm.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        }
    }
}

/// Carries out one stdin trigger line.
pub(super) fn trigger(core: &mut BootstrapServerCore, now: Duration, line: &str) {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [] => {}
        ["bootstrap", addr] => match addr.parse::<SocketAddr>() {
            Ok(a) if a.ip().is_loopback() => core.start_server_initiated(now, a),
            Ok(a) => tracing::warn!("trigger `{line}`: {a} is not a loopback address"),
            Err(e) => tracing::warn!("trigger `{line}`: {e}"),
        },
        _ => tracing::warn!("unknown trigger `{line}` (known: bootstrap HOST:PORT)"),
    }
}

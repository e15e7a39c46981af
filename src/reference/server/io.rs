//! [`run`]: the tokio driver of [`ServerCore`]. One UDP socket on loopback, trigger lines from
//! stdin and, with `--http`, from `POST /trigger`, one timer, and SIGTERM/SIGINT to exit;
//! everything else is the core's.

use std::io;

use tokio::net::UdpSocket;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use super::{ServerConfig, ServerCore};
use crate::reference::triggers;
use crate::reference::udp::{self, MAX_DATAGRAM, send_all, wake_at};

/// Runs the reference server until SIGTERM or SIGINT, then returns `Ok`. Fails only on set-up
/// errors: a non-loopback address, or no socket or signal handler. When stdin closes the
/// server keeps serving its clients.
pub async fn run(cfg: ServerConfig) -> io::Result<()> {
    udp::loopback_only("server", &[("--listen", Some(cfg.listen)), ("--http", cfg.http)])
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let socket = UdpSocket::bind(cfg.listen).await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    // The line itself is the trigger: the core parses it and logs why it refuses one.
    let mut triggers =
        triggers::listen(cfg.http, |line| Ok((!line.trim().is_empty()).then(|| line.to_string()))).await?;
    tracing::info!("reference server on {}", socket.local_addr()?);

    let start = Instant::now();
    let mut core = ServerCore::new(cfg.faults, udp::seed(udp::wall_clock()));
    let mut buf = vec![0u8; MAX_DATAGRAM];

    loop {
        send_all(&socket, || core.poll_transmit()).await;
        let wake = wake_at(start, core.poll_timeout());
        tokio::select! {
            biased;
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, from)) => core.handle_datagram(start.elapsed(), from, buf.get(..n).unwrap_or_default()),
                // e.g. an ICMP port unreachable reported on the socket: nothing to do.
                Err(e) => tracing::debug!("receive failed: {e}"),
            },
            Some(line) = triggers.recv() => core.handle_command(start.elapsed(), &line),
            () = tokio::time::sleep_until(wake) => core.handle_timeout(start.elapsed()),
            _ = sigterm.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        }
    }
}

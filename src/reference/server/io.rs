//! [`run`]: the tokio driver of [`ServerCore`]. One UDP socket on loopback, trigger lines from
//! stdin, one timer, and SIGTERM/SIGINT to exit; everything else is the core's.

use std::io;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UdpSocket;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use super::{ServerConfig, ServerCore};
use crate::reference::udp::{MAX_DATAGRAM, clock_and_seed, send_all, wake_at};

/// Runs the reference server until SIGTERM or SIGINT, then returns `Ok`. Fails only on set-up
/// errors: a non-loopback address, or no socket or signal handler. When stdin closes the
/// server keeps serving its clients.
pub async fn run(cfg: ServerConfig) -> io::Result<()> {
    if !cfg.listen.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a loopback address", cfg.listen),
        ));
    }
    let socket = UdpSocket::bind(cfg.listen).await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    tracing::info!("reference server on {}", socket.local_addr()?);

    let start = Instant::now();
    let (_, seed) = clock_and_seed();
    let mut core = ServerCore::new(cfg.faults, seed);
    let mut lines = Some(BufReader::new(tokio::io::stdin()).lines());
    let mut buf = vec![0u8; MAX_DATAGRAM];

    loop {
        send_all(&socket, || core.poll_transmit()).await;
        let wake = wake_at(core.poll_timeout(), start.elapsed());
        tokio::select! {
            biased;
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, from)) => core.handle_datagram(start.elapsed(), from, buf.get(..n).unwrap_or_default()),
                // e.g. an ICMP port unreachable reported on the socket: nothing to do.
                Err(e) => tracing::debug!("receive failed: {e}"),
            },
            line = next_line(&mut lines) => match line {
                Some(line) => core.handle_command(start.elapsed(), &line),
                None => lines = None,
            },
            () = tokio::time::sleep_until(start + wake) => core.handle_timeout(start.elapsed()),
            _ = sigterm.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        }
    }
}

/// The next non-empty stdin line; `None` once stdin is closed or unreadable, after which it
/// never completes again (`lines` is `None`).
async fn next_line(lines: &mut Option<tokio::io::Lines<BufReader<tokio::io::Stdin>>>) -> Option<String> {
    let Some(l) = lines.as_mut() else {
        return std::future::pending().await;
    };
    loop {
        match l.next_line().await {
            Ok(Some(line)) if line.trim().is_empty() => continue,
            Ok(Some(line)) => return Some(line),
            Ok(None) | Err(_) => return None,
        }
    }
}

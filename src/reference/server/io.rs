//! [`run`]: the tokio driver of [`ServerCore`]. One UDP socket on loopback, trigger lines from
//! stdin and, with `--http`, from `POST /trigger`, one timer, and SIGTERM/SIGINT to exit;
//! everything else is the core's.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, UdpSocket};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{ServerConfig, ServerCore};
use crate::reference::udp::{self, MAX_DATAGRAM, send_all, wake_at};

/// Runs the reference server until SIGTERM or SIGINT, then returns `Ok`. Fails only on set-up
/// errors: a non-loopback address, or no socket or signal handler. When stdin closes the
/// server keeps serving its clients.
pub async fn run(cfg: ServerConfig) -> io::Result<()> {
    for addr in std::iter::once(cfg.listen).chain(cfg.http) {
        loopback(addr)?;
    }
    let socket = UdpSocket::bind(cfg.listen).await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let (tx, mut triggers) = mpsc::channel(64);
    if let Some(addr) = cfg.http {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!("HTTP triggers on http://{}/trigger", listener.local_addr()?);
        tokio::spawn(super::http::serve(listener, tx.clone()));
    }
    tokio::spawn(stdin_lines(tx));
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

fn loopback(addr: SocketAddr) -> io::Result<()> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{addr} is not a loopback address"),
        ))
    }
}

/// Forwards the non-empty stdin lines until stdin closes or the server stops.
async fn stdin_lines(tx: mpsc::Sender<String>) {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if !line.trim().is_empty() && tx.send(line).await.is_err() {
            return;
        }
    }
}

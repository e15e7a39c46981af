//! [`run`]: the tokio driver of [`ServerCore`]. One UDP socket on loopback, trigger lines from
//! stdin and, with `--http`, from `POST /trigger`, one timer, and SIGTERM/SIGINT to exit;
//! everything else is the core's.

use std::io;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::{ServerConfig, ServerCore};
use crate::reference::triggers;
use crate::reference::udp::{self, StopSignals};

udp::core_of_inherent_methods!(ServerCore);

/// Runs the reference server until SIGTERM or SIGINT, then returns `Ok`. Fails only on set-up
/// errors: a non-loopback address, or no socket or signal handler. When stdin closes the
/// server keeps serving its clients.
pub async fn run(cfg: ServerConfig) -> io::Result<()> {
    cfg.validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let stop = StopSignals::new()?;
    // The line itself is the trigger: the core parses it and logs why it refuses one. Listening
    // for triggers before the UDP bind means a DUT seen listening takes its triggers too.
    let triggers = triggers::listen(cfg.http, |line| Ok((!line.trim().is_empty()).then(|| line.to_string()))).await?;
    let socket = UdpSocket::bind(cfg.listen).await?;
    tracing::info!("reference server on {}", socket.local_addr()?);
    let mut core = ServerCore::new(cfg.faults, udp::seed(udp::wall_clock())).with_variants(cfg.variants);
    udp::serve(&socket, stop, Instant::now(), &mut core, triggers, |core, now, line| {
        core.handle_command(now, &line)
    })
    .await;
    Ok(())
}

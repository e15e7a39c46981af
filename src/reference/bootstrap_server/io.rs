//! [`run`]: the tokio driver of [`BootstrapServerCore`]. One UDP socket on loopback, one timer,
//! triggers (lines on stdin, and `POST /trigger` with `--http`; see `trigger`), and
//! SIGTERM/SIGINT to exit; everything else is the core's.

use std::io;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::trigger;
use super::{BootstrapServerConfig, BootstrapServerCore};
use crate::reference::triggers;
use crate::reference::udp::{self, StopSignals};

udp::core_of_inherent_methods!(BootstrapServerCore);

/// Runs the reference Bootstrap-Server until SIGTERM or SIGINT. Fails only on set-up errors:
/// a configuration [`BootstrapServerConfig::validate`] refuses, or no socket or signal handler.
pub async fn run(cfg: BootstrapServerConfig) -> io::Result<()> {
    cfg.validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let stop = StopSignals::new()?;
    // Triggers before the UDP bind: a DUT seen listening takes its triggers too.
    let triggers = triggers::listen(cfg.http, trigger::parse).await?;
    let socket = UdpSocket::bind(cfg.listen).await?;
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
    udp::serve(&socket, stop, start, &mut core, triggers, trigger::apply).await;
    Ok(())
}

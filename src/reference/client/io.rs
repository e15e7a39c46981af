//! [`run_device`]: the tokio driver of [`Device`]. One UDP socket on loopback, one timer, and
//! SIGTERM/SIGINT to De-register and exit; everything else is the device's.

use std::io;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::{ClientConfig, Device, DeviceConfig};
use crate::reference::udp::{self, StopSignals};

// The manual-clock tests drive both through the shared `udp::Core` helpers.
udp::core_of_inherent_methods!(Device);
udp::core_of_inherent_methods!(super::ClientCore);

/// Runs the reference client with one factory-bootstrapped LwM2M Server; see [`run_device`].
pub async fn run(cfg: ClientConfig) -> io::Result<()> {
    run_device(DeviceConfig::from(cfg)).await
}

/// Runs the reference client until SIGTERM or SIGINT, then De-registers and returns `Ok`.
/// A second signal while De-registering exits at once. Fails only on set-up errors: a
/// configuration [`DeviceConfig::validate`] refuses (e.g. a non-loopback address), or no
/// socket or signal handler.
pub async fn run_device(cfg: DeviceConfig) -> io::Result<()> {
    cfg.validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // Without --listen, an ephemeral port on the loopback of the first peer's family.
    let local = cfg.local_address(0);
    let mut stop = StopSignals::new()?;
    let socket = UdpSocket::bind(local).await?;
    tracing::info!(
        "reference client {} on {}: server {:?}, bootstrap server {:?}{}",
        cfg.endpoint,
        socket.local_addr()?,
        cfg.server,
        cfg.bootstrap,
        if cfg.server_initiated {
            " (server initiated)"
        } else {
            ""
        }
    );

    let start = Instant::now();
    let wall = udp::wall_clock();
    let unix_now = i64::try_from(wall.as_secs()).unwrap_or(0);
    let mut core = Device::new(cfg, Duration::ZERO, unix_now, udp::seed(wall));
    let mut buf = vec![0u8; udp::MAX_DATAGRAM];

    loop {
        udp::send_all(&socket, || core.poll_transmit()).await;
        if core.is_done() {
            return Ok(());
        }
        // The device normally always has a deadline while registered or bootstrapping.
        let wake = udp::wake_at(start, core.poll_timeout());
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
            () = tokio::time::sleep_until(wake) => core.handle_timeout(start.elapsed()),
            () = stop.recv() => {
                if core.is_stopping() {
                    return Ok(());
                }
                core.shutdown(start.elapsed());
            }
        }
    }
}

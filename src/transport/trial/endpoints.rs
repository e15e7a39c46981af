//! The harness's UDP endpoints of one trial, each on its own loopback address, and the inbox
//! where every datagram they receive arrives, stamped with its arrival time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::case::Case;
use crate::lwm2m::Role;
use crate::profile::Profile;
use crate::transport::bind::{bind_client, bind_server};

/// The harness's UDP endpoints of one trial, by name, each on its own loopback address.
pub(super) struct Endpoints {
    sockets: Vec<(String, SocketAddr, Arc<UdpSocket>)>,
    /// Server DUTs: port 5683 of each harness client's address, where nobody should send. What
    /// arrives there is captured and shown to the engine (which takes it for no step), so a server
    /// that sends to the CoAP default port instead of the Register's source port is seen doing it.
    witnesses: Vec<(SocketAddr, Arc<UdpSocket>)>,
    pub(super) rx: mpsc::Receiver<Arrival>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

/// A datagram as it arrived: (from, to, bytes, when). The time is taken at arrival, not when the
/// trial gets to it, so the pcap shows when the DUT sent it.
pub(super) type Arrival = (SocketAddr, SocketAddr, Vec<u8>, SystemTime);
type Inbox = mpsc::Sender<Arrival>;

/// Forwards every datagram `socket` (bound at `local`) receives to the trial's inbox.
fn spawn_reader(socket: Arc<UdpSocket>, local: SocketAddr, tx: Inbox) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            if tx
                .send((from, local, buf[..n].to_vec(), SystemTime::now()))
                .await
                .is_err()
            {
                break;
            }
        }
    })
}

impl Endpoints {
    pub(super) async fn bind(case: &Case, profile: &Profile) -> Result<Endpoints, String> {
        let (tx, rx) = mpsc::channel(256);
        let mut sockets = Vec::new();
        let mut witnesses = Vec::new();
        let mut readers = Vec::new();
        for name in case.endpoints() {
            // Only the LwM2M Server of an attached DUT has a fixed address.
            let fixed = profile
                .attach
                .as_ref()
                .filter(|_| name == "server")
                .and_then(|a| a.server_bind);
            let key = format!("{}#{name}", case.id);
            // The harness's LwM2M Clients (the DUT is a server) send from ephemeral ports, as
            // real clients do; its LwM2M Servers sit on 5683, as the DUT's peers expect.
            // A DUT that binds a fixed port of its own (profile `binds`, maybe the wildcard
            // address) keeps it: the harness's sockets stay off that port.
            let avoid = profile.fixed_port();
            let bound = if case.dut == Role::Client {
                bind_server(&key, fixed, avoid).await
            } else {
                bind_client(&key, avoid).await
            };
            let socket = bound.map_err(|e| format!("cannot bind the harness's {name} endpoint: {e}"))?;
            let local = socket.local_addr().map_err(|e| format!("socket has no address: {e}"))?;
            let socket = Arc::new(socket);
            readers.push(spawn_reader(socket.clone(), local, tx.clone()));
            sockets.push((name, local, socket));
            if let Some(witness) = super::super::bind::witness(case.dut, local, avoid) {
                // Best effort: without it a misdirected request is simply not seen.
                match UdpSocket::bind(witness).await {
                    Ok(w) => {
                        let w = Arc::new(w);
                        readers.push(spawn_reader(w.clone(), witness, tx.clone()));
                        witnesses.push((witness, w));
                    }
                    Err(e) => tracing::debug!("no witness socket at {witness}: {e}"),
                }
            }
        }
        Ok(Endpoints {
            sockets,
            witnesses,
            rx,
            readers,
        })
    }

    /// The named endpoints and their addresses, the primary one (`server` for a client DUT,
    /// `client` for a server DUT) first.
    pub(super) fn addresses(&self) -> Vec<(String, SocketAddr)> {
        self.sockets.iter().map(|(n, a, _)| (n.clone(), *a)).collect()
    }

    /// Sends `bytes` from the harness endpoint at `from`; why it did not go out, if it did not.
    pub(super) async fn send(&self, from: SocketAddr, to: SocketAddr, bytes: &[u8]) -> Result<(), String> {
        let socket = self
            .sockets
            .iter()
            .find(|(_, a, _)| *a == from)
            .map(|(_, _, s)| s)
            .or_else(|| self.witnesses.iter().find(|(a, _)| *a == from).map(|(_, s)| s))
            .ok_or_else(|| format!("the harness has no socket at {from}"))?;
        socket.send_to(bytes, to).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

impl Drop for Endpoints {
    fn drop(&mut self) {
        for r in &self.readers {
            r.abort();
        }
    }
}

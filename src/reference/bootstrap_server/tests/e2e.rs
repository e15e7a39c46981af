//! The tokio driver end to end: the reference client bootstraps from the reference
//! Bootstrap-Server over real UDP sockets and then registers with the LwM2M Server it was given.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;

use crate::coap::{Code, Message};
use crate::reference::client::{DeviceConfig, run_device};

use super::super::{BootstrapServerConfig, run};

/// A free loopback port for a socket `run` binds itself.
fn free_port() -> SocketAddr {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("addr")
}

#[tokio::test]
async fn the_reference_client_bootstraps_and_registers_with_the_written_server() {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let server_addr = server.local_addr().expect("addr");
    let bs_addr = free_port();
    let bs = tokio::spawn(run(BootstrapServerConfig {
        listen: bs_addr,
        server_uri: format!("coap://{server_addr}"),
        server_initiated: None,
        faults: BTreeSet::new(),
    }));
    let client = tokio::spawn(run_device(DeviceConfig {
        endpoint: "urn:dev:bs-e2e".into(),
        server: None,
        bootstrap: Some(bs_addr),
        server_initiated: false,
        listen: None,
        lifetime: 300,
        faults: BTreeSet::new(),
    }));
    // The client's first Bootstrap-Request may race the Bootstrap-Server's bind; its CoAP
    // retransmission (2-3 s later) then gets through, so allow for a few.
    let mut buf = vec![0u8; 2048];
    let (n, _) = timeout(Duration::from_secs(20), server.recv_from(&mut buf))
        .await
        .expect("a Register within 20 s")
        .expect("recv");
    let register = Message::parse(&buf[..n]).expect("valid CoAP");
    assert_eq!((register.code, register.uri_path()), (Code::POST, "/rd".to_string()));
    assert!(
        register
            .uri_query()
            .contains(&("ep".to_string(), Some("urn:dev:bs-e2e".to_string()))),
        "{register}"
    );
    client.abort();
    bs.abort();
}

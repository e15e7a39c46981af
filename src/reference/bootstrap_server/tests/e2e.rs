//! The tokio driver end to end: the reference client bootstraps from the reference
//! Bootstrap-Server over real UDP sockets and then registers with the LwM2M Server it was given.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;

use crate::coap::{Code, Message};
use crate::reference::client::{DeviceConfig, run_device};
use crate::reference::triggers::tests::status_line;

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
        http: None,
        faults: BTreeSet::new(),
        variants: BTreeSet::new(),
    }));
    let client = tokio::spawn(run_device(DeviceConfig {
        endpoint: "urn:dev:bs-e2e".into(),
        server: None,
        bootstrap: Some(bs_addr),
        server_initiated: false,
        listen: None,
        lifetime: 300,
        faults: BTreeSet::new(),
        version: Default::default(),
        variants: Default::default(),
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

#[tokio::test]
async fn an_http_trigger_starts_a_server_initiated_bootstrap() {
    let client = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let client_addr = client.local_addr().expect("addr");
    let http_addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let bs = tokio::spawn(run(BootstrapServerConfig {
        listen: free_port(),
        server_uri: "coap://127.0.0.1:5683".into(),
        server_initiated: None,
        http: Some(http_addr),
        faults: BTreeSet::new(),
        variants: BTreeSet::new(),
    }));
    assert_eq!(
        status_line(http_addr, "GET /status HTTP/1.1", "").await,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        status_line(http_addr, "POST /trigger HTTP/1.1", "bootstrap 192.0.2.1:5683").await,
        "HTTP/1.1 400 Bad Request"
    );
    let line = format!("bootstrap {client_addr}");
    assert_eq!(
        status_line(http_addr, "POST /trigger HTTP/1.1", &line).await,
        "HTTP/1.1 202 Accepted"
    );
    let mut buf = vec![0u8; 2048];
    let (n, _) = timeout(Duration::from_secs(5), client.recv_from(&mut buf))
        .await
        .expect("a Bootstrap Write within 5 s")
        .expect("recv");
    let write = Message::parse(&buf[..n]).expect("valid CoAP");
    assert_eq!((write.code, write.uri_path()), (Code::PUT, "/0/1".to_string()));
    bs.abort();
}

//! The tokio driver end to end: a fake LwM2M Server on a real UDP socket.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;

use crate::coap::{Code, Message, MessageType};

use super::super::{ClientConfig, run};

pub(super) async fn recv(socket: &UdpSocket) -> (Message, std::net::SocketAddr) {
    let mut buf = vec![0u8; 2048];
    let (n, from) = timeout(Duration::from_secs(5), socket.recv_from(&mut buf))
        .await
        .expect("the client sends within 5 s")
        .expect("recv");
    (Message::parse(&buf[..n]).expect("valid CoAP"), from)
}

#[tokio::test]
async fn registers_then_answers_a_read() {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let cfg = ClientConfig {
        server: server.local_addr().expect("addr"),
        endpoint: "e2e-client".into(),
        lifetime: 300,
        faults: BTreeSet::new(),
        version: Default::default(),
        variants: Default::default(),
    };
    let client = tokio::spawn(run(cfg));

    let (reg, client_addr) = recv(&server).await;
    assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
    assert!(client_addr.ip().is_loopback());
    let mut created = Message::new(MessageType::Acknowledgement, Code::CREATED, reg.mid, reg.token.clone());
    created.set_location_path("rd/x");
    server
        .send_to(&created.to_bytes().expect("encodes"), client_addr)
        .await
        .expect("send");

    let mut read = Message::new(MessageType::Confirmable, Code::GET, 0x0101, vec![7, 7]);
    read.set_uri("/3/0/0", &[]);
    // The 2.01 and the Read may race; resend the Read until it is answered, as a server would.
    let mut answer = None;
    for _ in 0..5 {
        server
            .send_to(&read.to_bytes().expect("encodes"), client_addr)
            .await
            .expect("send");
        if let Ok((m, _)) = timeout(Duration::from_secs(1), recv(&server)).await {
            answer = Some(m);
            break;
        }
    }
    let answer = answer.expect("the Read is answered");
    assert_eq!(
        (answer.mtype, answer.code, answer.mid),
        (MessageType::Acknowledgement, Code::CONTENT, 0x0101)
    );
    assert_eq!(answer.payload, b"lwm2m-conformance");
    client.abort();
}

#[tokio::test]
async fn refuses_a_non_loopback_server() {
    let cfg = ClientConfig {
        server: "192.0.2.1:5683".parse().expect("literal"),
        endpoint: "x".into(),
        lifetime: 300,
        faults: BTreeSet::new(),
        version: Default::default(),
        variants: Default::default(),
    };
    let err = run(cfg).await.expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("192.0.2.1"), "{err}");
}

//! The tokio driver end to end: a fake Bootstrap-Server and fake LwM2M Servers on real UDP
//! sockets drive `run_device`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path};

use super::super::super::{DeviceConfig, run_device};
use super::super::e2e::recv;
use super::{ENDPOINT, security_records, server_records};

async fn bind() -> (UdpSocket, SocketAddr) {
    let s = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let a = s.local_addr().expect("addr");
    (s, a)
}

async fn send(socket: &UdpSocket, m: &Message, to: SocketAddr) {
    socket.send_to(&m.to_bytes().expect("encodes"), to).await.expect("send");
}

/// Sends a Confirmable bootstrap request until its piggybacked answer comes; returns the code.
async fn bs_call(
    bs: &UdpSocket,
    client: SocketAddr,
    mid: u16,
    code: Code,
    path: &str,
    payload: Option<Vec<u8>>,
) -> Code {
    let mut m = Message::new(MessageType::Confirmable, code, mid, vec![0xe2, mid as u8]);
    m.set_uri(path, &[]);
    if let Some(p) = payload {
        m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::TLV.0));
        m.payload = p;
    }
    for _ in 0..5 {
        send(bs, &m, client).await;
        if let Ok((resp, _)) = timeout(Duration::from_secs(1), recv(bs)).await
            && resp.mtype == MessageType::Acknowledgement
            && resp.mid == mid
        {
            return resp.code;
        }
    }
    panic!("no answer to {path}");
}

/// Writes Security /0/{ssid} and Server /1/{ssid} for a server at `at` (TLV).
async fn provision(bs: &UdpSocket, client: SocketAddr, mid: u16, ssid: u16, at: SocketAddr) {
    let sec = super::encode(
        ContentFormat::TLV,
        &Path::instance(0, ssid),
        &security_records(ssid, i64::from(ssid), at),
    );
    let put = bs_call(bs, client, mid, Code::PUT, &format!("/0/{ssid}"), Some(sec)).await;
    assert_eq!(put, Code::CHANGED);
    let srv = super::encode(
        ContentFormat::TLV,
        &Path::instance(1, ssid),
        &server_records(ssid, i64::from(ssid), 300),
    );
    let put = bs_call(bs, client, mid + 1, Code::PUT, &format!("/1/{ssid}"), Some(srv)).await;
    assert_eq!(put, Code::CHANGED);
}

async fn expect_register(server: &UdpSocket) -> SocketAddr {
    let (reg, from) = recv(server).await;
    assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
    let mut created = Message::new(MessageType::Acknowledgement, Code::CREATED, reg.mid, reg.token.clone());
    created.set_location_path("rd/e2e");
    send(server, &created, from).await;
    from
}

fn config(bootstrap: SocketAddr) -> DeviceConfig {
    DeviceConfig {
        endpoint: ENDPOINT.into(),
        server: None,
        bootstrap: Some(bootstrap),
        server_initiated: false,
        listen: None,
        lifetime: 300,
        faults: Default::default(),
        version: Default::default(),
        variants: Default::default(),
    }
}

#[tokio::test]
async fn client_initiated_bootstrap_then_two_registers() {
    let ((bs, bs_addr), (s1, s1_addr), (s2, s2_addr)) = (bind().await, bind().await, bind().await);
    let client = tokio::spawn(run_device(config(bs_addr)));

    let (req, client_addr) = recv(&bs).await;
    assert_eq!((req.code, req.uri_path()), (Code::POST, "/bs".to_string()));
    let changed = Message::new(MessageType::Acknowledgement, Code::CHANGED, req.mid, req.token.clone());
    send(&bs, &changed, client_addr).await;

    assert_eq!(
        bs_call(&bs, client_addr, 0x100, Code::DELETE, "/", None).await,
        Code::DELETED
    );
    provision(&bs, client_addr, 0x110, 1, s1_addr).await;
    provision(&bs, client_addr, 0x120, 2, s2_addr).await;
    assert_eq!(
        bs_call(&bs, client_addr, 0x130, Code::POST, "/bs", None).await,
        Code::CHANGED
    );

    assert_eq!(expect_register(&s1).await, client_addr, "one socket for every peer");
    assert_eq!(expect_register(&s2).await, client_addr);
    client.abort();
}

#[tokio::test]
async fn server_initiated_bootstrap_on_the_listen_address() {
    let ((bs, bs_addr), (s1, s1_addr)) = (bind().await, bind().await);
    // A free port for --listen: bound, read and released.
    let listen = bind().await.1;
    let cfg = DeviceConfig {
        server: Some(s1_addr),
        server_initiated: true,
        listen: Some(listen),
        ..config(bs_addr)
    };
    let client = tokio::spawn(run_device(cfg));
    assert_eq!(expect_register(&s1).await, listen);

    // Replace the factory account (Security /0/1, Server /1/0) by one in /0/2 and /1/2.
    provision(&bs, listen, 0x200, 2, s1_addr).await;
    let delete = |mid, path| bs_call(&bs, listen, mid, Code::DELETE, path, None);
    assert_eq!(delete(0x210, "/0/1").await, Code::DELETED);
    assert_eq!(delete(0x211, "/1/0").await, Code::DELETED);
    assert_eq!(
        delete(0x212, "/0/0").await,
        Code::BAD_REQUEST,
        "the Bootstrap-Server Account"
    );
    assert_eq!(
        bs_call(&bs, listen, 0x220, Code::POST, "/bs", None).await,
        Code::CHANGED
    );
    // Still the same server, now from Security /0/2: a new Register, not an Update.
    assert_eq!(expect_register(&s1).await, listen);
    client.abort();
}

#[tokio::test]
async fn refuses_non_loopback_addresses() {
    for cfg in [
        config("192.0.2.1:5683".parse().expect("literal")),
        DeviceConfig {
            listen: Some("0.0.0.0:5683".parse().expect("literal")),
            ..config("127.0.0.1:5683".parse().expect("literal"))
        },
    ] {
        let err = run_device(cfg).await.expect_err("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("not a loopback address"), "{err}");
    }
}

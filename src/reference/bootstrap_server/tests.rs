//! Tests of the reference Bootstrap-Server: the sans-IO core against a scripted LwM2M Client on
//! a manual clock ([`Rig`]), and the tokio driver end to end against the reference client.
//!
//! Snapshots live in `src/reference/bootstrap_server/snapshots/` and show messages without
//! Message IDs or tokens (see [`line`]), so they stay stable.

mod e2e;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{self, ContentFormat, Path};

use super::{BootstrapServerConfig, BootstrapServerCore, Fault};

const SEED: u64 = 0xb007_5eed_0000_0001;
const SERVER_URI: &str = "coap://127.0.0.1:5683";

fn listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5683))
}

fn client() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 2], 40000))
}

fn config(server_initiated: bool, faults: &[Fault]) -> BootstrapServerConfig {
    BootstrapServerConfig {
        listen: listen(),
        server_uri: SERVER_URI.into(),
        server_initiated: server_initiated.then(client),
        http: None,
        faults: faults.iter().copied().collect::<BTreeSet<_>>(),
        variants: BTreeSet::new(),
    }
}

/// A message as one transcript line without Message ID or token: type, code, the URI of a
/// request, and the payload decoded (TLV records, text) or `empty`.
fn line(m: &Message) -> String {
    let mut out = format!("{} {}", m.mtype.short(), m.code);
    if m.is_request() {
        out.push(' ');
        out.push_str(&m.uri());
    }
    let format = m.content_format().map(ContentFormat);
    let base: Path = m.uri_path().parse().unwrap_or_default();
    let payload = match lwm2m::decode(format, &base, &m.payload) {
        Ok(c) => c.describe(format),
        // Not LwM2M content (e.g. text on /bs): the bytes as text.
        Err(_) => format!("{} bytes {:?}", m.payload.len(), String::from_utf8_lossy(&m.payload)),
    };
    out.push_str(" | ");
    out.push_str(&payload);
    out
}

/// The Bootstrap-Server and a scripted client on a manual clock.
struct Rig {
    core: BootstrapServerCore,
    now: Duration,
    next_mid: u16,
    /// Every datagram either way, as `C->BS ...` / `BS->C ...` lines.
    transcript: Vec<String>,
}

impl Rig {
    fn new(server_initiated: bool, faults: &[Fault]) -> Rig {
        let core = BootstrapServerCore::new(config(server_initiated, faults), Duration::ZERO, SEED);
        Rig {
            core,
            now: Duration::ZERO,
            next_mid: 0x100,
            transcript: Vec::new(),
        }
    }

    fn deliver(&mut self, m: &Message) {
        self.transcript.push(format!("C->BS {}", line(m)));
        let bytes = m.to_bytes().expect("test messages encode");
        self.core.handle_datagram(self.now, client(), &bytes);
    }

    /// What the Bootstrap-Server sent since the last call.
    fn sent(&mut self) -> Vec<Message> {
        let mut out = Vec::new();
        while let Some((to, bytes)) = self.core.poll_transmit() {
            assert_eq!(to, client(), "the Bootstrap-Server only talks to the client");
            let m = Message::parse(&bytes).expect("the Bootstrap-Server sends valid CoAP");
            self.transcript.push(format!("BS->C {}", line(&m)));
            out.push(m);
        }
        out
    }

    fn bootstrap_request(&mut self, query: &[(&str, &str)]) -> Message {
        self.next_mid += 1;
        let mut m = Message::new(MessageType::Confirmable, Code::POST, self.next_mid, vec![0xc1]);
        let q: Vec<(String, Option<String>)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect();
        m.set_uri("/bs", &q);
        self.deliver(&m);
        m
    }

    /// Answers the Bootstrap-Server's request piggybacked, as a client would.
    fn answer(&mut self, req: &Message, code: Code) {
        let ack = Message::new(MessageType::Acknowledgement, code, req.mid, req.token.clone());
        self.deliver(&ack);
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.core.handle_timeout(self.now);
    }

    /// Answers every request as a conformant client until nothing more comes; the requests.
    fn answer_all(&mut self) -> Vec<Message> {
        let mut seen = Vec::new();
        loop {
            let requests: Vec<Message> = self.sent().into_iter().filter(Message::is_request).collect();
            if requests.is_empty() {
                return seen;
            }
            for r in requests {
                let code = if r.code == Code::DELETE {
                    Code::DELETED
                } else {
                    Code::CHANGED
                };
                self.answer(&r, code);
                seen.push(r);
            }
        }
    }
}

#[test]
fn client_initiated_sequence_is_delete_writes_then_an_empty_finish() {
    let mut rig = Rig::new(false, &[]);
    assert!(rig.sent().is_empty(), "nothing before a Bootstrap-Request");
    rig.bootstrap_request(&[("ep", "urn:dev:1")]);
    let requests = rig.answer_all();
    let shape: Vec<(Code, String)> = requests.iter().map(|m| (m.code, m.uri_path())).collect();
    assert_eq!(
        shape,
        [
            (Code::DELETE, "/".to_string()),
            (Code::PUT, "/0/1".to_string()),
            (Code::PUT, "/1/1".to_string()),
            (Code::POST, "/bs".to_string()),
        ]
    );
    assert!(requests.last().is_some_and(|f| f.payload.is_empty()));
    assert!(rig.core.finished(client()));
    insta::with_settings!({ snapshot_path => "snapshots" }, {
        insta::assert_yaml_snapshot!("client_initiated", rig.transcript);
    });
}

#[test]
fn one_request_at_a_time_so_finish_waits_for_every_answer() {
    let mut rig = Rig::new(false, &[]);
    rig.bootstrap_request(&[("ep", "urn:dev:1")]);
    let mut finish_seen = false;
    for _ in 0..4 {
        let requests: Vec<Message> = rig.sent().into_iter().filter(Message::is_request).collect();
        assert_eq!(requests.len(), 1, "exactly one request outstanding: {requests:?}");
        // Held for a while: nothing else goes out, retransmissions aside.
        rig.advance(Duration::from_millis(1500));
        assert!(rig.sent().iter().all(|m| m.mid == requests[0].mid));
        finish_seen |= requests[0].uri_path() == "/bs";
        rig.answer(&requests[0], Code::CHANGED);
    }
    assert!(finish_seen);
    assert!(rig.sent().is_empty());
}

#[test]
fn server_initiated_writes_at_once_without_a_delete() {
    let mut rig = Rig::new(true, &[]);
    let requests = rig.answer_all();
    let shape: Vec<(Code, String)> = requests.iter().map(|m| (m.code, m.uri_path())).collect();
    assert_eq!(
        shape,
        [
            (Code::PUT, "/0/1".to_string()),
            (Code::PUT, "/1/1".to_string()),
            (Code::POST, "/bs".to_string()),
        ]
    );
    assert!(rig.core.finished(client()));
}

#[test]
fn the_security_write_points_at_the_server_uri() {
    let mut rig = Rig::new(true, &[]);
    let write = rig.sent().into_iter().next().expect("a first Write");
    assert_eq!(write.content_format(), Some(ContentFormat::TLV.0));
    let content = lwm2m::decode(Some(ContentFormat::TLV), &Path::instance(0, 1), &write.payload).expect("TLV");
    let described = content.describe(Some(ContentFormat::TLV));
    assert!(described.contains(&format!("/0/1/0=\"{SERVER_URI}\"")), "{described}");
    assert!(
        described.contains("/0/1/1=false") && described.contains("/0/1/2=3"),
        "{described}"
    );
}

#[test]
fn a_retransmitted_bootstrap_request_is_answered_again_without_a_second_sequence() {
    let mut rig = Rig::new(false, &[]);
    let req = rig.bootstrap_request(&[("ep", "urn:dev:1")]);
    let first = rig.sent();
    rig.deliver(&req);
    let again = rig.sent();
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].to_bytes().ok(), first[0].to_bytes().ok(), "the same 2.04");
}

#[test]
fn bad_bootstrap_requests_are_refused() {
    let mut rig = Rig::new(false, &[]);
    rig.bootstrap_request(&[]);
    let sent = rig.sent();
    assert_eq!(sent.iter().map(|m| m.code).collect::<Vec<_>>(), [Code::BAD_REQUEST]);
    rig.next_mid += 1;
    let mut get = Message::new(MessageType::Confirmable, Code::GET, rig.next_mid, vec![1]);
    get.set_uri("/3/0", &[]);
    rig.deliver(&get);
    assert_eq!(rig.sent().iter().map(|m| m.code).collect::<Vec<_>>(), [Code::NOT_FOUND]);
}

#[test]
fn an_unanswered_write_is_retransmitted_then_the_sequence_is_abandoned() {
    let mut rig = Rig::new(true, &[]);
    let write = rig.sent().into_iter().next().expect("a first Write");
    let mut copies = 0;
    for _ in 0..100 {
        rig.advance(Duration::from_secs(1));
        for m in rig.sent() {
            assert_eq!(m.mid, write.mid, "only the Write again, never a Finish");
            copies += 1;
        }
    }
    assert_eq!(copies, 4, "MAX_RETRANSMIT");
    assert_eq!(rig.core.poll_timeout(), None, "nothing left to do");
    assert!(!rig.core.finished(client()));
}

#[test]
fn an_empty_ack_then_a_separate_response_completes_a_write() {
    let mut rig = Rig::new(true, &[]);
    let write = rig.sent().into_iter().next().expect("a first Write");
    rig.deliver(&Message::new(
        MessageType::Acknowledgement,
        Code::EMPTY,
        write.mid,
        Vec::new(),
    ));
    assert!(rig.sent().is_empty(), "waits for the separate response");
    let separate = Message::new(MessageType::Confirmable, Code::CHANGED, 0x7777, write.token.clone());
    rig.deliver(&separate);
    let sent = rig.sent();
    assert_eq!(
        sent[0].mtype,
        MessageType::Acknowledgement,
        "the separate response is ACKed"
    );
    assert_eq!((sent[1].code, sent[1].uri_path()), (Code::PUT, "/1/1".to_string()));
}

/// What each fault changes in a sequence a conformant client answers at once: Client Initiated,
/// or Server Initiated for the fault that withholds it (compare with `client_initiated`).
#[test]
fn fault_effects() {
    let mut effects = Vec::new();
    for f in Fault::ALL {
        let server_initiated = *f == Fault::BsServerInitiatedSilent;
        let mut rig = Rig::new(server_initiated, &[*f]);
        if !server_initiated {
            rig.bootstrap_request(&[("ep", "urn:dev:1")]);
        }
        rig.answer_all();
        effects.push(format!("{f}:"));
        effects.extend(rig.transcript.iter().map(|l| format!("  {l}")));
    }
    insta::with_settings!({ snapshot_path => "snapshots" }, {
        insta::assert_yaml_snapshot!("fault_effects", effects);
    });
}

#[test]
fn triggers_start_a_server_initiated_bootstrap_on_loopback_only() {
    use super::trigger::{self, Trigger};
    assert_eq!(trigger::parse("  "), Ok(None));
    assert!(trigger::parse("bootstrap 192.0.2.1:5683").is_err_and(|e| e.contains("not a loopback")));
    assert!(trigger::parse("reboot now").is_err_and(|e| e.contains("unknown trigger")));
    let line = format!("bootstrap {}", client());
    assert_eq!(trigger::parse(&line), Ok(Some(Trigger::Bootstrap(client()))));
    let mut rig = Rig::new(false, &[]);
    trigger::apply(&mut rig.core, Duration::ZERO, Trigger::Bootstrap(client()));
    let first = rig.sent();
    assert_eq!((first[0].code, first[0].uri_path()), (Code::PUT, "/0/1".to_string()));
}

#[test]
fn the_configuration_is_loopback_and_coap_only() {
    assert_eq!(config(true, &[]).validate(), Ok(()));
    let mut far = config(false, &[]);
    far.server_initiated = Some(SocketAddr::from(([192, 0, 2, 1], 5683)));
    assert!(
        far.validate()
            .err()
            .unwrap_or_default()
            .contains("--server-initiated 192.0.2.1:5683")
    );
    let mut dtls = config(false, &[]);
    dtls.server_uri = "coaps://127.0.0.1:5684".into();
    assert!(dtls.validate().is_err());
}

#[test]
fn odd_datagrams_never_panic_and_get_the_rfc_7252_answer() {
    let mut rig = Rig::new(false, &[]);
    // Garbage, a CON with a reserved token length (9), a CoAP ping, an unknown critical option.
    rig.core.handle_datagram(rig.now, client(), &[]);
    rig.core.handle_datagram(rig.now, client(), &[0xff, 0x00]);
    rig.core.handle_datagram(rig.now, client(), &[0x49, 0x02, 0x12, 0x34]);
    assert_eq!(
        rig.sent().iter().map(|m| (m.mtype, m.mid)).collect::<Vec<_>>(),
        [(MessageType::Reset, 0x1234)]
    );
    rig.deliver(&Message::new(MessageType::Confirmable, Code::EMPTY, 0x55, Vec::new()));
    assert_eq!(
        rig.sent().iter().map(|m| (m.mtype, m.mid)).collect::<Vec<_>>(),
        [(MessageType::Reset, 0x55)]
    );
    let mut odd = Message::new(MessageType::Confirmable, Code::POST, 0x56, vec![2]);
    odd.set_uri("/bs", &[("ep".into(), Some("x".into()))]);
    odd.add_option(2049, vec![1]);
    rig.deliver(&odd);
    assert_eq!(
        rig.sent().iter().map(|m| m.code).collect::<Vec<_>>(),
        [Code(0x82)],
        "4.02 Bad Option"
    );
}

#[test]
fn a_reset_write_ends_the_sequence_without_a_finish() {
    let mut rig = Rig::new(true, &[]);
    let write = rig.sent().into_iter().next().expect("a first Write");
    rig.deliver(&Message::new(MessageType::Reset, Code::EMPTY, write.mid, Vec::new()));
    rig.advance(Duration::from_secs(120));
    assert!(rig.sent().is_empty());
    assert!(!rig.core.finished(client()));
}

/// The conformant variants: what each changes in the Client Initiated sequence.
#[test]
fn variants_discover_first_and_delete_objects() {
    use super::Variant;
    let shape = |variant: Variant| {
        let mut cfg = config(false, &[]);
        cfg.variants = [variant].into_iter().collect();
        let mut rig = Rig::new(false, &[]);
        rig.core = BootstrapServerCore::new(cfg, Duration::ZERO, SEED);
        rig.bootstrap_request(&[("ep", "urn:dev:1")]);
        let requests = rig.answer_all();
        assert!(rig.core.finished(client()));
        requests
            .iter()
            .map(|m| (m.code, m.uri_path(), m.accept()))
            .collect::<Vec<_>>()
    };
    let link_format = Some(ContentFormat::LINK_FORMAT.0);
    let discover = shape(Variant::DiscoverFirst);
    assert_eq!(discover[0], (Code::GET, "/".to_string(), link_format));
    assert_eq!(discover[1], (Code::DELETE, "/".to_string(), None));
    let deletes = shape(Variant::DeleteObjects);
    assert_eq!(
        deletes[..2],
        [
            (Code::DELETE, "/0".to_string(), None),
            (Code::DELETE, "/1".to_string(), None)
        ]
    );
    assert_eq!(deletes.len(), 5, "two Deletes, two Writes, the Finish: {deletes:?}");
}

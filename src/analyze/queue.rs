//! Queue Mode (LwM2M TS 1.0.2 §8.3 as amended by the seeds): the server sends a queue-mode
//! client requests only while the client is online, i.e. soon after the client's last message.

use std::collections::BTreeMap;
use std::time::Duration;

use super::exchange::Exchange;
use super::finding::{Finding, Tally};
use crate::dialogue::{Kind, Operation};
use crate::lwm2m::Role;

/// How long a client is surely still awake after its last message: CoAP MAX_TRANSMIT_WAIT
/// (RFC 7252 §4.8.2, 93 s), the longest any LwM2M version lets a queue-mode client stay online
/// (1.0 asks only ACK_TIMEOUT). A request later than that went to a client the server could not
/// know to be awake.
pub const AWAKE: Duration = Duration::from_secs(93);

/// Whether a Register or Update asks for Queue Mode: binding `b` with a Q (1.0: `b=UQ`) or the
/// `Q` parameter (1.1).
fn asks_queue_mode(q: &[(String, Option<String>)]) -> Option<bool> {
    let mut found = None;
    for (k, v) in q {
        match (k.as_str(), v) {
            ("b", Some(b)) => found = Some(found.unwrap_or(false) || b.contains('Q')),
            ("Q" | "q", None) => found = Some(true),
            _ => {}
        }
    }
    found
}

pub fn server_waits_for_queue_mode_client(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    // (client, server) -> in Queue Mode
    let mut queued: BTreeMap<_, bool> = BTreeMap::new();
    // (client, server) -> (time, frame) of the client's last datagram to the server
    let mut heard: BTreeMap<_, (Duration, u32)> = BTreeMap::new();
    for a in x.items {
        let (from, to, frame) = (a.datagram.from, a.datagram.to, a.frame());
        if let (true, Kind::Request { op, path }) = (a.is_request(), &a.kind)
            && x.is(to, Role::Client)
            && !x.is(from, Role::BootstrapServer)
            && queued.get(&(to, from)) == Some(&true)
            && let Some(&(at, last)) = heard.get(&(to, from))
        {
            let gap = a.datagram.at.saturating_sub(at);
            if gap <= AWAKE {
                t.judged(frame);
            } else {
                t.violation(
                    vec![last, frame],
                    format!(
                        "frame {frame}: {} {path} sent {:.1} s after the client's last message (frame {last}), beyond MAX_TRANSMIT_WAIT ({} s)",
                        crate::dialogue::name_of(*op),
                        gap.as_secs_f64(),
                        AWAKE.as_secs()
                    ),
                );
            }
        }
        if x.is(from, Role::Client) {
            heard.insert((from, to), (a.datagram.at, frame));
            // A Register without either asks for no Queue Mode; an Update without them keeps it.
            match (a.request_op(), &a.msg) {
                (Some(Operation::Register), Some(m)) => {
                    queued.insert((from, to), asks_queue_mode(&m.uri_query()).unwrap_or(false));
                }
                (Some(Operation::Update), Some(m)) => {
                    if let Some(q) = asks_queue_mode(&m.uri_query()) {
                        queued.insert((from, to), q);
                    }
                }
                _ => {}
            }
        }
    }
    t.finding(
        "QM-SERVER-SUPPORT-QUEUE-MODE",
        "the server sends a queue-mode client requests only while it is online (within MAX_TRANSMIT_WAIT of its last message)",
        "no request to a client registered in Queue Mode in the capture",
    )
}

//! Checks on the Bootstrap interface (LwM2M TS 1.0.2 §5.2, §8.2.2 as amended by the seeds).

use std::collections::BTreeMap;

use super::exchange::Exchange;
use super::finding::{Finding, Tally};
use super::state::Bootstraps;
use crate::dialogue::{Interface, Kind, Operation};
use crate::lwm2m::Role;

pub fn finish_is_empty_post(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    for a in x.items {
        let (Some(Operation::BootstrapFinish), Some(m)) = (a.request_op(), &a.msg) else {
            continue;
        };
        let mut wrong = Vec::new();
        if !m.uri_query().is_empty() {
            wrong.push(format!("a query ?{}", m.uri_query_joined("&")));
        }
        if !m.payload.is_empty() {
            wrong.push(format!("a {}-byte payload", m.payload.len()));
        }
        if wrong.is_empty() {
            t.judged(a.frame());
        } else {
            t.violation(
                vec![a.frame()],
                format!(
                    "frame {}: the Bootstrap-Finish (POST /bs) carries {}",
                    a.frame(),
                    wrong.join(" and ")
                ),
            );
        }
    }
    t.finding(
        "BS-BSSERVER-SEND-FINISH",
        "the bootstrap finish indication is a Bootstrap-Finish: POST /bs with no query and no payload (TS §8.2.2)",
        "no Bootstrap-Finish in the capture",
    )
}

/// How long a sender keeps trying an unanswered Confirmable request (RFC 7252 §4.8.2
/// MAX_TRANSMIT_WAIT): after it, a Write no longer counts as in progress.
const MAX_TRANSMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(93);

/// The finish indication comes after every Write and Delete is sent, read at the CoAP level as
/// bsserver-finish-after-all-writes reads it: a Write or Delete is sent when its exchange is
/// complete (answered). So a Bootstrap-Finish fails while a Write or Delete to the same client is
/// unanswered, and so does a Write or Delete sent after the Finish, before its answer.
pub fn finish_after_all_writes(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    // (bootstrap server, client) -> the unanswered Bootstrap-Finish
    let mut open: BTreeMap<_, u32> = BTreeMap::new();
    // (bootstrap server, client, request frame) -> when the unanswered Write or Delete went out
    let mut writes: BTreeMap<_, std::time::Duration> = BTreeMap::new();
    for a in x.items {
        let (from, to, frame) = (a.datagram.from, a.datagram.to, a.frame());
        match (a.request_op(), &a.kind) {
            (Some(Operation::BootstrapFinish), _) => {
                let at = a.datagram.at;
                let pending = writes.iter().filter(|((b, c, _), sent)| {
                    (*b, *c) == (from, to) && at.saturating_sub(**sent) <= MAX_TRANSMIT_WAIT
                });
                for ((_, _, w), _) in pending {
                    t.violation(
                        vec![*w, frame],
                        format!("frame {frame}: Bootstrap-Finish sent while the request of frame {w} was unanswered"),
                    );
                }
                open.insert((from, to), frame);
            }
            (Some(op @ (Operation::BootstrapWrite | Operation::BootstrapDelete)), Kind::Request { path, .. }) => {
                writes.insert((from, to, frame), a.datagram.at);
                if let Some(finish) = open.get(&(from, to)) {
                    t.violation(
                        vec![*finish, frame],
                        format!(
                            "frame {frame}: {} {path} sent after the Bootstrap-Finish of frame {finish}",
                            op.name()
                        ),
                    );
                }
            }
            _ => {}
        }
        if let Some((_, Some(r))) = a.response() {
            writes.remove(&(to, from, r.frame));
            if r.op == Some(Operation::BootstrapFinish) && open.remove(&(to, from)).is_some() {
                t.judged(r.frame);
            }
        }
    }
    t.finding(
        "BS-BSSERVER-FINISH-AFTER-ALL-WRITES",
        "a Bootstrap-Finish waits for the answers to every Bootstrap-Write and Bootstrap-Delete, and none follows it before its answer",
        "no answered Bootstrap-Finish in the capture",
    )
}

/// A request from an LwM2M Server (not the Bootstrap-Server) that a client in its Bootstrap
/// sequence answers with a response code.
pub fn client_ignores_requests_during_bootstrap(x: &Exchange<'_>) -> Finding {
    let target = |a: &crate::dialogue::Annotated| {
        a.is_request()
            && a.request_op().is_none_or(|op| op.interface() != Interface::Bootstrap)
            && x.is(a.datagram.to, Role::Client)
            && !x.is(a.datagram.from, Role::BootstrapServer)
    };
    super::exchange::must_ignore(x, Bootstraps::default(), target, |since| {
        format!("during the bootstrap sequence begun in frame {since}")
    })
    .finding(
        "BS-CLIENT-IGNORE-REQUESTS-DURING-BOOTSTRAP",
        "a client in its bootstrap sequence answers no request of another server",
        "no request of an LwM2M Server reached a client during its bootstrap sequence",
    )
}

pub fn delete_root_only_in_bootstrap(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    for a in x.items {
        if let (Some(Operation::Delete), Kind::Request { path, .. }) = (a.request_op(), &a.kind)
            && x.is(a.datagram.from, Role::Server)
        {
            if path == "/" {
                t.violation(
                    vec![a.frame()],
                    format!("frame {}: an LwM2M Server sent Delete /", a.frame()),
                );
            } else {
                t.judged(a.frame());
            }
        }
    }
    t.finding(
        "DM-SERVER-DELETE-ROOT-ONLY-IN-BOOTSTRAP",
        "a Delete of \"/\" comes only from a Bootstrap-Server",
        "no Delete from an LwM2M Server in the capture",
    )
}

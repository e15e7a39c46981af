//! Checks on the Bootstrap interface (LwM2M TS 1.0.2 §5.2, §8.2.2 as amended by the seeds).

use std::collections::BTreeMap;

use super::state::Bootstraps;
use super::{Exchange, Finding, Tally};
use crate::case::Role;
use crate::dialogue::{Interface, Kind, Op};

pub fn finish_is_empty_post(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    for a in x.items {
        let (Some(Op::BootstrapFinish), Some(m)) = (a.request_op(), &a.msg) else {
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

/// Bootstrap-Write or Bootstrap-Delete sent while a Bootstrap-Finish to the same client waits for
/// its answer: the finish indication came before the last write.
pub fn finish_after_all_writes(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    // (bootstrap server, client) -> the unanswered Bootstrap-Finish
    let mut open: BTreeMap<_, u32> = BTreeMap::new();
    for a in x.items {
        let (from, to) = (a.datagram.from, a.datagram.to);
        match a.request_op() {
            Some(Op::BootstrapFinish) => {
                open.insert((from, to), a.frame());
            }
            Some(op @ (Op::BootstrapWrite | Op::BootstrapDelete)) => {
                if let (Some(finish), Kind::Request { path, .. }) = (open.get(&(from, to)), &a.kind) {
                    t.violation(
                        vec![*finish, a.frame()],
                        format!(
                            "frame {}: {} {path} sent after the Bootstrap-Finish of frame {finish}",
                            a.frame(),
                            op.name()
                        ),
                    );
                }
            }
            _ => {}
        }
        if let Some((_, Some(r))) = a.response()
            && r.op == Op::BootstrapFinish
            && open.remove(&(to, from)).is_some()
        {
            t.judged(r.frame);
        }
    }
    t.finding(
        "BS-BSSERVER-FINISH-AFTER-ALL-WRITES",
        "no Bootstrap-Write or Bootstrap-Delete follows a Bootstrap-Finish before the client answers it",
        "no answered Bootstrap-Finish in the capture",
    )
}

/// A request from an LwM2M Server (not the Bootstrap-Server) that a client in its Bootstrap
/// sequence answers with a response code.
pub fn client_ignores_requests_during_bootstrap(x: &Exchange<'_>) -> Finding {
    let target = |a: &crate::dialogue::Annotated| {
        a.request_op().is_some_and(|op| op.interface() != Interface::Bootstrap)
            && x.is(a.datagram.to, Role::Client)
            && !x.is(a.datagram.from, Role::BootstrapServer)
    };
    super::must_ignore(x, Bootstraps::default(), target, |since| {
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
        if let (Some(Op::Delete), Kind::Request { path, .. }) = (a.request_op(), &a.kind)
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

//! The exchange a passive check reads (annotated datagrams and the endpoints' roles), and the
//! one shape several checks share: requests a client must ignore while in some phase.

use std::net::SocketAddr;

use super::finding::Tally;
use super::state;
use crate::dialogue::{Annotated, Roles};
use crate::lwm2m::Role;

/// The exchange under analysis.
pub(crate) struct Exchange<'a> {
    /// The annotated datagrams, in frame order.
    pub items: &'a [Annotated],
    /// The role of each endpoint.
    pub roles: &'a Roles,
}

impl Exchange<'_> {
    pub(super) fn is(&self, addr: SocketAddr, role: Role) -> bool {
        self.roles.role(addr) == Some(role)
    }
}

/// Requests (those `target` picks) that reach a client while it is in `phase` with respect to
/// their sender; answering one with any response code while still in it is a violation (an empty
/// ACK or RST is message layer and tolerated). `when(since)` words the phase for the message.
pub(super) fn must_ignore(
    x: &Exchange<'_>,
    mut phase: impl state::Phase,
    target: impl Fn(&Annotated) -> bool,
    when: impl Fn(u32) -> String,
) -> Tally {
    // request frame -> the frame its phase began
    let mut reached: std::collections::BTreeMap<u32, u32> = Default::default();
    let mut t = Tally::default();
    for a in x.items {
        let (from, to) = (a.datagram.from, a.datagram.to);
        if a.is_request()
            && target(a)
            && let Some(since) = phase.since(to, from)
        {
            reached.insert(a.frame(), since);
            t.judged(a.frame());
        }
        if let Some((code, Some(r))) = a.response().filter(|_| a.retransmits.is_none())
            && let Some(since) = reached.get(&r.frame)
            && phase.since(from, to).is_some()
        {
            t.violation(
                vec![*since, r.frame, a.frame()],
                format!(
                    "frame {}: the client answered {} {} (frame {}) with {code} {}",
                    a.frame(),
                    crate::dialogue::name_of(r.op),
                    r.path,
                    r.frame,
                    when(*since)
                ),
            );
        }
        phase.step(a);
    }
    t
}

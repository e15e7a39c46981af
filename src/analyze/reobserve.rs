//! IR-SERVER-REOBSERVE-ON-REGISTER: "Server MUST re-initiate observation requests whenever client
//! registers." Judged for a client that registers again while observations of its previous
//! registration were in place: the server observes each of those paths again during the new
//! registration (pass), or that registration ends (De-register, another Register) first (fail).
//! A registration still running when the capture ends is not judged.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use super::exchange::Exchange;
use super::finding::{Finding, Tally};
use crate::coap::Code;
use crate::dialogue::{Annotated, Kind, Operation};

type Pair = (SocketAddr, SocketAddr);

/// Paths the server owes a new observation of, since the Register in frame `register`.
struct Owed {
    register: u32,
    acked: bool,
    paths: BTreeSet<String>,
}

#[derive(Default)]
struct Walk {
    /// (client, server) -> token -> observed path
    active: BTreeMap<Pair, BTreeMap<Vec<u8>, String>>,
    /// notification frame -> (pair, token), so a RST to it cancels the observation
    notifications: BTreeMap<u32, (Pair, Vec<u8>)>,
    owed: BTreeMap<Pair, Owed>,
    t: Tally,
}

impl Walk {
    /// The registration of `pair` ended at `frame` (`how`): anything still owed is a violation.
    fn ended(&mut self, pair: Pair, frame: u32, how: &str) {
        if let Some(o) = self.owed.remove(&pair)
            && o.acked
            && !o.paths.is_empty()
        {
            let paths: Vec<&str> = o.paths.iter().map(String::as_str).collect();
            self.t.violation(
                vec![o.register, frame],
                format!(
                    "frame {frame}: the registration of frame {} ended ({how}) without the server observing {} again",
                    o.register,
                    paths.join(", ")
                ),
            );
        }
    }

    fn step(&mut self, a: &Annotated) {
        let (from, to, frame) = (a.datagram.from, a.datagram.to, a.frame());
        let Some(m) = a.msg.as_ref().filter(|_| a.retransmits.is_none()) else {
            return;
        };
        match (&a.kind, a.request_op()) {
            (_, Some(Operation::Register)) => {
                self.ended((from, to), frame, "a new Register");
                let paths: BTreeSet<String> = self
                    .active
                    .remove(&(from, to))
                    .unwrap_or_default()
                    .into_values()
                    .collect();
                if !paths.is_empty() {
                    let owed = Owed {
                        register: frame,
                        acked: false,
                        paths,
                    };
                    self.owed.insert((from, to), owed);
                }
            }
            (_, Some(Operation::Deregister)) => {
                self.ended((from, to), frame, "De-register");
                self.active.remove(&(from, to));
            }
            (Kind::Request { path, .. }, Some(Operation::Observe)) => {
                if let Some(o) = self.owed.get_mut(&(to, from)).filter(|o| o.acked)
                    && o.paths.remove(path)
                {
                    self.t.judged(frame);
                    if o.paths.is_empty() {
                        self.owed.remove(&(to, from));
                    }
                }
            }
            (Kind::Request { path, .. }, Some(Operation::CancelObservation)) => {
                if let Some(tokens) = self.active.get_mut(&(to, from)) {
                    tokens.retain(|_, p| p != path);
                }
            }
            (Kind::Response { answers: Some(r) }, _) => match (r.op, m.code) {
                (Some(Operation::Register), Code::CREATED) => {
                    if let Some(o) = self.owed.get_mut(&(to, from)) {
                        o.acked = true;
                    }
                }
                (Some(Operation::Observe), Code::CONTENT) if m.observe().is_some() => {
                    let tokens = self.active.entry((from, to)).or_default();
                    tokens.insert(m.token.clone(), r.path.clone());
                }
                _ => {}
            },
            (Kind::Notify { .. }, _) => {
                self.notifications.insert(frame, ((from, to), m.token.clone()));
            }
            (Kind::Reset { of: Some(f) }, _) => {
                if let Some((pair, token)) = self.notifications.get(f)
                    && let Some(tokens) = self.active.get_mut(pair)
                {
                    tokens.remove(token);
                }
            }
            _ => {}
        }
    }
}

pub fn server_reobserves_on_register(x: &Exchange<'_>) -> Finding {
    let mut w = Walk::default();
    for a in x.items {
        w.step(a);
    }
    w.t.finding(
        "IR-SERVER-REOBSERVE-ON-REGISTER",
        "after a client registers again, the server observes again what it observed before",
        "no client registered again while observed, with its new registration ended or re-observed in view",
    )
}

//! The notification periods a client SHOULD keep (LwM2M TS 1.0.2 §5.3.4, Table 9): pmin, the least
//! time between two notifications of an observation, and pmax, the most. Judged only where a
//! Write-Attributes on exactly the observed path set them and the client accepted it (2.04); the
//! Observe's 2.05 counts as the first notification (RFC 7641 §4.2), as the suite's cases read it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use super::exchange::Exchange;
use super::finding::{Finding, Tally};
use crate::coap::Code;
use crate::dialogue::{Annotated, Kind, Operation};

/// Timing slack: a capture sees send times to within scheduling noise; the suite's period cases
/// leave the same margin.
const SLACK: Duration = Duration::from_millis(500);

/// (client, server, path) or (client, server, token).
type Key<T> = (SocketAddr, SocketAddr, T);

#[derive(Clone, Copy, Debug, Default)]
struct Periods {
    pmin: Option<f64>,
    pmax: Option<f64>,
}

fn attributes(a: &Annotated) -> Periods {
    let q = a.msg.as_ref().map(|m| m.uri_query()).unwrap_or_default();
    let get = |name: &str| {
        q.iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_deref()?.parse::<f64>().ok())
    };
    Periods {
        pmin: get("pmin"),
        pmax: get("pmax"),
    }
}

struct Observation {
    path: String,
    /// Time and frame of the last notification (or the 2.05).
    last: (Duration, u32),
    /// pmax already found exceeded since `last` (reported once).
    overdue: bool,
}

#[derive(Default)]
struct Walk {
    /// Write-Attributes waiting for their answer, by (client, server, token).
    asked: BTreeMap<Key<Vec<u8>>, (String, Periods)>,
    /// Accepted attributes by (client, server, path).
    set: BTreeMap<Key<String>, Periods>,
    observations: BTreeMap<Key<Vec<u8>>, Observation>,
    /// Notification frame -> its observation, so a RST to it ends the observation.
    notifications: BTreeMap<u32, Key<Vec<u8>>>,
    min: Tally,
    max: Tally,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl Walk {
    fn periods(&self, client: SocketAddr, server: SocketAddr, path: &str) -> Periods {
        self.set
            .get(&(client, server, path.to_string()))
            .copied()
            .unwrap_or_default()
    }

    fn step(&mut self, a: &Annotated) {
        let (from, to, frame, at) = (a.datagram.from, a.datagram.to, a.frame(), a.datagram.at);
        let Some(m) = &a.msg else { return };
        if a.retransmits.is_some() {
            return;
        }
        self.check_overdue(from, to, at, frame);
        match (&a.kind, a.request_op()) {
            (Kind::Request { path, .. }, Some(Operation::WriteAttributes)) => {
                self.asked
                    .insert((to, from, m.token.clone()), (path.clone(), attributes(a)));
            }
            (Kind::Request { path, .. }, Some(Operation::CancelObservation)) => {
                self.observations
                    .retain(|(c, s, _), o| !(*c == to && *s == from && o.path == *path));
            }
            (Kind::Request { .. }, Some(Operation::Register | Operation::Deregister)) => {
                self.observations.retain(|(c, s, _), _| !(*c == from && *s == to));
            }
            (Kind::Response { answers: Some(r) }, _) => {
                let key = (from, to, m.token.clone());
                if r.op == Some(Operation::WriteAttributes) && m.code == Code::CHANGED {
                    if let Some((path, p)) = self.asked.remove(&key) {
                        let entry = self.set.entry((from, to, path)).or_default();
                        entry.pmin = p.pmin.or(entry.pmin);
                        entry.pmax = p.pmax.or(entry.pmax);
                    }
                } else if r.op == Some(Operation::Observe) && m.code == Code::CONTENT && m.observe().is_some() {
                    let o = Observation {
                        path: r.path.clone(),
                        last: (at, frame),
                        overdue: false,
                    };
                    self.observations.insert(key, o);
                }
            }
            (Kind::Notify { .. }, _) => self.notified(a, (from, to, m.token.clone())),
            (Kind::Reset { of: Some(f) }, _) => {
                if let Some(key) = self.notifications.get(f) {
                    self.observations.remove(key);
                }
            }
            _ => {}
        }
    }

    fn notified(&mut self, a: &Annotated, key: Key<Vec<u8>>) {
        let (frame, at) = (a.frame(), a.datagram.at);
        self.notifications.insert(frame, key.clone());
        let Some(o) = self.observations.get(&key) else { return };
        let p = self.periods(key.0, key.1, &o.path);
        let (gap, last, path) = (at.saturating_sub(o.last.0), o.last.1, o.path.clone());
        if let Some(pmin) = p.pmin {
            if secs(gap + SLACK) < pmin {
                self.min.violation(
                    vec![last, frame],
                    format!(
                        "frame {frame}: notification of {path} {:.3} s after the one of frame {last}, under pmin={pmin}",
                        secs(gap)
                    ),
                );
            } else {
                self.min.judged(frame);
            }
        }
        if let Some(pmax) = p.pmax.filter(|x| p.pmin.is_none_or(|n| *x > n)) {
            if secs(gap) <= pmax + secs(SLACK) {
                self.max.judged(frame);
            } else if !o.overdue {
                self.max
                    .violation(vec![last, frame], overdue(frame, &path, last, gap, pmax));
            }
        }
        if let Some(o) = self.observations.get_mut(&key) {
            o.last = (at, frame);
            o.overdue = false;
        }
    }

    /// A client datagram after pmax has run out with no notification: the client was there and
    /// did not notify.
    fn check_overdue(&mut self, from: SocketAddr, to: SocketAddr, at: Duration, frame: u32) {
        let set = &self.set;
        // Only this pair's observations: the keys sort by (client, server) first.
        let pair = self
            .observations
            .range_mut((from, to, Vec::new())..)
            .take_while(|((c, s, _), _)| (*c, *s) == (from, to));
        for ((c, s, _), o) in pair {
            if o.overdue {
                continue;
            }
            let p = set.get(&(*c, *s, o.path.clone())).copied().unwrap_or_default();
            let Some(pmax) = p.pmax.filter(|x| p.pmin.is_none_or(|n| *x > n)) else {
                continue;
            };
            let gap = at.saturating_sub(o.last.0);
            if secs(gap) > pmax + secs(SLACK) {
                o.overdue = true;
                self.max
                    .violation(vec![o.last.1, frame], overdue(frame, &o.path, o.last.1, gap, pmax));
            }
        }
    }
}

fn overdue(frame: u32, path: &str, last: u32, gap: Duration, pmax: f64) -> String {
    format!(
        "frame {frame}: {:.3} s since the notification of {path} in frame {last}, over pmax={pmax}",
        secs(gap)
    )
}

/// The IR-CLIENT-MINIMUM-PERIOD and IR-CLIENT-MAXIMUM-PERIOD findings.
pub fn notification_periods(x: &Exchange<'_>) -> [Finding; 2] {
    let mut w = Walk::default();
    for a in x.items {
        w.step(a);
    }
    [
        w.min.finding(
            "IR-CLIENT-MINIMUM-PERIOD",
            "notifications of an observation whose path has pmin come at least pmin apart",
            "no notification of an observation with an accepted pmin on its path",
        ),
        w.max.finding(
            "IR-CLIENT-MAXIMUM-PERIOD",
            "notifications of an observation whose path has pmax come at most pmax apart",
            "no notification of an observation with an accepted pmax on its path",
        ),
    ]
}

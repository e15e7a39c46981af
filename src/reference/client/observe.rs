//! The Information Reporting interface (LwM2M 1.0.2 §5.5, RFC 7641): Observe, Notify and
//! Cancel Observation.
//!
//! An observation is keyed by its token. Notifications are Confirmable, so the server's ACK
//! or RST says whether it still wants them: an RST cancels the observation (RFC 7641 §3.6), as
//! does a notification that is never acknowledged (§4.5). At most one Confirmable
//! notification per observation is in flight; a change meanwhile is sent once it is
//! acknowledged (§4.5.2 allows waiting). pmin and pmax come from Write-Attributes, inherited
//! from the Object Instance and Object levels, else from the Server Object's Default Minimum /
//! Maximum Period; gt, lt and st filter changes of a numeric Resource.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path, Record, Value};

use super::Fault;
use super::attributes::AttributeStore;
use super::dm::{self, Reply};
use super::messaging::MessageLayer;
use super::objects::{DEVICE, ObjectStore, rid};

/// Observe option values are 24-bit (RFC 7641 §3.4).
const OBSERVE_MASK: u32 = 0x00ff_ffff;

#[derive(Debug)]
struct Observation {
    token: Vec<u8>,
    path: Path,
    format: ContentFormat,
    last_sent: Duration,
    last_records: Vec<Record>,
    /// The numeric value last reported, the reference for Step.
    last_number: Option<f64>,
    /// A reportable change not yet notified (pmin not elapsed, or a notification in flight).
    pending: bool,
    /// Message ID of the Confirmable notification awaiting its ACK.
    in_flight: Option<u16>,
    /// Message ID of the last Non-confirmable notification: an RST to it cancels (RFC 7641 §3.6).
    last_non: Option<u16>,
}

/// The notification attributes in force for one observation.
struct Effective {
    pmin: u32,
    pmax: Option<u32>,
    gt: Option<f64>,
    lt: Option<f64>,
    st: Option<f64>,
}

fn effective(store: &ObjectStore, attrs: &AttributeStore, server_instance: u16, path: &Path) -> Effective {
    // A resource instance observation uses its resource's attributes (1.0 has none deeper).
    let level = if path.depth() == 4 {
        path.parent().unwrap_or(*path)
    } else {
        *path
    };
    let a = attrs.inherited(&level);
    let (dmin, dmax) = store.default_periods(server_instance);
    let numeric = level.depth() == 3;
    Effective {
        pmin: a.pmin.or(dmin).unwrap_or(0),
        pmax: a.pmax.or(dmax).filter(|p| *p > 0),
        gt: a.gt.filter(|_| numeric),
        lt: a.lt.filter(|_| numeric),
        st: a.st.filter(|_| numeric),
    }
}

fn number(records: &[Record]) -> Option<f64> {
    match records {
        [only] => match only.value {
            Value::Integer(i) | Value::Time(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

fn seconds(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

#[derive(Debug, Default)]
pub(crate) struct Observations {
    list: Vec<Observation>,
    seq: u32,
    /// The Information Reporting faults in force (see `fault.rs`); empty when conformant.
    faults: BTreeSet<Fault>,
    /// The `non-notifications` variant: notifications go Non-confirmable (RFC 7641 §4.5).
    non_confirmable: bool,
    /// The Server Object Instance of the observing server: its Default Minimum / Maximum Period
    /// apply.
    server_instance: u16,
    /// The `notify-each-instance` variant: one notification per changed Object Instance.
    each_instance: bool,
}

/// What a notification of an Object observation (Object ID only) carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjectNotification {
    /// Every changed Object Instance, whole, in one notification: "the Notify operation MUST
    /// be done per Object Instance" (TS 1.0.2 §5.5.1).
    ChangedInstances,
    /// The lowest changed Object Instance, whole; the others in the notifications after it
    /// (the `notify-each-instance` variant).
    EachInstance,
    /// The fault `ir-object-notify-whole-object`: every instance, changed or not.
    WholeObject,
    /// The fault `ir-object-notify-changed-resource-only`: the changed Resources alone.
    ChangedResources,
}

impl ObjectNotification {
    /// The records to report out of `records` (the Object as it is) given `last` (as last
    /// reported), and whether more changed instances wait for a later notification. Nothing
    /// changed (a pmax notification): the whole Object.
    fn select(self, records: &[Record], last: &[Record]) -> (Vec<Record>, bool) {
        let instance_of = |r: &Record| r.path.instance;
        let records_of = |set: &[Record], i: Option<u16>| -> Vec<Record> {
            set.iter().filter(|r| instance_of(r) == i).cloned().collect()
        };
        let all: BTreeSet<Option<u16>> = records.iter().chain(last).map(instance_of).collect();
        let changed: Vec<Option<u16>> = all
            .into_iter()
            .filter(|i| records_of(records, *i) != records_of(last, *i))
            .collect();
        if changed.is_empty() {
            return (records.to_vec(), false);
        }
        match self {
            ObjectNotification::WholeObject => (records.to_vec(), false),
            ObjectNotification::ChangedResources => {
                (records.iter().filter(|r| !last.contains(r)).cloned().collect(), false)
            }
            ObjectNotification::ChangedInstances => (
                records
                    .iter()
                    .filter(|r| changed.contains(&instance_of(r)))
                    .cloned()
                    .collect(),
                false,
            ),
            ObjectNotification::EachInstance => (records_of(records, changed[0]), changed.len() > 1),
        }
    }
}

impl Observations {
    /// No observations yet; `faults` may hold Information Reporting faults.
    pub(crate) fn new(
        faults: &BTreeSet<Fault>,
        server_instance: u16,
        non_confirmable: bool,
        each_instance: bool,
    ) -> Self {
        Observations {
            faults: faults.clone(),
            non_confirmable,
            server_instance,
            each_instance,
            ..Observations::default()
        }
    }

    fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// The attributes in force for `path`, with the period and threshold faults applied.
    fn effective(&self, store: &ObjectStore, attrs: &AttributeStore, path: &Path) -> Effective {
        let mut eff = effective(store, attrs, self.server_instance, path);
        if self.has(Fault::IrIgnoresPmin) {
            eff.pmin = 0;
        }
        if self.has(Fault::IrIgnoresPmax) {
            eff.pmax = None;
        }
        for (fault, attr) in [
            (Fault::IrIgnoresGt, &mut eff.gt),
            (Fault::IrIgnoresLt, &mut eff.lt),
            (Fault::IrIgnoresSt, &mut eff.st),
        ] {
            if self.has(fault) {
                *attr = None;
            }
        }
        eff
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = (self.seq + 1) & OBSERVE_MASK;
        self.seq
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Observe (GET with Observe 0): reads the target like a Read and, on success, keeps an
    /// observation under the request's token (replacing one with the same token).
    pub(crate) fn observe(&mut self, now: Duration, store: &ObjectStore, req: &Message) -> Reply {
        let path = match dm::request_path(req) {
            Ok(p) if p.depth() >= 1 => p,
            Ok(_) => return Reply::code(Code::METHOD_NOT_ALLOWED),
            Err(code) => return Reply::code(code),
        };
        let (format, records, payload) = match dm::read(store, &path, req.accept()) {
            Ok(r) => r,
            Err(code) => return Reply::code(code),
        };
        self.list.retain(|o| o.token != req.token);
        self.list.push(Observation {
            token: req.token.clone(),
            path,
            format,
            last_sent: now,
            last_number: number(&records),
            last_records: records,
            pending: false,
            in_flight: None,
            last_non: None,
        });
        let mut reply = Reply::content(format, payload);
        reply.observe = Some(self.next_seq());
        reply
    }

    /// Cancel Observation by GET with Observe 1 (RFC 7641 §3.6); the GET itself is then
    /// answered like a Read.
    pub(crate) fn cancel(&mut self, msg: &mut MessageLayer, token: &[u8]) {
        if self.has(Fault::IrIgnoresCancelObservation) {
            return;
        }
        self.remove_where(msg, |o| o.token == token);
    }

    /// Forgets every observation (a reboot, or a new registration).
    pub(crate) fn clear(&mut self, msg: &mut MessageLayer) {
        self.remove_where(msg, |_| true);
    }

    fn remove_where(&mut self, msg: &mut MessageLayer, f: impl Fn(&Observation) -> bool) {
        for o in self.list.iter().filter(|o| f(o)) {
            if let Some(mid) = o.in_flight {
                msg.cancel(mid);
            }
        }
        self.list.retain(|o| !f(o));
    }

    /// An ACK for a notification: it arrived, the next may go.
    pub(crate) fn on_ack(&mut self, mid: u16) -> bool {
        match self.list.iter_mut().find(|o| o.in_flight == Some(mid)) {
            Some(o) => {
                o.in_flight = None;
                true
            }
            None => false,
        }
    }

    /// An RST for a notification (RFC 7641 §3.6): the server no longer wants the observation.
    pub(crate) fn on_reset(&mut self, mid: u16) -> bool {
        if self.has(Fault::IrNotifyIgnoresCancelRst) {
            // Taken as if it were an ACK: the observation goes on.
            return self.on_ack(mid);
        }
        self.on_reset_or_gave_up(mid)
    }

    /// An RST for the last Non-confirmable notification of an observation (RFC 7641 §3.6):
    /// the server no longer wants it. A Non-confirmable message has no retransmission to stop,
    /// so the message layer does not recognise the RST; this does.
    pub(crate) fn on_reset_of_non(&mut self, mid: u16) -> bool {
        if self.has(Fault::IrNotifyIgnoresCancelRst) {
            return false;
        }
        let before = self.list.len();
        self.list.retain(|o| o.last_non != Some(mid));
        self.list.len() != before
    }

    /// An RST for a notification, or one never acknowledged: the server no longer wants it.
    pub(crate) fn on_reset_or_gave_up(&mut self, mid: u16) -> bool {
        let before = self.list.len();
        self.list.retain(|o| o.in_flight != Some(mid));
        self.list.len() != before
    }

    /// When `notify` next needs to run: pmin or pmax expiring, or the next second while an
    /// observation covers Current Time /3/0/13, whose value moves every second.
    pub(crate) fn next_deadline(&self, now: Duration, store: &ObjectStore, attrs: &AttributeStore) -> Option<Duration> {
        if self.has(Fault::IrNoNotify) {
            return None;
        }
        let current_time = Path::resource(DEVICE, 0, rid::CURRENT_TIME);
        let mut next: Option<Duration> = None;
        let mut consider = |t: Duration| next = Some(next.map_or(t, |n| n.min(t)));
        for o in self.list.iter().filter(|o| o.in_flight.is_none()) {
            let eff = self.effective(store, attrs, &o.path);
            if o.pending {
                consider(o.last_sent + seconds(eff.pmin));
            }
            if let Some(pmax) = eff.pmax {
                consider(o.last_sent + seconds(pmax));
            }
            if o.path.contains(&current_time) || current_time.contains(&o.path) {
                consider(Duration::from_secs(now.as_secs() + 1));
            }
        }
        next
    }

    /// Sends the notifications that are due at `now`.
    pub(crate) fn notify(
        &mut self,
        now: Duration,
        store: &ObjectStore,
        attrs: &AttributeStore,
        msg: &mut MessageLayer,
    ) {
        if self.has(Fault::IrNoNotify) {
            return;
        }
        let shape = if self.has(Fault::IrObjectNotifyChangedResourceOnly) {
            ObjectNotification::ChangedResources
        } else if self.has(Fault::IrObjectNotifyWholeObject) {
            ObjectNotification::WholeObject
        } else if self.each_instance {
            ObjectNotification::EachInstance
        } else {
            ObjectNotification::ChangedInstances
        };
        let effs: Vec<Effective> = self
            .list
            .iter()
            .map(|o| self.effective(store, attrs, &o.path))
            .collect();
        let mut gone = Vec::new();
        let mut seq = self.seq;
        for (o, eff) in self.list.iter_mut().zip(effs) {
            let (records, payload) = match dm::read(store, &o.path, Some(o.format.0)) {
                Ok((_, records, payload)) => (records, payload),
                Err(code) => {
                    // The target is gone: a final error notification ends the observation
                    // (RFC 7641 §4.2).
                    let m = Message::new(MessageType::Confirmable, code, 0, o.token.clone());
                    let _ = msg.send_con(now, m);
                    gone.push(o.token.clone());
                    continue;
                }
            };
            if records != o.last_records && reportable(&eff, o.last_number, &records) {
                o.pending = true;
            }
            let since = now.saturating_sub(o.last_sent);
            let due = (o.pending && since >= seconds(eff.pmin)) || eff.pmax.is_some_and(|p| since >= seconds(p));
            if !due || o.in_flight.is_some() {
                continue;
            }
            seq = (seq + 1) & OBSERVE_MASK;
            let mut m = Message::new(MessageType::Confirmable, Code::CONTENT, 0, o.token.clone());
            m.add_uint_option(option::OBSERVE, seq);
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(o.format.0));
            let (reported, more) = if o.path.depth() == 1 {
                shape.select(&records, &o.last_records)
            } else {
                (records.clone(), false)
            };
            m.payload = if reported.len() == records.len() {
                payload
            } else {
                crate::lwm2m::encode(o.format, &o.path, &reported).unwrap_or(payload)
            };
            if self.non_confirmable {
                o.last_non = msg.send_non(m);
            } else {
                o.in_flight = msg.send_con(now, m);
            }
            o.last_sent = now;
            o.last_number = number(&records);
            o.last_records = if more {
                // Only the instances reported so far count as known; the others are still due.
                let sent: BTreeSet<Option<u16>> = reported.iter().map(|r| r.path.instance).collect();
                let mut known: Vec<Record> = o
                    .last_records
                    .iter()
                    .filter(|r| !sent.contains(&r.path.instance))
                    .cloned()
                    .collect();
                known.extend(reported);
                known
            } else {
                records
            };
            o.pending = more;
        }
        self.seq = seq;
        self.list.retain(|o| !gone.contains(&o.token));
    }
}

/// Whether a changed value is worth a notification under gt / lt / st (1.0.2 Table 9: notify
/// when above gt, below lt, or moved by at least st since the last notification). With none of
/// them set, any change is.
fn reportable(eff: &Effective, last: Option<f64>, records: &[Record]) -> bool {
    if eff.gt.is_none() && eff.lt.is_none() && eff.st.is_none() {
        return true;
    }
    let Some(v) = number(records) else {
        return true;
    };
    eff.gt.is_some_and(|g| v > g)
        || eff.lt.is_some_and(|l| v < l)
        || eff.st.is_some_and(|s| last.is_none_or(|prev| (v - prev).abs() >= s))
}

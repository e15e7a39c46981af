//! Checks on Write-Attributes, Observe and notifications (LwM2M TS 1.0.2 §5.3.4, §5.5 as amended
//! by the seeds).

use std::collections::{BTreeMap, BTreeSet};

use super::exchange::Exchange;
use super::finding::{Finding, Tally};
use crate::coap::message::option;
use crate::dialogue::{Kind, Operation};
use crate::lwm2m::Role;
use crate::lwm2m::objects::resource_defs;
use crate::lwm2m::operation::{Context, classify_any_path};
use crate::lwm2m::{self, Content, ContentFormat, Path};

pub fn pmax_greater_than_pmin(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    for a in x.items {
        let (Some(Operation::WriteAttributes), Some(m), Kind::Request { path, .. }) = (a.request_op(), &a.msg, &a.kind)
        else {
            continue;
        };
        if x.is(a.datagram.from, Role::Client) {
            continue;
        }
        let q: BTreeMap<String, Option<String>> = m.uri_query().into_iter().collect();
        let number = |k: &str| q.get(k).cloned().flatten().and_then(|v| v.parse::<f64>().ok());
        let (Some(pmin), Some(pmax)) = (number("pmin"), number("pmax")) else {
            continue;
        };
        if pmax > pmin {
            t.judged(a.frame());
        } else {
            t.violation(
                vec![a.frame()],
                format!(
                    "frame {}: Write-Attributes {path} sets pmin={pmin} and pmax={pmax}",
                    a.frame()
                ),
            );
        }
    }
    t.finding(
        "DM-SERVER-PMAX-GREATER-THAN-PMIN",
        "a Write-Attributes that sets both periods has pmax > pmin",
        "no Write-Attributes with both pmin and pmax in the capture",
    )
}

/// An Observe that names a Resource names its Object Instance too (Table 16). On the wire "/3//13"
/// is an empty Uri-Path segment between the Object and the Resource, which is no LwM2M path, so
/// the request is read as if it were one (`classify_any_path`) rather than by its classified
/// operation.
pub fn observe_resource_names_instance(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    for a in x.items {
        let (true, Some(m)) = (a.is_request() && x.is(a.datagram.from, Role::Server), &a.msg) else {
            continue;
        };
        if classify_any_path(m, Context::sent_by(Role::Server)) != Some(Operation::Observe) {
            continue;
        }
        match m.option_values(option::URI_PATH).collect::<Vec<_>>().as_slice() {
            [_, b"", _, ..] => t.violation(
                vec![a.frame()],
                format!(
                    "frame {}: an Observe of {} names a Resource but no Object Instance",
                    a.frame(),
                    m.uri_path()
                ),
            ),
            [_, _, _, ..] => t.judged(a.frame()),
            _ => {}
        }
    }
    t.finding(
        "IR-SERVER-OBSERVE-NO-RESOURCE-WITHOUT-INSTANCE",
        "an Observe that names a Resource ID names an Object Instance ID too",
        "no Observe of a Resource in the capture",
    )
}

/// The Resources an instance of `object` always has and can report (mandatory and readable).
fn always_reported(object: u16) -> BTreeSet<u16> {
    resource_defs(object)
        .iter()
        .filter(|d| d.mandatory && d.operations.contains('R'))
        .map(|d| d.id)
        .collect()
}

/// A notification of an Object observation carries whole Object Instances: every instance in it
/// has all the mandatory readable Resources of its Object (as client-ir-notify-per-instance reads
/// the requirement). Only Objects whose definitions the harness has (0, 1, 3) are judged.
pub fn notify_per_instance(x: &Exchange<'_>) -> Finding {
    let mut t = Tally::default();
    for a in x.items.iter().filter(|a| a.retransmits.is_none()) {
        let (Kind::Notify { answers }, Some(m)) = (&a.kind, &a.msg) else {
            continue;
        };
        let Ok(base) = answers.path.parse::<Path>() else {
            continue;
        };
        let (Some(object), None) = (base.object, base.instance) else {
            continue;
        };
        let want = always_reported(object);
        let format = m.content_format().map(ContentFormat);
        let (false, Ok(Content::Records(records))) = (want.is_empty(), lwm2m::decode(format, &base, &m.payload)) else {
            continue;
        };
        let mut by_instance: BTreeMap<u16, BTreeSet<u16>> = BTreeMap::new();
        for r in &records {
            if let (Some(i), Some(res)) = (r.path.instance, r.path.resource) {
                by_instance.entry(i).or_default().insert(res);
            }
        }
        let partial: Vec<String> = by_instance
            .iter()
            .filter_map(|(i, have)| {
                let missing: Vec<String> = want.difference(have).map(u16::to_string).collect();
                (!missing.is_empty()).then(|| format!("/{object}/{i} lacks Resources {}", missing.join(", ")))
            })
            .collect();
        if by_instance.is_empty() || !partial.is_empty() {
            let what = if partial.is_empty() {
                "carries no Object Instance".to_string()
            } else {
                partial.join("; ")
            };
            t.violation(
                vec![answers.frame, a.frame()],
                format!(
                    "frame {}: the notification of the Observe of {} (frame {}) {what}",
                    a.frame(),
                    answers.path,
                    answers.frame
                ),
            );
        } else {
            t.judged(a.frame());
        }
    }
    t.finding(
        "IR-CLIENT-NOTIFY-PER-INSTANCE",
        "a notification of an Object observation carries whole Object Instances",
        "no notification of an observation of a whole Object (0, 1 or 3) in the capture",
    )
}

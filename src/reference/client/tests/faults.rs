//! Each fault changes exactly the behaviour it names: one scripted session is run conformant
//! and once per fault, and the steps whose output differs are compared with the fault's.

use std::collections::BTreeMap;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};

use super::super::Fault;
use super::{Rig, client_snapshot, lines};

/// The steps whose output differs: step -> (conformant lines, faulty lines).
pub(super) type Changes = BTreeMap<&'static str, (Vec<String>, Vec<String>)>;

/// The steps of a scripted session whose lines differ between the conformant and a faulty run.
pub(super) fn changes(baseline: &[(&'static str, Vec<String>)], faulty: &[(&'static str, Vec<String>)]) -> Changes {
    assert_eq!(faulty.len(), baseline.len());
    baseline
        .iter()
        .zip(faulty)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((step, a), (_, b))| (*step, (a.clone(), b.clone())))
        .collect()
}

/// One session: what the client sends at each step, as transcript lines.
fn session(faults: &[Fault]) -> Vec<(&'static str, Vec<String>)> {
    let mut rig = Rig::new(faults);
    let mut steps = Vec::new();
    let record = |rig: &mut Rig, steps: &mut Vec<_>, step: &'static str| {
        let out: Vec<String> = rig.sent().iter().flat_map(lines).collect();
        steps.push((step, out));
    };
    let register = rig.sent().pop().expect("a Register");
    steps.push(("start: Register", lines(&register)));

    let read = rig.request(MessageType::Confirmable, Code::GET, "/3/0/0");
    rig.deliver(&read);
    record(&mut rig, &mut steps, "Read /3/0/0 before the registration ack");

    let mut observe = rig.request(MessageType::Confirmable, Code::GET, "/3/0/13");
    observe.add_uint_option(option::OBSERVE, 0);
    rig.deliver(&observe);
    record(&mut rig, &mut steps, "Observe /3/0/13 before the registration ack");

    rig.answer(&register, Code::CREATED, |r| r.set_location_path("/rd/x"));
    record(&mut rig, &mut steps, "2.01 Created /rd/x");

    let lifetime = rig.get("/1/0/1", None);
    steps.push(("Read /1/0/1", lines(&lifetime)));

    let trigger = rig.request(MessageType::Confirmable, Code::POST, "/1/0/8");
    rig.deliver(&trigger);
    let sent = rig.sent();
    steps.push(("Execute /1/0/8", sent.iter().flat_map(lines).collect()));
    let update = sent
        .iter()
        .find(|m| m.mtype == MessageType::Confirmable)
        .expect("an Update")
        .clone();
    rig.answer(&update, Code::CHANGED, |_| {});
    record(&mut rig, &mut steps, "2.04 to the Update");

    rig.core.shutdown(rig.now);
    let delete: Message = rig.sent().pop().expect("a De-register");
    steps.push(("shutdown: De-register", lines(&delete)));
    rig.answer(&delete, Code::DELETED, |_| {});
    assert!(rig.core.is_done());
    steps
}

/// The steps each fault is allowed to change.
fn expected_step(fault: Fault) -> &'static str {
    match fault {
        Fault::RegisterWrongPath
        | Fault::RegisterOmitEndpoint
        | Fault::RegisterEmptyObjectList
        | Fault::RegisterLifetimeMismatch
        | Fault::RegisterInvalidBinding => "start: Register",
        Fault::UpdateWrongLocation => "Execute /1/0/8",
        Fault::DeregisterWrongLocation => "shutdown: De-register",
        Fault::DmAnswerBeforeRegistrationAck => "Read /3/0/0 before the registration ack",
        Fault::IrAnswerBeforeRegistrationAck => "Observe /3/0/13 before the registration ack",
        // Operations this session does not exercise (or that would derail it): each has its own
        // test in `dm_ir_faults.rs`.
        Fault::DmNoReadResource
        | Fault::DmNoReadInstance
        | Fault::DmNoReadObject
        | Fault::DmWriteReplaceNotApplied
        | Fault::DmNoWritePartial
        | Fault::DmNoExecute
        | Fault::DmNoCreate
        | Fault::DmNoDelete
        | Fault::DmDiscoverOmitsResources
        | Fault::DmNoWriteAttributes
        | Fault::DmWriteAttributesRejectsStep
        | Fault::IrNoNotify
        | Fault::IrIgnoresCancelObservation
        | Fault::IrNotifyIgnoresCancelRst
        | Fault::IrObjectNotifyChangedResourceOnly
        | Fault::IrObjectNotifyWholeObject
        | Fault::IrReregisterWithUpdateAfterRestart
        | Fault::IrIgnoresPmin
        | Fault::IrIgnoresPmax
        | Fault::IrIgnoresGt
        | Fault::IrIgnoresLt
        | Fault::IrIgnoresSt => NOT_IN_SESSION,
        // Need a Bootstrap-Server: see `tests/bootstrap/faults.rs`.
        Fault::BsAnswerDuringBootstrap
        | Fault::BsWriteNeedsExistingInstance
        | Fault::BsDeleteRootRemovesBsAccount
        | Fault::BsDeleteRootKeepsServers
        | Fault::BsRegisterFirstServerOnly
        | Fault::BsNoFreshStart
        | Fault::BsKeepsDeletedServerRegistration
        | Fault::SibAnswerDm
        | Fault::SibAnswerObserve => NOT_IN_SESSION,
        // Only visible when the Register goes unanswered: see `tests/registration.rs`.
        Fault::RegNoRegisterRetry => NOT_IN_SESSION,
        // LwM2M 1.1 only (this session is 1.0): see `tests/lwm2m_1_1.rs`.
        Fault::RegOmitLwm2mVersion
        | Fault::BsNoBootstrapRead
        | Fault::BsNoBootstrapDiscover
        | Fault::RegIgnoresPriorityOrder
        | Fault::RegIgnoresInitialDelay
        | Fault::RegIgnoresFailureBlock
        | Fault::RegAlwaysBlocksOnFailure
        | Fault::RegIgnoresRetryResources
        | Fault::RegNoBootstrapOnFailure
        | Fault::RegAlwaysBootstrapOnFailure => NOT_IN_SESSION,
    }
}

/// `expected_step` of a fault the session does not exercise.
const NOT_IN_SESSION: &str = "";

#[test]
fn each_fault_changes_exactly_its_step() {
    let baseline = session(&[]);
    let mut effects: BTreeMap<&str, Changes> = BTreeMap::new();
    for fault in Fault::ALL.iter().filter(|f| expected_step(**f) != NOT_IN_SESSION) {
        let changed = changes(&baseline, &session(&[*fault]));
        let steps: Vec<&str> = changed.keys().copied().collect();
        assert_eq!(steps, vec![expected_step(*fault)], "{fault}");
        effects.insert(fault.id(), changed);
    }
    client_snapshot!("fault_effects", effects);
    client_snapshot!("conformant_session", baseline);
}

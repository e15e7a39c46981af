//! LwM2M 1.1 registration policy: the LwM2M Server Object's resources 13-20 (object version
//! 1.1) as the order, preconditions and error recovery of registration (LwM2M 1.1.1 Core
//! §6.2.1.1 "Bootstrap and LwM2M Server Registration Mechanisms"; defaults from its Table
//! 6.2.1.1-1 "Registration Procedures Default Values", as Anjay and Wakaama take them).
//!
//! * [`Retry`] and [`Attempts`]: one server's registration is a number of *sequences*
//!   (Communication Sequence Retry Count, 20), each of a number of *attempts* (Communication
//!   Retry Count, 17). After failed attempt k of a sequence the next comes Communication Retry
//!   Timer (18) x 2^(k-1) later; after a failed sequence the next comes Communication Sequence
//!   Delay Timer (19) later (its MAX_VALUE: never). When every sequence failed, the
//!   registration has failed. An attempt fails when the Register is answered with an error
//!   code, reset, or left unanswered after its CoAP retransmissions (as in Anjay).
//! * [`RegistrationOrder`]: servers with a Registration Priority Order (13) register one after
//!   the other in increasing order of it, each waiting its Initial Registration Delay Timer
//!   (14) after the previous one completed (the first: after start or Bootstrap-Finish); the
//!   others register at once, after their own delay, "not impacted by other server
//!   registrations". A failed server whose Registration Failure Block (15) is true blocks the
//!   rest of the order. What a failure does beyond that (Bootstrap on Registration Failure,
//!   16) is the device's business.
//!
//! Sans-IO: every decision takes `now`, the time since the client's epoch.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use super::objects::{ObjectStore, ServerAccount};
use super::{Fault, Version};

/// Server Object resource ids of the policy (LWM2M_Server-v1_1.xml).
pub(crate) mod rid {
    pub(crate) const REGISTRATION_PRIORITY_ORDER: u16 = 13;
    pub(crate) const INITIAL_REGISTRATION_DELAY_TIMER: u16 = 14;
    pub(crate) const REGISTRATION_FAILURE_BLOCK: u16 = 15;
    pub(crate) const BOOTSTRAP_ON_REGISTRATION_FAILURE: u16 = 16;
    pub(crate) const COMMUNICATION_RETRY_COUNT: u16 = 17;
    pub(crate) const COMMUNICATION_RETRY_TIMER: u16 = 18;
    pub(crate) const COMMUNICATION_SEQUENCE_DELAY_TIMER: u16 = 19;
    pub(crate) const COMMUNICATION_SEQUENCE_RETRY_COUNT: u16 = 20;
}

/// "MAX_VALUE means do not perform another communication sequence" (resource 19): the
/// resource is an Unsigned Integer, whose largest value implementations take as u32::MAX.
const SEQUENCE_DELAY_NEVER: u64 = u32::MAX as u64;

/// The retry resources of one server (17-20), defaults filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Retry {
    /// Attempts per sequence, at least 1 (default 5).
    pub(crate) count: u32,
    /// Delay after the first failed attempt of a sequence (default 60 s).
    pub(crate) timer: Duration,
    /// Delay between sequences; None: no further sequence (default 86400 s).
    pub(crate) sequence_delay: Option<Duration>,
    /// Sequences, at least 1 (default 1).
    pub(crate) sequence_count: u32,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            count: 5,
            timer: Duration::from_secs(60),
            sequence_delay: Some(Duration::from_secs(86_400)),
            sequence_count: 1,
        }
    }
}

/// Everything resources 13-20 say about registering with one server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Registration Priority Order; None: unordered.
    pub(crate) priority: Option<u64>,
    pub(crate) initial_delay: Duration,
    pub(crate) failure_block: bool,
    pub(crate) bootstrap_on_failure: bool,
    /// None: the LwM2M 1.0 back-off of `registration` (retry forever).
    pub(crate) retry: Option<Retry>,
}

impl Policy {
    /// LwM2M 1.0 has no such resources: every server at once, retried forever.
    pub(crate) const V1_0: Policy = Policy {
        priority: None,
        initial_delay: Duration::ZERO,
        failure_block: false,
        bootstrap_on_failure: false,
        retry: None,
    };

    /// The policy of Server instance `server_instance`, as the faults bend it.
    pub(crate) fn of(store: &ObjectStore, server_instance: u16, version: Version, faults: &BTreeSet<Fault>) -> Policy {
        if version < Version::V1_1 {
            return Policy::V1_0;
        }
        let has = |f| faults.contains(&f);
        let unsigned = |r| store.server_unsigned(server_instance, r);
        let seconds = |v: u64| Duration::from_secs(v);
        let default = Retry::default();
        let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        let retry = Retry {
            count: unsigned(rid::COMMUNICATION_RETRY_COUNT).map_or(default.count, |v| to_u32(v).max(1)),
            timer: unsigned(rid::COMMUNICATION_RETRY_TIMER).map_or(default.timer, seconds),
            sequence_delay: match unsigned(rid::COMMUNICATION_SEQUENCE_DELAY_TIMER) {
                None => default.sequence_delay,
                Some(v) if v >= SEQUENCE_DELAY_NEVER => None,
                Some(v) => Some(seconds(v)),
            },
            sequence_count: unsigned(rid::COMMUNICATION_SEQUENCE_RETRY_COUNT)
                .map_or(default.sequence_count, |v| to_u32(v).max(1)),
        };
        let boolean = |r, default| store.server_boolean(server_instance, r).unwrap_or(default);
        Policy {
            priority: unsigned(rid::REGISTRATION_PRIORITY_ORDER).filter(|_| !has(Fault::RegIgnoresPriorityOrder)),
            initial_delay: unsigned(rid::INITIAL_REGISTRATION_DELAY_TIMER)
                .filter(|_| !has(Fault::RegIgnoresInitialDelay))
                .map_or(Duration::ZERO, seconds),
            failure_block: (boolean(rid::REGISTRATION_FAILURE_BLOCK, false) || has(Fault::RegAlwaysBlocksOnFailure))
                && !has(Fault::RegIgnoresFailureBlock),
            bootstrap_on_failure: (boolean(rid::BOOTSTRAP_ON_REGISTRATION_FAILURE, true)
                || has(Fault::RegAlwaysBootstrapOnFailure))
                && !has(Fault::RegNoBootstrapOnFailure),
            retry: (!has(Fault::RegIgnoresRetryResources)).then_some(retry),
        }
    }
}

/// Where one server's registration stands in its sequences and attempts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Attempts {
    /// Failed attempts in the current sequence.
    failed: u32,
    /// Sequences that failed.
    sequences: u32,
}

impl Attempts {
    /// An attempt failed at `now`: when to make the next one, or None when the registration
    /// has failed (every attempt of every sequence).
    pub(crate) fn after_failure(&mut self, retry: &Retry, now: Duration) -> Option<Duration> {
        self.failed = self.failed.saturating_add(1);
        if self.failed < retry.count {
            // Communication Retry Timer x 2^(attempt - 1).
            let factor = 1u32.checked_shl(self.failed - 1).unwrap_or(u32::MAX);
            return Some(now.saturating_add(retry.timer.saturating_mul(factor)));
        }
        self.failed = 0;
        self.sequences = self.sequences.saturating_add(1);
        if self.sequences < retry.sequence_count {
            return retry.sequence_delay.map(|d| now.saturating_add(d));
        }
        None
    }

    /// The registration succeeded: the next one starts from the first attempt.
    pub(crate) fn reset(&mut self) {
        *self = Attempts::default();
    }
}

#[derive(Debug)]
struct Waiting {
    account: ServerAccount,
    policy: Policy,
    /// When its Register may go out; None: its turn in the order has not come.
    start_at: Option<Duration>,
}

/// Which servers may send their Register when (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct RegistrationOrder {
    /// Servers not started yet; the ordered ones in Registration Priority Order.
    waiting: Vec<Waiting>,
    /// The ordered server whose registration is under way, and whether it blocks on failure.
    current: Option<(SocketAddr, bool)>,
}

impl RegistrationOrder {
    /// The order of `accounts` after a start or a Bootstrap-Finish at `now`.
    pub(crate) fn plan(accounts: Vec<(ServerAccount, Policy)>, now: Duration) -> Self {
        let (mut ordered, unordered): (Vec<_>, Vec<_>) = accounts.into_iter().partition(|(_, p)| p.priority.is_some());
        // Ties keep the Security instance order, so the plan is deterministic.
        ordered.sort_by_key(|(a, p)| (p.priority, a.security_instance));
        let mut waiting: Vec<Waiting> = unordered
            .into_iter()
            .map(|(account, policy)| Waiting {
                account,
                policy,
                start_at: Some(now + policy.initial_delay),
            })
            .collect();
        for (n, (account, policy)) in ordered.into_iter().enumerate() {
            let start_at = (n == 0).then(|| now + policy.initial_delay);
            waiting.push(Waiting {
                account,
                policy,
                start_at,
            });
        }
        RegistrationOrder { waiting, current: None }
    }

    /// The servers whose Register is due at `now` (each is handed out once).
    pub(crate) fn due(&mut self, now: Duration) -> Vec<ServerAccount> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.waiting.len() {
            if self.waiting[i].start_at.is_some_and(|t| t <= now) {
                let w = self.waiting.remove(i);
                if w.policy.priority.is_some() {
                    self.current = Some((w.account.address, w.policy.failure_block));
                }
                out.push(w.account);
            } else {
                i += 1;
            }
        }
        out
    }

    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        self.waiting.iter().filter_map(|w| w.start_at).min()
    }

    /// The registration with `server` completed at `now`, `registered` or failed: the next
    /// server in the order gets its turn, unless a failure blocks it.
    pub(crate) fn completed(&mut self, server: SocketAddr, registered: bool, now: Duration) {
        let Some((current, block)) = self.current else {
            return;
        };
        if current != server {
            return;
        }
        self.current = None;
        if !registered && block {
            let blocked = self.waiting.iter().filter(|w| w.start_at.is_none()).count();
            tracing::info!("registration with {server} failed and blocks the {blocked} servers after it");
            self.waiting.retain(|w| w.start_at.is_some());
            return;
        }
        if let Some(next) = self.waiting.iter_mut().find(|w| w.start_at.is_none()) {
            next.start_at = Some(now + next.policy.initial_delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn account(i: u16) -> ServerAccount {
        ServerAccount {
            security_instance: i,
            server_instance: i,
            short_server_id: i,
            address: SocketAddr::from(([127, 0, 0, 1], 5700 + i)),
        }
    }

    fn policy(priority: Option<u64>, delay: u64, block: bool) -> Policy {
        Policy {
            priority,
            initial_delay: secs(delay),
            failure_block: block,
            bootstrap_on_failure: false,
            retry: Some(Retry::default()),
        }
    }

    #[test]
    fn attempts_back_off_exponentially_then_by_sequence() {
        let retry = Retry {
            count: 3,
            timer: secs(1),
            sequence_delay: Some(secs(10)),
            sequence_count: 2,
        };
        let mut a = Attempts::default();
        let now = secs(100);
        assert_eq!(a.after_failure(&retry, now), Some(now + secs(1)));
        assert_eq!(a.after_failure(&retry, now), Some(now + secs(2)));
        // Third failure: the sequence is over; the second one starts after the sequence delay.
        assert_eq!(a.after_failure(&retry, now), Some(now + secs(10)));
        assert_eq!(a.after_failure(&retry, now), Some(now + secs(1)));
        assert_eq!(a.after_failure(&retry, now), Some(now + secs(2)));
        assert_eq!(a.after_failure(&retry, now), None, "every sequence failed");
    }

    #[test]
    fn one_attempt_one_sequence_fails_at_once_and_max_delay_means_never() {
        let once = Retry {
            count: 1,
            sequence_count: 1,
            ..Retry::default()
        };
        assert_eq!(Attempts::default().after_failure(&once, secs(5)), None);
        let never_again = Retry {
            count: 1,
            sequence_delay: None,
            sequence_count: 3,
            ..Retry::default()
        };
        assert_eq!(Attempts::default().after_failure(&never_again, secs(5)), None);
    }

    #[test]
    fn defaults_are_table_6_2_1_1_1() {
        let store = ObjectStore::new(SocketAddr::from(([127, 0, 0, 1], 5683)), 300);
        let p = Policy::of(&store, 0, Version::V1_1, &BTreeSet::new());
        assert_eq!(p.priority, None);
        assert_eq!(p.initial_delay, Duration::ZERO);
        assert!(!p.failure_block);
        assert!(p.bootstrap_on_failure);
        assert_eq!(p.retry, Some(Retry::default()));
        assert_eq!(Policy::of(&store, 0, Version::V1_0, &BTreeSet::new()), Policy::V1_0);
    }

    #[test]
    fn ordered_servers_take_turns_after_their_delay() {
        let mut order = RegistrationOrder::plan(
            vec![
                (account(1), policy(Some(2), 1, false)),
                (account(2), policy(Some(1), 3, false)),
                (account(3), policy(None, 0, false)),
            ],
            secs(0),
        );
        assert_eq!(order.due(secs(0)), vec![account(3)], "unordered: at once");
        assert_eq!(order.next_deadline(), Some(secs(3)));
        assert_eq!(order.due(secs(2)), vec![]);
        assert_eq!(order.due(secs(3)), vec![account(2)], "lowest priority value first");
        assert_eq!(order.next_deadline(), None, "the next waits for its turn");
        order.completed(account(3).address, true, secs(4));
        assert_eq!(order.next_deadline(), None, "an unordered server is not in the order");
        order.completed(account(2).address, true, secs(5));
        assert_eq!(
            order.next_deadline(),
            Some(secs(6)),
            "its own delay after the previous completed"
        );
        assert_eq!(order.due(secs(6)), vec![account(1)]);
    }

    #[test]
    fn a_failure_blocks_the_rest_only_when_its_block_is_set() {
        let plan = |block| {
            RegistrationOrder::plan(
                vec![
                    (account(1), policy(Some(1), 0, block)),
                    (account(2), policy(Some(2), 0, false)),
                ],
                secs(0),
            )
        };
        let mut blocking = plan(true);
        assert_eq!(blocking.due(secs(0)), vec![account(1)]);
        blocking.completed(account(1).address, false, secs(1));
        assert_eq!(blocking.next_deadline(), None);
        assert_eq!(blocking.due(secs(100)), vec![]);
        let mut passing = plan(false);
        assert_eq!(passing.due(secs(0)), vec![account(1)]);
        passing.completed(account(1).address, false, secs(1));
        assert_eq!(passing.due(secs(1)), vec![account(2)]);
    }
}

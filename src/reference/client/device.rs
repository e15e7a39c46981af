//! [`Device`]: the whole reference client as a sans-IO state machine. It owns the object store,
//! the Bootstrap-Server exchanges ([`Bootstrap`]) and one [`ClientCore`] per LwM2M Server the
//! store names (LwM2M 1.0.2 §5.3.1: Register with each server that has a Server Object
//! Instance), and routes each datagram by its source address (with NoSec, the address is the
//! peer's identity).
//!
//! While a bootstrap sequence runs the LwM2M Servers are frozen: nothing they send is handled
//! or answered, and their cores get no timeouts, so no Update, notification or retransmission
//! goes out (seed 003: "ignore requests and flush all pending responses not related to the
//! Bootstrap sequence"; seed 000: ignore DM and Information Reporting during a Server Initiated
//! Bootstrap). When it ends the cores are dropped and new ones made for the servers now
//! configured, each sending a new Register ("start fresh").
//!
//! When each server's core is made, and what a failed registration leads to, is
//! `registration_policy`'s call: with LwM2M 1.0 every server at once; with 1.1 as the Server
//! Object's resources 13-16 say (priority order, initial delay, failure block, bootstrap on
//! failure).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Message, MessageType};
use crate::lwm2m::operation::Operation;

use super::attributes::AttributeStore;
use super::bootstrap::{Bootstrap, Initiator, Outcome, REBOOTSTRAP_DELAY};
use super::objects::{ObjectStore, SECURITY, SERVER, SERVER_INSTANCE, ServerAccount};
use super::registration_policy::{Policy, RegistrationOrder};
use super::{ClientConfig, ClientCore, Fault, Variant, Version, dm};

/// How the reference client is set up, bootstrap included; the CLI fills it from its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    /// Endpoint Client Name, sent as `ep` in Bootstrap-Request and Register.
    pub endpoint: String,
    /// A factory-bootstrapped LwM2M Server: Server /1/0 and Security /0/0 (/0/1 when there is
    /// a Bootstrap-Server Account, which takes /0/0), Short Server ID 1.
    pub server: Option<SocketAddr>,
    /// The Bootstrap-Server Account: Security /0/0 with Bootstrap-Server true, NoSec.
    pub bootstrap: Option<SocketAddr>,
    /// With `bootstrap`: never send Bootstrap-Request, wait for the Bootstrap-Server to write.
    pub server_initiated: bool,
    /// Where the client's socket binds; None is an ephemeral port on loopback.
    pub listen: Option<SocketAddr>,
    /// Lifetime /1/0/1 of the factory-bootstrapped server, in seconds.
    pub lifetime: u32,
    /// Requirements to break on purpose (empty: conformant).
    pub faults: BTreeSet<Fault>,
    /// The LwM2M version the client implements (`--lwm2m`).
    pub version: Version,
    /// Conformant freedoms taken on purpose (`--variant`; empty: the default behaviour).
    pub variants: BTreeSet<Variant>,
}

impl From<ClientConfig> for DeviceConfig {
    fn from(c: ClientConfig) -> Self {
        DeviceConfig {
            endpoint: c.endpoint,
            server: Some(c.server),
            bootstrap: None,
            server_initiated: false,
            listen: None,
            lifetime: c.lifetime,
            faults: c.faults,
            version: c.version,
            variants: c.variants,
        }
    }
}

impl DeviceConfig {
    /// Where the client binds: `--listen`, else `port` (0: ephemeral) on the loopback of its
    /// first peer's family.
    pub fn local_address(&self, port: u16) -> SocketAddr {
        match (self.listen, self.server.or(self.bootstrap)) {
            (Some(listen), _) => listen,
            (None, Some(SocketAddr::V6(_))) => (std::net::Ipv6Addr::LOCALHOST, port).into(),
            (None, _) => (std::net::Ipv4Addr::LOCALHOST, port).into(),
        }
    }

    /// Checks what the argument parser cannot: a peer to talk to, and loopback everywhere.
    pub fn validate(&self) -> Result<(), String> {
        if self.server.is_none() && self.bootstrap.is_none() {
            return Err("give --server, --bootstrap or both".into());
        }
        if self.server_initiated && self.bootstrap.is_none() {
            return Err("--server-initiated needs --bootstrap".into());
        }
        if self.server.is_some() && self.server == self.bootstrap {
            return Err("--server and --bootstrap must be different addresses".into());
        }
        crate::reference::udp::loopback_only(
            "client",
            &[
                ("--server", self.server),
                ("--bootstrap", self.bootstrap),
                ("--listen", self.listen),
            ],
        )
    }
}

/// The Client Hold Off Time of the `bootstrap-hold-off` variant's factory account, in seconds
/// (its profile declares the same: `client_hold_off_time: 4s`).
const HOLD_OFF_VARIANT_SECS: u32 = 4;

/// The whole reference client: the object store, the Bootstrap-Server exchanges and one
/// [`ClientCore`] per LwM2M Server the store names.
#[derive(Debug)]
pub struct Device {
    endpoint: String,
    faults: BTreeSet<Fault>,
    version: Version,
    variants: BTreeSet<Variant>,
    /// Which configured servers may Register when (LwM2M 1.1 resources 13-15; with 1.0 all
    /// at once).
    order: RegistrationOrder,
    /// The registration outcome last acted on, per server (see `on_outcomes`).
    outcomes: BTreeMap<SocketAddr, bool>,
    unix_at_epoch: i64,
    seed: u64,
    /// Cores made so far, to give each its own seed.
    made: u64,
    store: ObjectStore,
    bootstrap: Option<Bootstrap>,
    cores: Vec<ClientCore>,
    /// Answers a fault gives during a bootstrap sequence to a peer with no core.
    out: VecDeque<(SocketAddr, Vec<u8>)>,
    fault_attrs: AttributeStore,
    fault_mid: u16,
    /// An LwM2M Server executed the Bootstrap-Request Trigger: the bootstrap starts at the next
    /// timeout, so that the Execute's 2.04 goes out before the Bootstrap-Request.
    bootstrap_triggered: bool,
    stopping: bool,
    now: Duration,
}

impl Device {
    /// A device that sends what it starts with right away: a Register to the factory server,
    /// or a Bootstrap-Request when it has no server and may initiate bootstrap.
    pub fn new(cfg: DeviceConfig, now: Duration, unix_at_epoch: i64, seed: u64) -> Device {
        let mut store = match cfg.server {
            Some(server) => ObjectStore::new(server, cfg.lifetime),
            None => ObjectStore::without_servers(),
        };
        store.set_tlv(!cfg.variants.contains(&Variant::NoTlv));
        let other_ids = cfg.variants.contains(&Variant::InstanceIds);
        if other_ids {
            // The factory LwM2M Server account in Server /1/1 and Security /0/2.
            store.renumber(SERVER, SERVER_INSTANCE, 1);
            store.renumber(SECURITY, 0, 2);
        }
        let bootstrap = cfg.bootstrap.map(|bs| {
            store.add_bootstrap_account(bs, u16::from(other_ids));
            // The Bootstrap-Request Trigger is LwM2M 1.1, and only a client that may send
            // Bootstrap-Request has something to do when it is executed.
            if cfg.version >= Version::V1_1 && !cfg.server_initiated {
                store.enable_bootstrap_request_trigger();
            }
            if cfg.variants.contains(&Variant::BootstrapHoldOff) {
                store.set_client_hold_off_time(HOLD_OFF_VARIANT_SECS);
            }
            Bootstrap::new(
                cfg.endpoint.clone(),
                bs,
                !cfg.server_initiated,
                cfg.faults.clone(),
                cfg.version,
                seed ^ 0xb5,
            )
        });
        let mut device = Device {
            endpoint: cfg.endpoint,
            faults: cfg.faults,
            version: cfg.version,
            variants: cfg.variants,
            order: RegistrationOrder::default(),
            outcomes: BTreeMap::new(),
            unix_at_epoch,
            seed,
            made: 0,
            store,
            bootstrap,
            cores: Vec::new(),
            out: VecDeque::new(),
            fault_attrs: AttributeStore::default(),
            fault_mid: (seed >> 8) as u16,
            bootstrap_triggered: false,
            stopping: false,
            now,
        };
        device.sync_clock(now);
        let accounts = device.store.server_accounts();
        let none = accounts.is_empty();
        device.plan(accounts, now);
        if none {
            device.bootstrap_at(now);
        }
        device.poll(now);
        device
    }

    /// Plans the registration of `accounts` from `now` on and starts what is due at once.
    fn plan(&mut self, accounts: Vec<ServerAccount>, now: Duration) {
        let with_policy = accounts
            .into_iter()
            .map(|a| {
                let policy = Policy::of(&self.store, a.server_instance, self.version, &self.faults);
                (a, policy)
            })
            .collect();
        self.order = RegistrationOrder::plan(with_policy, now);
        self.outcomes.clear();
        self.start_due(now);
    }

    /// Makes a core (which sends its Register) for every server whose turn has come; none
    /// while a bootstrap sequence holds the servers off or the device shuts down.
    fn start_due(&mut self, now: Duration) {
        if self.stopping || self.frozen() {
            return;
        }
        for account in self.order.due(now) {
            let core = self.new_core(account, now);
            self.cores.push(core);
        }
    }

    /// Acts on registrations that ended since the last call: the next server in the order,
    /// or (LwM2M 1.1, Bootstrap on Registration Failure) a Client Initiated Bootstrap.
    fn on_outcomes(&mut self, now: Duration) {
        for i in 0..self.cores.len() {
            let server = self.cores[i].server();
            let Some(registered) = self.cores[i].registration_outcome() else {
                self.outcomes.remove(&server);
                continue;
            };
            if self.outcomes.insert(server, registered) == Some(registered) {
                continue;
            }
            let si = self.cores[i].server_instance();
            let policy = Policy::of(&self.store, si, self.version, &self.faults);
            let can_bootstrap = self.store.has_bootstrap_account()
                && self.bootstrap.as_ref().is_some_and(Bootstrap::is_client_initiated);
            if !registered && policy.bootstrap_on_failure && can_bootstrap {
                tracing::info!("registration with {server} failed: Bootstrap on Registration Failure");
                self.bootstrap_at(now);
                continue;
            }
            self.order.completed(server, registered, now);
        }
        self.start_due(now);
        let exhausted = !self.cores.is_empty() && self.cores.iter().all(|c| c.registration_outcome() == Some(false));
        if exhausted && self.variants.contains(&Variant::BootstrapAfterExhaustion) && self.store.has_bootstrap_account()
        {
            tracing::info!("registration failed with every LwM2M Server: Client Initiated Bootstrap");
            self.bootstrap_at(now);
        }
    }

    /// Starts a Client Initiated Bootstrap at `at` plus the Client Hold Off Time (Security
    /// resource 11), if the client may initiate one.
    fn bootstrap_at(&mut self, at: Duration) {
        let hold_off = self.store.client_hold_off_time();
        if let Some(bs) = self.bootstrap.as_mut() {
            bs.request_at(at + hold_off);
        }
    }

    fn sync_clock(&mut self, now: Duration) {
        self.now = self.now.max(now);
        let secs = i64::try_from(self.now.as_secs()).unwrap_or(i64::MAX);
        self.store.set_clock(self.unix_at_epoch.saturating_add(secs));
    }

    fn new_core(&mut self, account: ServerAccount, now: Duration) -> ClientCore {
        self.made += 1;
        let cfg = ClientConfig {
            server: account.address,
            endpoint: self.endpoint.clone(),
            // Unused: the Lifetime is read from the shared store's Server instance.
            lifetime: 0,
            faults: self.faults.clone(),
            version: self.version,
            variants: self.variants.clone(),
        };
        let seed = self.seed ^ self.made.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let si = account.server_instance;
        tracing::info!(
            "registering with {} (Short Server ID {})",
            account.address,
            account.short_server_id
        );
        ClientCore::for_server(cfg, si, &mut self.store, now, self.unix_at_epoch, seed)
    }

    /// True while a bootstrap sequence holds the LwM2M Servers off.
    fn frozen(&self) -> bool {
        !self.stopping && self.bootstrap.as_ref().is_some_and(Bootstrap::is_active)
    }

    /// Takes in one datagram from `from` at `now`, routed by its source address to the bootstrap
    /// exchange or to that server's core.
    pub fn handle_datagram(&mut self, now: Duration, from: SocketAddr, bytes: &[u8]) {
        self.sync_clock(now);
        // Who began the sequence under way, if one is: the sequence is over once
        // `handle_datagram` says Ended.
        let initiator = self.bootstrap.as_ref().and_then(Bootstrap::initiator);
        if let Some(bs) = self.bootstrap.as_mut().filter(|b| b.peer() == from) {
            match bs.handle_datagram(now, bytes, &mut self.store) {
                Outcome::Quiet => {}
                Outcome::Foreign(req) if self.answers_despite_bootstrap(from, &req) => self.answer_directly(from, &req),
                Outcome::Foreign(req) => tracing::debug!("ignoring {req} from the Bootstrap-Server"),
                Outcome::Ended => self.start_fresh(now, initiator),
            }
        } else if let Some(core) = self.cores.iter().position(|c| c.server() == from) {
            if !self.frozen() {
                self.cores[core].lend(&mut self.store, |c| c.handle_datagram(now, from, bytes));
                if self.cores[core].take_bootstrap_request() {
                    self.on_bootstrap_request_trigger();
                }
            } else if Message::parse(bytes).is_ok_and(|m| m.is_request() && self.answers_despite_bootstrap(from, &m)) {
                self.cores[core].lend(&mut self.store, |c| c.handle_datagram_quietly(now, bytes));
            } else {
                tracing::debug!("ignoring {} bytes from {from}: bootstrap under way", bytes.len());
            }
        } else if let Ok(req) = Message::parse(bytes)
            && req.is_request()
            && self.bootstrap.as_ref().and_then(Bootstrap::initiator) == Some(Initiator::Client)
            && self.answers_despite_bootstrap(from, &req)
        {
            self.answer_directly(from, &req);
        } else {
            tracing::debug!(
                "dropping {} bytes from {from}: not a server of this client",
                bytes.len()
            );
        }
        self.on_outcomes(now);
        self.poll(now);
    }

    /// Whether a fault has the client answer `req`, a request not related to bootstrap, during
    /// a sequence. Conformant: never.
    fn answers_despite_bootstrap(&self, from: SocketAddr, req: &Message) -> bool {
        let Some(initiator) = self
            .bootstrap
            .as_ref()
            .filter(|_| self.frozen())
            .and_then(Bootstrap::initiator)
        else {
            return false;
        };
        let from_bootstrap_server = self.bootstrap.as_ref().is_some_and(|b| b.peer() == from);
        let observe = dm::server_operation(req).is_some_and(Operation::is_information_reporting);
        match initiator {
            Initiator::Client => self.faults.contains(&Fault::BsAnswerDuringBootstrap),
            Initiator::Server if from_bootstrap_server => false,
            Initiator::Server if observe => self.faults.contains(&Fault::SibAnswerObserve),
            Initiator::Server => self.faults.contains(&Fault::SibAnswerDm),
        }
    }

    /// A fault's answer to a peer that has no core (the Bootstrap-Server, a server only just
    /// written, or any other sender: during a Client Initiated Bootstrap the client has no
    /// server to tell apart from strangers): handled as a Device Management request,
    /// piggybacked as a core would.
    fn answer_directly(&mut self, to: SocketAddr, req: &Message) {
        let op = dm::server_operation(req);
        let (reply, _) = dm::handle(&mut self.store, &mut self.fault_attrs, SERVER_INSTANCE, req, op);
        let (mtype, mid) = if req.mtype == MessageType::Confirmable {
            (MessageType::Acknowledgement, req.mid)
        } else {
            self.fault_mid = self.fault_mid.wrapping_add(1);
            (MessageType::NonConfirmable, self.fault_mid)
        };
        let mut resp = Message::new(mtype, reply.code, mid, req.token.clone());
        if let Some(location) = reply.location {
            resp.set_location_path(&location.to_string());
        }
        if let Some(cf) = reply.content_format {
            resp.add_uint_option(option::CONTENT_FORMAT, u32::from(cf.0));
        }
        resp.payload = reply.payload;
        match resp.to_bytes() {
            Ok(bytes) => self.out.push_back((to, bytes)),
            Err(e) => tracing::warn!("cannot encode {resp}: {e}"),
        }
    }

    /// An LwM2M Server executed the Bootstrap-Request Trigger /1/x/9 (LwM2M TS 1.1 Appendix
    /// E.2): a Client Initiated Bootstrap with the Bootstrap-Server Account, from the next
    /// timeout on. A client that may not initiate one has no such resource to execute.
    fn on_bootstrap_request_trigger(&mut self) {
        if self.bootstrap.as_ref().is_some_and(Bootstrap::is_client_initiated) {
            tracing::info!("Bootstrap-Request Trigger executed: Client Initiated Bootstrap");
            self.bootstrap_triggered = true;
        }
    }

    /// After a bootstrap sequence (begun by `initiator`): forget every registration and
    /// observation and Register with each LwM2M Server now configured; with none, a Client
    /// Initiated client bootstraps again.
    fn start_fresh(&mut self, now: Duration, initiator: Option<Initiator>) {
        let mut accounts = self.store.server_accounts();
        if self.faults.contains(&Fault::BsRegisterFirstServerOnly) {
            accounts.truncate(1);
        }
        let old = std::mem::take(&mut self.cores);
        let no_fresh_start = self.faults.contains(&Fault::BsNoFreshStart);
        let keeps_deleted =
            self.faults.contains(&Fault::BsKeepsDeletedServerRegistration) && initiator == Some(Initiator::Client);
        for mut core in old.into_iter().filter(|c| {
            let configured = accounts.iter().any(|a| a.address == c.server());
            (configured && no_fresh_start) || (!configured && keeps_deleted && c.is_registered())
        }) {
            // The faults' old registration lives on: an Update, not a Register.
            core.trigger_update();
            core.lend(&mut self.store, |c| c.handle_timeout(now));
            self.cores.push(core);
        }
        let fresh: Vec<ServerAccount> = accounts
            .into_iter()
            .filter(|a| !self.cores.iter().any(|c| c.server() == a.address))
            .collect();
        let none = fresh.is_empty() && self.cores.is_empty();
        self.plan(fresh, now);
        if none && self.bootstrap.is_some() {
            tracing::info!("bootstrap left no usable LwM2M Server");
            self.bootstrap_at(now + REBOOTSTRAP_DELAY);
        }
    }

    fn poll(&mut self, now: Duration) {
        if let Some(bs) = self.bootstrap.as_mut().filter(|_| !self.stopping) {
            bs.poll(now, &self.store);
        }
    }

    /// Retransmissions, deadlines and notifications due at `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.sync_clock(now);
        if std::mem::take(&mut self.bootstrap_triggered) && !self.stopping {
            self.bootstrap_at(now);
        }
        let initiator = self.bootstrap.as_ref().and_then(Bootstrap::initiator);
        if let Some(bs) = self.bootstrap.as_mut().filter(|_| !self.stopping)
            && bs.on_timeout(now, &self.store) == Outcome::Ended
        {
            self.start_fresh(now, initiator);
        }
        if !self.frozen() {
            for core in &mut self.cores {
                core.lend(&mut self.store, |c| c.handle_timeout(now));
            }
            self.on_outcomes(now);
        }
        self.poll(now);
    }

    /// The next datagram to send, as (destination, bytes).
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        if let Some(d) = self.out.pop_front() {
            return Some(d);
        }
        if let Some(d) = self.bootstrap.as_mut().and_then(Bootstrap::poll_transmit) {
            return Some(d);
        }
        self.cores.iter_mut().find_map(ClientCore::poll_transmit)
    }

    /// When `handle_timeout` must next run, if ever. Frozen cores have no deadlines.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let bs = self.bootstrap.as_ref().filter(|_| !self.stopping);
        let cores = self.cores.iter().filter(|_| !self.frozen());
        let order = self.order.next_deadline().filter(|_| !self.stopping && !self.frozen());
        let triggered = Some(self.now).filter(|_| self.bootstrap_triggered && !self.stopping);
        bs.and_then(Bootstrap::next_deadline)
            .into_iter()
            .chain(triggered)
            .chain(cores.filter_map(ClientCore::poll_timeout))
            .chain(order)
            .min()
    }

    /// SIGTERM/SIGINT: abandon any bootstrap and De-register from every server (each core
    /// within its own bound); `is_done` turns true once all are done.
    pub fn shutdown(&mut self, now: Duration) {
        self.sync_clock(now);
        self.stopping = true;
        if let Some(bs) = self.bootstrap.as_mut() {
            bs.stop();
        }
        for core in &mut self.cores {
            core.lend(&mut self.store, |c| c.shutdown(now));
        }
    }

    /// True once `shutdown` was called.
    pub fn is_stopping(&self) -> bool {
        self.stopping
    }

    /// True once `shutdown` was called and every server's core has finished De-register.
    pub fn is_done(&self) -> bool {
        self.stopping && self.cores.iter().all(ClientCore::is_done)
    }

    /// True while a bootstrap sequence is under way.
    pub fn is_bootstrapping(&self) -> bool {
        self.frozen()
    }

    /// Each LwM2M Server this device registers with, and its registration location once
    /// registered.
    pub fn registrations(&self) -> Vec<(SocketAddr, Option<String>)> {
        self.cores.iter().map(|c| (c.server(), c.location())).collect()
    }

    /// The object store, for tests.
    #[cfg(test)]
    pub(crate) fn store(&self) -> &ObjectStore {
        &self.store
    }
}

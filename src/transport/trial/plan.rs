//! What a trial fixes before anything runs: from the case, the profile and the addresses the
//! harness bound, the engine's [`TrialSetup`], the launch placeholders and the launch. Pure (no
//! socket, no clock, no process), so it is tested without any; the transport binds and probes
//! around it ([`DutPlace`] says what to probe).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::case::Case;
use crate::case::model::Start;
use crate::engine::TrialSetup;
use crate::lwm2m::ContentFormat;
use crate::lwm2m::Role;
use crate::profile::Launch;
use crate::profile::Profile;
use crate::template::Vars;
use crate::transport::bind::fnv1a;

/// What the plan takes from the process: the harness binary (`{exe}`) and its PID (`{pid}` in
/// the profile's endpoint name).
pub struct Context {
    pub exe: PathBuf,
    pub pid: u32,
}

/// Where the harness reaches a DUT that listens, before any probing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DutPlace {
    /// The DUT does not listen: a client DUT that registers on its own.
    Nowhere,
    /// Fixed by the profile: an attached DUT's address, or `binds` with a port.
    Fixed(SocketAddr),
    /// `binds` on port 0 of this address (maybe the wildcard): a port free on every address.
    FreeEverywhere(IpAddr),
    /// Launched per trial: port 5683 of a loopback address of its own, picked from this key
    /// (the case and the profile, so a case run against two DUTs at once gets two addresses).
    Loopback(String),
}

/// A DUT listens when a server or Bootstrap-Server DUT, or a client awaiting a Server Initiated
/// Bootstrap: port 5683 on a loopback address of its own, so its side of the capture decodes
/// as CoAP too (`{dut_host}:{dut_port}`, `{client_host}:{client_port}`).
pub fn dut_place(case: &Case, profile: &Profile) -> DutPlace {
    let listens = case.start == Start::ServerInitiatedBootstrap || case.dut != Role::Client;
    if !listens {
        return DutPlace::Nowhere;
    }
    // An attached DUT listens where its profile says; a DUT that binds where it decides
    // (profile `binds`) is reached there, one that binds the wildcard address on the port it
    // is given (port 0) gets a port free on every address.
    if let Some(a) = profile.attach.as_ref().and_then(|a| a.dut_address) {
        return DutPlace::Fixed(a);
    }
    match profile.bound_address() {
        Some(b) if b.port() == 0 => DutPlace::FreeEverywhere(b.ip()),
        Some(b) => DutPlace::Fixed(b),
        None => DutPlace::Loopback(format!("{}#{}", case.id, profile.name)),
    }
}

/// Everything a trial needs to start, decided before it starts.
#[derive(Debug)]
pub struct Plan<'p> {
    pub setup: TrialSetup,
    /// The launch placeholders.
    pub vars: Vars,
    /// The profile's launch for the case's start (none: an attached DUT).
    pub launch: Option<&'p Launch>,
    /// The LwM2M Server side of the capture, whose port decides how tshark decodes it: the
    /// harness's server endpoint for a client DUT, the DUT itself for a server or
    /// Bootstrap-Server DUT.
    pub server_side: SocketAddr,
}

/// The plan of a trial whose harness endpoints are bound at `endpoints` (the primary one
/// first) and whose DUT listens at `dut_address` (when it does).
pub fn prepare<'p>(
    case: &Case,
    profile: &'p Profile,
    endpoints: &[(String, SocketAddr)],
    dut_address: Option<SocketAddr>,
    cx: &Context,
) -> Result<Plan<'p>, String> {
    let Some(server) = endpoints.first().map(|(_, a)| *a) else {
        return Err("no harness endpoint".into());
    };
    let endpoint = match profile.attach.as_ref().and_then(|a| a.endpoint.clone()) {
        Some(ep) => ep,
        None => {
            let mut v = Vars::default();
            v.set("case", case.id.clone());
            v.set("pid", cx.pid.to_string());
            v.render(&profile.endpoint)
                .map_err(|e| format!("profile endpoint: {e}"))?
        }
    };
    let mut vars = Vars::default();
    vars.set("exe", cx.exe.display().to_string());
    for (name, addr) in endpoints {
        vars.set_endpoint(name, *addr);
    }
    if let Some(c) = dut_address {
        let prefix = if case.dut == Role::Client { "client" } else { "dut" };
        vars.set_endpoint(prefix, c);
    }
    vars.set("endpoint", endpoint.clone());
    vars.set("case", case.id.clone());
    let setup = TrialSetup {
        server,
        endpoints: endpoints.to_vec(),
        dut_address,
        triggers: profile.triggers.clone(),
        endpoint,
        timing: profile.timing.clone(),
        lwm2m_version: profile.lwm2m_version,
        formats: profile
            .content_formats
            .iter()
            .filter_map(|f| ContentFormat::from_name(f))
            .collect(),
        seed: fnv1a(case.id.as_bytes()),
        stop: profile.stop.describe(),
        console: profile.captures.iter().map(|c| c.name.clone()).collect(),
    };
    let server_side = match case.dut {
        Role::Client => server,
        _ => dut_address.unwrap_or(server),
    };
    Ok(Plan {
        setup,
        vars,
        launch: profile.launch_for(case.start),
        server_side,
    })
}

#[cfg(test)]
mod tests;

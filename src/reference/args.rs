//! The reference DUTs' command lines (`lwm2m-conformance reference-client ...`): what a
//! profile's launch gives them, parsed the same way whether the harness starts them as
//! processes (`cli`) or pairs their cores with the engine in memory (`sim`).

/// The command line of `reference-client`: the LwM2M Server and/or Bootstrap-Server it is
/// configured with, its Endpoint Client Name, and the faults and variants it takes.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("peer").required(true).multiple(true).args(["server", "bootstrap"])))]
pub struct ReferenceClientArgs {
    /// A factory-bootstrapped LwM2M Server (Server /1/0, Short Server ID 1; must be loopback).
    #[arg(long)]
    pub server: Option<std::net::SocketAddr>,
    /// A Bootstrap-Server Account, Security /0/0 (must be loopback). Without --server and
    /// without --server-initiated the client starts with Bootstrap-Request.
    #[arg(long)]
    pub bootstrap: Option<std::net::SocketAddr>,
    /// Never send Bootstrap-Request: wait for the Bootstrap-Server to write (Server Initiated
    /// Bootstrap).
    #[arg(long, requires = "bootstrap")]
    pub server_initiated: bool,
    /// Bind the client's UDP socket here (loopback) instead of an ephemeral port, so that a
    /// Bootstrap-Server can reach it.
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Endpoint Client Name.
    #[arg(long)]
    pub endpoint: String,
    /// Lifetime in seconds (the Server Object's Lifetime resource).
    #[arg(long, default_value_t = 300)]
    pub lifetime: u32,
    /// Break one requirement on purpose (repeatable); see `--fault help`.
    #[arg(long)]
    pub fault: Vec<String>,
    /// The LwM2M version to implement: 1.0, or 1.1 (adds `lwm2m=1.1`, Bootstrap-Read and
    /// -Discover, and the Server Object's registration resources 13-20).
    #[arg(long, default_value = "1.0")]
    pub lwm2m: crate::reference::client::Version,
    /// Take one conformant freedom on purpose (repeatable), e.g. `no-tlv`; an unknown id lists
    /// them all. The self-test runs every case against every variant.
    #[arg(long)]
    pub variant: Vec<String>,
}

impl ReferenceClientArgs {
    /// The device this command line describes (the process and the in-memory pairing of
    /// `sim` both start from it); Err names an unknown `--fault` or `--variant`.
    pub fn config(self) -> Result<crate::reference::client::DeviceConfig, String> {
        use crate::reference::client::{DeviceConfig, Fault, Variant};
        Ok(DeviceConfig {
            endpoint: self.endpoint,
            server: self.server,
            bootstrap: self.bootstrap,
            server_initiated: self.server_initiated,
            listen: self.listen,
            lifetime: self.lifetime,
            faults: Fault::parse_all(&self.fault)?,
            version: self.lwm2m,
            variants: Variant::parse_all(&self.variant)?,
        })
    }
}

/// The command line of `reference-bootstrap-server`: where it listens, what it provisions, and
/// the faults and variants it takes.
#[derive(clap::Args)]
pub struct ReferenceBootstrapServerArgs {
    /// Listen for Bootstrap-Requests here (loopback).
    #[arg(long)]
    pub listen: std::net::SocketAddr,
    /// The LwM2M Server URI written into the client's Security instance (NoSec, coap://).
    #[arg(long, default_value = "coap://127.0.0.1:5683")]
    pub server_uri: String,
    /// Server Initiated Bootstrap: provision the client listening at HOST:PORT at start-up,
    /// without waiting for a Bootstrap-Request.
    #[arg(long, value_name = "HOST:PORT")]
    pub server_initiated: Option<std::net::SocketAddr>,
    /// Take triggers as HTTP `POST /trigger` here (loopback), besides stdin; the body is one
    /// trigger line, e.g. `bootstrap 127.0.0.1:5683`.
    #[arg(long, value_name = "HOST:PORT")]
    pub http: Option<std::net::SocketAddr>,
    /// Break one requirement on purpose (repeatable); see `--fault help`.
    #[arg(long)]
    pub fault: Vec<String>,
    /// Take one conformant freedom on purpose (repeatable), e.g. `discover-first`; an unknown
    /// id lists them all. The self-test runs every case against every variant.
    #[arg(long)]
    pub variant: Vec<String>,
}

/// The command line of `reference-server`: where it listens, how it takes triggers, and the
/// faults and variants it takes.
#[derive(clap::Args)]
pub struct ReferenceServerArgs {
    /// Listen here (must be loopback), e.g. 127.0.0.1:5683.
    #[arg(long)]
    pub listen: std::net::SocketAddr,
    /// Also take trigger lines as the body of `POST /trigger` here (TCP, must be loopback).
    #[arg(long)]
    pub http: Option<std::net::SocketAddr>,
    /// Break one requirement on purpose (repeatable); an unknown id lists them all.
    #[arg(long)]
    pub fault: Vec<String>,
    /// Take one conformant freedom on purpose (repeatable), e.g. `split-write-attributes`; an
    /// unknown id lists them all. The self-test runs every server case against every variant.
    #[arg(long)]
    pub variant: Vec<String>,
}

impl ReferenceBootstrapServerArgs {
    /// The Bootstrap-Server this command line describes; Err names an unknown `--fault` or
    /// `--variant`.
    pub fn config(self) -> Result<crate::reference::bootstrap_server::BootstrapServerConfig, String> {
        use crate::reference::bootstrap_server::{BootstrapServerConfig, Fault, Variant};
        Ok(BootstrapServerConfig {
            listen: self.listen,
            server_uri: self.server_uri,
            server_initiated: self.server_initiated,
            http: self.http,
            faults: Fault::parse_all(&self.fault)?,
            variants: Variant::parse_all(&self.variant)?,
        })
    }
}

/// Runs the reference LwM2M Server; triggers come as lines on stdin and, with `--http`, as
/// `POST /trigger` (see `reference::server` for the language, e.g. `read urn:dev:x /3/0/0`).
impl ReferenceServerArgs {
    /// The LwM2M Server this command line describes; Err names an unknown `--fault` or
    /// `--variant`.
    pub fn config(self) -> Result<crate::reference::server::ServerConfig, String> {
        use crate::reference::server::{Fault, ServerConfig, Variant};
        Ok(ServerConfig {
            listen: self.listen,
            http: self.http,
            faults: Fault::parse_all(&self.fault)?,
            variants: Variant::parse_all(&self.variant)?,
        })
    }
}

//! A reference DUT that a test starts itself (`mod reference_dut;`): the harness binary run as a
//! process that is killed when the test ends, on a loopback address of the test's own.

use std::ffi::OsStr;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};

/// The DUT process; killed when the test ends, whatever happens.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The harness binary with `args` (`reference-server --listen ...`), its stdin kept open (the
/// servers read triggers from stdin), its stdout dropped and its standard error to `stderr`.
pub fn start(args: impl IntoIterator<Item = impl AsRef<OsStr>>, stderr: Stdio) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_lwm2m-conformance"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("the reference DUT starts");
    Running(child)
}

/// A loopback address whose UDP port is free now (and, with `tcp`, the same TCP port too): a
/// per-process `127.range.x.y`, so that a parallel run of the test elsewhere does not collide,
/// and each test keeps to ranges of its own.
pub fn free_address(range: u8, tcp: bool) -> SocketAddr {
    let pid = std::process::id();
    let ip = Ipv4Addr::new(127, range, (pid >> 8) as u8, (pid as u8).max(1));
    for _ in 0..50 {
        let Ok(udp) = UdpSocket::bind((ip, 0)) else { continue };
        let Ok(addr) = udp.local_addr() else { continue };
        if !tcp || TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
    panic!("no free loopback address on {ip}");
}

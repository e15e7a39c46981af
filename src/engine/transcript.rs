//! A human-readable line per datagram (and per notable event), in pcap frame order. It uses role
//! names rather than addresses and times relative to the trial start, so it is stable enough for
//! snapshots once message IDs and tokens are redacted. The lines come from the same renderer as
//! `explain` (crate::dialogue), so a failure and a capture of it read the same.

use std::net::SocketAddr;
use std::time::Duration;

use crate::dialogue::{Datagram, Dialogue, Roles, render};

/// Which way a datagram went, relative to the DUT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From a harness endpoint to the DUT.
    ToDut,
    /// From the DUT to a harness endpoint.
    FromDut,
}

#[derive(Debug, Default)]
pub struct Transcript {
    lines: Vec<String>,
    dialogue: Dialogue,
}

impl Transcript {
    /// `roles`: what the harness knows of its own endpoints (its Bootstrap-Server account, say).
    pub fn new(roles: Roles) -> Transcript {
        Transcript {
            lines: Vec::new(),
            dialogue: Dialogue::with_roles(roles),
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.clone()
    }

    pub fn note(&mut self, now: Duration, text: String) {
        self.lines.push(format!("      {:>8.3}s  {text}", now.as_secs_f64()));
    }

    pub fn datagram(
        &mut self,
        now: Duration,
        frame: u32,
        dir: Direction,
        from: SocketAddr,
        to: SocketAddr,
        bytes: &[u8],
    ) {
        let a = self.dialogue.annotate(Datagram {
            frame,
            at: now,
            from,
            to,
            bytes: bytes.to_vec(),
        });
        let (from, to) = match dir {
            Direction::ToDut => ("harness", "dut"),
            Direction::FromDut => ("dut", "harness"),
        };
        self.lines.push(render::line(&a, from, to));
    }
}

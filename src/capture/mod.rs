//! Captures taken anywhere (the harness's own, tcpdump, Wireshark): pcap or pcapng, any of the
//! link types CoAP traffic is captured on, IPv4 and IPv6. Frames that are not UDP datagrams are
//! kept and listed as what they are, so frame numbers stay Wireshark's.

mod link;
mod read;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub use link::Decoded;

use crate::coap::Message;
use crate::dialogue::{self, Annotated, Datagram, Peers, Roles, render};

/// A frame, decoded down to its UDP datagram where it holds one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Frame number from 1, as Wireshark numbers it; result files cite these.
    pub number: u32,
    /// Since the first frame of the capture.
    pub at: Duration,
    /// The UDP datagram in the frame, or what the frame is instead.
    pub decoded: Decoded,
}

/// A pcap or pcapng file read into memory: every frame, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    /// Every frame read, datagrams or not.
    pub frames: Vec<Frame>,
    /// Why reading stopped before the end of the file, if it did.
    pub stopped: Option<String>,
}

/// The capture an exchange was read from, annotated.
pub struct Explained {
    /// The capture, every frame kept.
    pub capture: Capture,
    /// The datagrams of CoAP flows, each with the LwM2M meaning the dialogue gives it.
    pub annotated: Vec<Annotated>,
    /// Which endpoint plays which LwM2M role, inferred from the exchanges.
    pub roles: Roles,
    /// Short names for the endpoints (client, server, ...) used in the transcript.
    pub peers: Peers,
}

impl Capture {
    /// Reads a capture file; Err names the file and why it is not a readable pcap/pcapng.
    pub fn read(path: &Path) -> Result<Capture, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Capture::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses a pcap or pcapng file's bytes. A truncated or damaged tail stops reading and is
    /// recorded in `stopped`; Err only when the header itself is not a capture's.
    pub fn parse(bytes: &[u8]) -> Result<Capture, String> {
        let raw = read::parse(bytes)?;
        let t0 = raw.frames.first().map(|f| f.time).unwrap_or_default();
        let frames = raw
            .frames
            .into_iter()
            .map(|f| Frame {
                number: f.number,
                at: f.time.saturating_sub(t0),
                decoded: link::decode(f.link, &f.data),
            })
            .collect();
        Ok(Capture {
            frames,
            stopped: raw.stopped,
        })
    }

    /// The UDP datagrams, in frame order.
    pub fn datagrams(&self) -> Vec<Datagram> {
        self.frames
            .iter()
            .filter_map(|f| match &f.decoded {
                Decoded::Udp { src, dst, payload } => Some(Datagram {
                    frame: f.number,
                    at: f.at,
                    from: *src,
                    to: *dst,
                    bytes: payload.clone(),
                }),
                Decoded::Other(_) => None,
            })
            .collect()
    }

    /// Annotates the CoAP flows of the capture (flows with no CoAP message, such as DNS or
    /// DTLS, are left out of the dialogue) and names the peers by role.
    pub fn explain(self) -> Explained {
        // Datagrams of flows that never carry CoAP (DNS, NTP, DTLS) stay out of the dialogue.
        let all = self.datagrams();
        let coap: HashSet<_> = all
            .iter()
            .filter(|d| Message::parse(&d.bytes).is_ok())
            .map(|d| flow(d.from, d.to))
            .collect();
        let datagrams: Vec<Datagram> = all.into_iter().filter(|d| coap.contains(&flow(d.from, d.to))).collect();
        let (annotated, roles) = dialogue::annotate_all(&datagrams);
        let peers = Peers::name(&roles, &datagrams);
        Explained {
            capture: self,
            annotated,
            roles,
            peers,
        }
    }
}

impl Explained {
    /// A legend naming the peers, then one line per frame.
    pub fn transcript(&self) -> Vec<String> {
        let mut lines = self.peers.legend();
        let mut annotated = self.annotated.iter().peekable();
        for f in &self.capture.frames {
            match annotated.next_if(|a| a.frame() == f.number) {
                Some(a) => {
                    let (from, to) = (self.peers.label(a.datagram.from), self.peers.label(a.datagram.to));
                    lines.push(render::line(a, &from, &to));
                }
                None => {
                    let what = match &f.decoded {
                        Decoded::Other(what) => format!("(not a UDP datagram: {what})"),
                        Decoded::Udp { src, dst, payload } => {
                            let kind = if is_dtls(payload) { "a DTLS record" } else { "not CoAP" };
                            format!("({src} -> {dst}: UDP, {} bytes, {kind})", payload.len())
                        }
                    };
                    lines.push(render::prefixed(f.number, f.at, &what));
                }
            }
        }
        if let Some(why) = &self.capture.stopped {
            lines.push(format!("(reading stopped {why})"));
        }
        lines
    }
}

/// A flow is the pair of endpoints, whichever way a datagram goes.
fn flow(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

/// A DTLS record header (RFC 6347 §4.1, RFC 9147): content type 20-26 and version 254.x.
fn is_dtls(payload: &[u8]) -> bool {
    matches!(payload, [20..=26, 0xfe, 0xfc..=0xff, ..]) && payload.len() >= 13
}

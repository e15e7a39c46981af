//! Captures taken anywhere (the harness's own, tcpdump, Wireshark): pcap or pcapng, any of the
//! link types CoAP traffic is captured on, IPv4 and IPv6. Frames that are not UDP datagrams are
//! kept and listed as what they are, so frame numbers stay Wireshark's.

mod link;
mod read;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::Duration;

pub use link::Decoded;

use crate::dialogue::{self, Annotated, Datagram, Peers, Roles, render};

/// A frame, decoded down to its UDP datagram where it holds one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub number: u32,
    /// Since the first frame of the capture.
    pub at: Duration,
    pub decoded: Decoded,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    pub frames: Vec<Frame>,
    /// Why reading stopped before the end of the file, if it did.
    pub stopped: Option<String>,
}

/// The capture an exchange was read from, annotated.
pub struct Explained {
    pub capture: Capture,
    pub annotated: Vec<Annotated>,
    pub roles: Roles,
    pub peers: Peers,
}

impl Capture {
    pub fn read(path: &Path) -> Result<Capture, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Capture::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

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

    pub fn explain(self) -> Explained {
        let datagrams = self.datagrams();
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
                        Decoded::Other(what) => what.as_str(),
                        Decoded::Udp { .. } => "UDP",
                    };
                    lines.push(render::prefixed(
                        f.number,
                        f.at,
                        &format!("(not a UDP datagram: {what})"),
                    ));
                }
            }
        }
        if let Some(why) = &self.capture.stopped {
            lines.push(format!("(reading stopped {why})"));
        }
        lines
    }
}

/// The LwM2M transcript of a capture file, as `explain` prints it (and the HTML report shows it).
pub fn transcript_of_pcap(path: &Path) -> Result<Vec<String>, String> {
    Ok(Capture::read(path)?.explain().transcript())
}

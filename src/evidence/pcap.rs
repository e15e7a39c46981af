//! Synthesized packet capture of the datagrams the harness exchanged.
//!
//! The harness talks to the device under test through ordinary UDP sockets,
//! so there is no real capture to save. Instead every datagram is wrapped in
//! made-up Ethernet/IP/UDP headers and appended to a classic pcap file, which
//! any Wireshark/tshark can open and decode as CoAP.

use std::fs::File;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, SystemTime};

use etherparse::{IpHeaders, Ipv4Header, Ipv6Header, PacketBuilder};
use pcap_file::pcap::PcapHeader;
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};

/// Classic pcap default; a frame larger than this is stored truncated.
const SNAPLEN: u32 = 65535;
/// Same default TTL / hop limit as Linux, so the capture looks ordinary.
const TTL: u8 = 64;
/// Largest UDP payload an IPv4 datagram can carry (65535 - 20 IP - 8 UDP).
const MAX_UDP_PAYLOAD_V4: usize = 65535 - 20 - 8;
/// Largest UDP payload a non-jumbo IPv6 packet can carry (65535 - 8 UDP).
const MAX_UDP_PAYLOAD_V6: usize = 65535 - 8;

/// Appends synthesized UDP frames to a pcap file, one per datagram.
#[derive(Debug)]
pub struct PcapWriter {
    // `File` has no user-space buffer, and each record (header and data) goes
    // to the OS in one write: a harness killed at any instant (even SIGKILL)
    // leaves whole records only, so the file always opens.
    file: File,
    frames: u32,
    ipv4_id: u16,
}

impl PcapWriter {
    /// Creates (or truncates) `path`, creating parent directories, and writes
    /// the pcap global header immediately so even an empty run leaves a
    /// readable file.
    pub fn create(path: &Path) -> io::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = File::create(path)?;
        let header = PcapHeader {
            snaplen: SNAPLEN,
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::MicroSecond,
            // Native order is what libpcap writes; readers handle both.
            endianness: Endianness::native(),
            ..PcapHeader::default()
        };
        let bytes = pcap_file::pcap::PcapWriter::with_header(Vec::new(), header)
            .map_err(pcap_err)?
            .into_writer();
        file.write_all(&bytes)?;
        Ok(Self {
            file,
            frames: 0,
            ipv4_id: 0,
        })
    }

    /// Appends one UDP datagram and returns its 1-based frame number, the
    /// number Wireshark shows, so failures can point at exact frames.
    pub fn write_udp(&mut self, ts: SystemTime, src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> io::Result<u32> {
        let frame_no = self
            .frames
            .checked_add(1)
            .ok_or_else(|| invalid("pcap frame counter exhausted"))?;
        let timestamp = ts
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| invalid("timestamp before the Unix epoch"))?;
        let frame = self.build_frame(src, dst, payload)?;
        self.write_frame(timestamp, &frame)?;
        self.frames = frame_no;
        Ok(frame_no)
    }

    /// Number of frames written so far (also the number of the last one).
    pub fn frames(&self) -> u32 {
        self.frames
    }

    fn build_frame(&mut self, src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> io::Result<Vec<u8>> {
        // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; writing
        // those as plain IPv4 keeps the two directions of a flow matching.
        let ip = match (src.ip().to_canonical(), dst.ip().to_canonical()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                if payload.len() > MAX_UDP_PAYLOAD_V4 {
                    return Err(invalid("payload too large for an IPv4 UDP datagram"));
                }
                self.ipv4_id = self.ipv4_id.wrapping_add(1);
                let header = Ipv4Header {
                    identification: self.ipv4_id,
                    time_to_live: TTL,
                    source: s.octets(),
                    destination: d.octets(),
                    ..Ipv4Header::default()
                };
                IpHeaders::Ipv4(header, Default::default())
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                if payload.len() > MAX_UDP_PAYLOAD_V6 {
                    return Err(invalid("payload too large for an IPv6 UDP datagram"));
                }
                let header = Ipv6Header {
                    hop_limit: TTL,
                    source: s.octets(),
                    destination: d.octets(),
                    ..Ipv6Header::default()
                };
                IpHeaders::Ipv6(header, Default::default())
            }
            _ => return Err(invalid("source and destination differ in IP version")),
        };
        let builder = PacketBuilder::ethernet2(mac_for(src.ip()), mac_for(dst.ip()))
            .ip(ip)
            .udp(src.port(), dst.port());
        let mut frame = Vec::with_capacity(builder.size(payload.len()));
        // The builder fills in lengths, ethertype, IPv4 header checksum and
        // the UDP checksum; it errors (not panics) on oversize input.
        builder
            .write_to_vec(&mut frame, payload)
            .map_err(|e| invalid(&format!("cannot build frame: {e}")))?;
        Ok(frame)
    }

    fn write_frame(&mut self, timestamp: Duration, frame: &[u8]) -> io::Result<()> {
        let orig_len = u32::try_from(frame.len()).map_err(|_| invalid("frame longer than u32::MAX"))?;
        // Frames over the snaplen are stored cut, with the true length kept
        // in orig_len, exactly as libpcap does; Wireshark flags them.
        let stored = frame.get(..SNAPLEN as usize).unwrap_or(frame);
        let ts_sec = u32::try_from(timestamp.as_secs()).map_err(|_| invalid("timestamp after 2106"))?;
        // The record header in the file's (native) byte order: seconds, microseconds, stored
        // length, original length; then the frame, all in one write.
        let mut record = Vec::with_capacity(16 + stored.len());
        for field in [ts_sec, timestamp.subsec_micros(), stored.len() as u32, orig_len] {
            record.extend_from_slice(&field.to_ne_bytes());
        }
        record.extend_from_slice(stored);
        self.file.write_all(&record)
    }
}

/// Locally administered unicast MAC (02:...) derived from the IP, so each
/// endpoint keeps a stable, recognisable link address across the capture.
fn mac_for(ip: IpAddr) -> [u8; 6] {
    let tail: [u8; 5] = match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            [0, a, b, c, d]
        }
        IpAddr::V6(v6) => {
            let o = v6.octets();
            [o[11], o[12], o[13], o[14], o[15]]
        }
    };
    [0x02, tail[0], tail[1], tail[2], tail[3], tail[4]]
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_owned())
}

fn pcap_err(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(io) => io,
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

#[cfg(test)]
mod tests;

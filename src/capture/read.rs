//! Reading pcap and pcapng files (pcap-file's slice parsers) into frames with their link types.
//! A damaged file yields the frames before the damage and says where it stopped.

use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcap::PcapParser;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgParser};

/// One captured frame, before link-layer decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawFrame {
    /// 1-based, in file order (Wireshark's numbering).
    pub number: u32,
    /// Since the Unix epoch.
    pub time: Duration,
    pub link: DataLink,
    pub data: Vec<u8>,
}

/// The frames of a capture file, and why reading stopped early if it did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frames {
    pub frames: Vec<RawFrame>,
    pub stopped: Option<String>,
}

/// pcapng files start with a Section Header Block (type 0x0A0D0D0A).
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

pub fn parse(bytes: &[u8]) -> Result<Frames, String> {
    if bytes.starts_with(&PCAPNG_MAGIC) {
        parse_pcapng(bytes)
    } else {
        parse_pcap(bytes)
    }
}

fn parse_pcap(bytes: &[u8]) -> Result<Frames, String> {
    let (mut rest, parser) = PcapParser::new(bytes).map_err(|e| format!("not a pcap or pcapng file: {e}"))?;
    let link = parser.header().datalink;
    let mut out = Frames::default();
    while !rest.is_empty() {
        match parser.next_packet(rest) {
            Ok((next, p)) => {
                push(&mut out, p.timestamp, link, &p.data);
                rest = next;
            }
            Err(e) => {
                out.stopped = Some(format!("after frame {}: {e}", out.frames.len()));
                break;
            }
        }
    }
    Ok(out)
}

fn parse_pcapng(bytes: &[u8]) -> Result<Frames, String> {
    let (mut rest, mut parser) = PcapNgParser::new(bytes).map_err(|e| format!("not a pcapng file: {e}"))?;
    let mut out = Frames::default();
    while !rest.is_empty() {
        let (next, block) = match parser.next_block(rest) {
            Ok(b) => b,
            Err(e) => {
                out.stopped = Some(format!("after frame {}: {e}", out.frames.len()));
                break;
            }
        };
        rest = next;
        let (interface, raw_time, data) = match &block {
            Block::EnhancedPacket(p) => (p.interface_id, p.timestamp, &p.data),
            Block::SimplePacket(p) => (0, Duration::ZERO, &p.data),
            _ => continue,
        };
        let Some(idb) = parser.interfaces().get(interface as usize) else {
            out.stopped = Some(format!("frame {}: no interface {interface}", out.frames.len() + 1));
            break;
        };
        let time = rescale(raw_time, tsresol(&idb.options));
        push(&mut out, time, idb.linktype, data);
    }
    Ok(out)
}

fn push(out: &mut Frames, time: Duration, link: DataLink, data: &[u8]) {
    let number = u32::try_from(out.frames.len() + 1).unwrap_or(u32::MAX);
    out.frames.push(RawFrame {
        number,
        time,
        link,
        data: data.to_vec(),
    });
}

/// The interface's if_tsresol (pcapng §4.2): 10^-n seconds per unit, or 2^-n with the top bit
/// set; microseconds when absent.
fn tsresol(options: &[InterfaceDescriptionOption<'_>]) -> u8 {
    options
        .iter()
        .find_map(|o| match o {
            InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
            _ => None,
        })
        .unwrap_or(6)
}

/// pcap-file hands the raw 64-bit timestamp over as nanoseconds whatever the resolution.
fn rescale(raw: Duration, resol: u8) -> Duration {
    let units = raw.as_nanos();
    let nanos = if resol & 0x80 != 0 {
        let shift = u32::from(resol & 0x7f).min(127);
        units.checked_mul(1_000_000_000).map(|n| n >> shift).unwrap_or(0)
    } else {
        match resol.cmp(&9) {
            std::cmp::Ordering::Equal => units,
            std::cmp::Ordering::Less => units.saturating_mul(10u128.pow(u32::from(9 - resol))),
            std::cmp::Ordering::Greater => units / 10u128.checked_pow(u32::from(resol - 9)).unwrap_or(u128::MAX),
        }
    };
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcapng_resolutions() {
        let raw = Duration::from_nanos(1_500_000);
        assert_eq!(rescale(raw, 6), Duration::from_millis(1500), "microseconds");
        assert_eq!(rescale(raw, 9), raw, "nanoseconds");
        assert_eq!(
            rescale(Duration::from_nanos(1024), 0x80 | 10),
            Duration::from_secs(1),
            "2^-10"
        );
        assert_eq!(
            rescale(Duration::from_nanos(u64::MAX), 0),
            Duration::from_nanos(u64::MAX)
        );
        assert_eq!(rescale(raw, 200), Duration::ZERO);
    }
}

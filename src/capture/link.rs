//! From one captured frame to the UDP datagram inside it, for the link types captures of CoAP
//! traffic come in (tcpdump.org link-layer header types): Ethernet (1), raw IP (101, and 228/229
//! for IPv4/IPv6 only), Linux cooked capture SLL (113) and SLL2 (276), BSD loopback NULL (0) and
//! LOOP (108). Headers are sliced by etherparse; nothing here trusts a length it has not checked.

use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};
use pcap_file::DataLink;

/// What a frame holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A whole UDP datagram, over IPv4 or IPv6.
    Udp {
        /// Source address and port.
        src: SocketAddr,
        /// Destination address and port.
        dst: SocketAddr,
        /// The UDP payload: a CoAP message, or anything else the flow carries.
        payload: Vec<u8>,
    },
    /// Not a UDP datagram (or not a whole one): what it is instead.
    Other(String),
}

/// Linux cooked capture v2 header length (protocol, reserved, interface index, ARPHRD type,
/// packet type, address length, 8 address bytes).
const SLL2_HEADER: usize = 20;
/// BSD loopback: a 4-byte address family before the IP header.
const NULL_HEADER: usize = 4;

pub fn decode(link: DataLink, frame: &[u8]) -> Decoded {
    let sliced = match link {
        DataLink::ETHERNET => SlicedPacket::from_ethernet(frame),
        DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => SlicedPacket::from_ip(frame),
        DataLink::LINUX_SLL => SlicedPacket::from_linux_sll(frame),
        DataLink::LINUX_SLL2 => match (frame.get(..2), frame.get(SLL2_HEADER..)) {
            (Some(&[hi, lo]), Some(rest)) => {
                SlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([hi, lo])), rest)
            }
            _ => return Decoded::Other(format!("truncated Linux cooked (SLL2) header ({} bytes)", frame.len())),
        },
        // The family is in the capturing host's byte order; the IP version nibble says the same.
        DataLink::NULL | DataLink::LOOP => match frame.get(NULL_HEADER..) {
            Some(rest) => SlicedPacket::from_ip(rest),
            None => return Decoded::Other(format!("truncated loopback header ({} bytes)", frame.len())),
        },
        other => return Decoded::Other(format!("link type {other:?} is not decoded")),
    };
    match sliced {
        Ok(p) => udp_of(&p),
        Err(e) => Decoded::Other(format!("does not parse: {e}")),
    }
}

fn udp_of(p: &SlicedPacket<'_>) -> Decoded {
    let (src, dst) = match &p.net {
        Some(NetSlice::Ipv4(ip)) => (
            IpAddr::V4(ip.header().source_addr()),
            IpAddr::V4(ip.header().destination_addr()),
        ),
        Some(NetSlice::Ipv6(ip)) => (
            IpAddr::V6(ip.header().source_addr()),
            IpAddr::V6(ip.header().destination_addr()),
        ),
        Some(NetSlice::Arp(_)) => return Decoded::Other("ARP".into()),
        None => return Decoded::Other("not IP".into()),
    };
    if p.is_ip_payload_fragmented() {
        return Decoded::Other(format!("IP fragment {src} -> {dst} (not reassembled)"));
    }
    match &p.transport {
        Some(TransportSlice::Udp(udp)) => Decoded::Udp {
            src: SocketAddr::new(src, udp.source_port()),
            dst: SocketAddr::new(dst, udp.destination_port()),
            payload: udp.payload().to_vec(),
        },
        Some(TransportSlice::Tcp(_)) => Decoded::Other(format!("TCP {src} -> {dst}")),
        Some(TransportSlice::Icmpv4(_) | TransportSlice::Icmpv6(_)) => Decoded::Other(format!("ICMP {src} -> {dst}")),
        Some(_) => Decoded::Other(format!("IP {src} -> {dst}, not UDP")),
        None => Decoded::Other(format!("IP {src} -> {dst}, transport header missing or truncated")),
    }
}

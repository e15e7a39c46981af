//! Hand-built captures of every link type the reader decodes, and garbage it must survive.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

use etherparse::{LinuxSllPacketType, PacketBuilder};
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};

use super::{Capture, Decoded};

/// CON POST /rd?ep=dev1, Content-Format 40, payload `</3/0>`.
const REGISTER: &[u8] = &[
    0x44, 0x02, 0x12, 0x34, 0xaa, 0xbb, 0xcc, 0xdd, 0xb2, b'r', b'd', 0x11, 0x28, 0x37, b'e', b'p', b'=', b'd', b'e',
    b'v', b'1', 0xff, b'<', b'/', b'3', b'/', b'0', b'>',
];

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

fn ip_packet(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let builder = match (src, dst) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => PacketBuilder::ipv4(s.ip().octets(), d.ip().octets(), 64),
        (SocketAddr::V6(s), SocketAddr::V6(d)) => PacketBuilder::ipv6(s.ip().octets(), d.ip().octets(), 64),
        _ => panic!("mixed families"),
    }
    .udp(src.port(), dst.port());
    let mut out = Vec::new();
    builder.write(&mut out, payload).expect("builds");
    out
}

/// The frame for `link`, carrying `payload` from `src` to `dst`.
fn frame(link: DataLink, src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let ip = ip_packet(src, dst, payload);
    let ethertype: u16 = if src.is_ipv4() { 0x0800 } else { 0x86dd };
    match link {
        DataLink::ETHERNET => {
            let mut out = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
            out.extend(ethertype.to_be_bytes());
            out.extend(ip);
            out
        }
        DataLink::LINUX_SLL => {
            let builder = match (src, dst) {
                (SocketAddr::V4(s), SocketAddr::V4(d)) => PacketBuilder::linux_sll(
                    LinuxSllPacketType::HOST,
                    6,
                    [2, 0, 0, 0, 0, 1, 0, 0],
                )
                .ipv4(s.ip().octets(), d.ip().octets(), 64),
                (SocketAddr::V6(s), SocketAddr::V6(d)) => PacketBuilder::linux_sll(
                    LinuxSllPacketType::HOST,
                    6,
                    [2, 0, 0, 0, 0, 1, 0, 0],
                )
                .ipv6(s.ip().octets(), d.ip().octets(), 64),
                _ => panic!("mixed families"),
            }
            .udp(src.port(), dst.port());
            let mut out = Vec::new();
            builder.write(&mut out, payload).expect("builds");
            out
        }
        DataLink::LINUX_SLL2 => {
            // protocol, reserved, ifindex 1, ARPHRD_LOOPBACK (772), host, 6-byte address + padding
            let mut out = ethertype.to_be_bytes().to_vec();
            out.extend([0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend(ip);
            out
        }
        DataLink::NULL => {
            let family: u32 = if src.is_ipv4() { 2 } else { 30 };
            let mut out = family.to_le_bytes().to_vec();
            out.extend(ip);
            out
        }
        _ => ip,
    }
}

fn pcap(link: DataLink, frames: &[Vec<u8>]) -> Vec<u8> {
    let header = PcapHeader {
        datalink: link,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).expect("header");
    for (i, f) in frames.iter().enumerate() {
        let ts = Duration::from_secs(1_700_000_000) + Duration::from_millis(250 * i as u64);
        w.write_packet(&PcapPacket::new(ts, f.len() as u32, f)).expect("packet");
    }
    w.into_writer()
}

fn pcapng(link: DataLink, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut w = PcapNgWriter::new(Vec::new()).expect("section");
    // pcap-file writes nanosecond timestamps: say so, as Wireshark would need.
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: link,
        snaplen: 0,
        options: vec![InterfaceDescriptionOption::IfTsResol(9)],
    })
    .expect("interface");
    for (i, f) in frames.iter().enumerate() {
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_secs(1_700_000_000) + Duration::from_millis(250 * i as u64),
            original_len: f.len() as u32,
            data: Cow::Borrowed(f),
            options: vec![],
        })
        .expect("packet");
    }
    w.into_inner()
}

const LINKS: [DataLink; 7] = [
    DataLink::ETHERNET,
    DataLink::RAW,
    DataLink::IPV4,
    DataLink::IPV6,
    DataLink::LINUX_SLL,
    DataLink::LINUX_SLL2,
    DataLink::NULL,
];

#[test]
fn every_link_type_and_both_ip_versions_decode_to_the_datagram() {
    let pairs = [
        (addr("127.0.0.2:40001"), addr("127.0.0.1:5683")),
        (addr("[::1]:40001"), addr("[fe80::1]:5683")),
    ];
    for link in LINKS {
        for (src, dst) in pairs {
            if (link == DataLink::IPV4 && src.is_ipv6()) || (link == DataLink::IPV6 && src.is_ipv4()) {
                continue;
            }
            let f = frame(link, src, dst, REGISTER);
            for file in [pcap(link, std::slice::from_ref(&f)), pcapng(link, &[f.clone(), f])] {
                let c = Capture::parse(&file).unwrap_or_else(|e| panic!("{link:?}: {e}"));
                assert_eq!(c.stopped, None, "{link:?}");
                let want = Decoded::Udp {
                    src,
                    dst,
                    payload: REGISTER.to_vec(),
                };
                assert_eq!(c.frames[0].decoded, want, "{link:?} {src}");
                if let Some(second) = c.frames.get(1) {
                    assert_eq!(second.at, Duration::from_millis(250), "pcapng time, {link:?}");
                }
                let t = c.explain().transcript();
                assert!(
                    t.iter()
                        .any(|l| l.contains("client -> server  Register ep=dev1 LINK-FORMAT </3/0>")),
                    "{link:?}: {t:#?}"
                );
            }
        }
    }
}

#[test]
fn frames_that_are_not_udp_are_listed_as_what_they_are() {
    let udp = frame(
        DataLink::ETHERNET,
        addr("10.0.0.1:1"),
        addr("10.0.0.2:5683"),
        b"\x40\x01\x00\x01",
    );
    let mut arp = vec![0xff; 6];
    arp.extend([2, 0, 0, 0, 0, 1, 0x08, 0x06]);
    arp.extend([
        0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
    ]);
    let mut truncated = udp.clone();
    truncated.truncate(30);
    let mut tcp_ip = Vec::new();
    PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(1, 2, 0, 1000)
        .write(&mut tcp_ip, b"x")
        .expect("tcp");
    let mut tcp = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
    tcp.extend(tcp_ip);
    let dns = frame(
        DataLink::ETHERNET,
        addr("10.0.0.1:53"),
        addr("10.0.0.2:5000"),
        &[0xc0, 0, 0],
    );
    let client_hello = [22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    let dtls = frame(
        DataLink::ETHERNET,
        addr("10.0.0.1:40000"),
        addr("10.0.0.2:5684"),
        &client_hello,
    );
    let frames = [udp, arp, truncated, tcp, dns, dtls];
    let c = Capture::parse(&pcap(DataLink::ETHERNET, &frames)).expect("parses");
    let t = c.explain().transcript();
    insta::assert_snapshot!(t.join("\n"));
}

#[test]
fn link_types_not_decoded_say_so() {
    let c = Capture::parse(&pcap(DataLink::IEEE802_11, &[vec![1, 2, 3]])).expect("parses");
    assert!(matches!(&c.frames[0].decoded, Decoded::Other(s) if s.contains("not decoded")));
}

/// A small deterministic generator, so a failure reproduces.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn garbage_never_panics() {
    // Whole files of noise, with and without a plausible magic number.
    for seed in 0..300u64 {
        let mut bytes = noise(seed, (seed as usize * 7) % 400);
        let _ = Capture::parse(&bytes);
        if bytes.len() >= 4 {
            bytes[..4].copy_from_slice(if seed % 2 == 0 {
                &[0xd4, 0xc3, 0xb2, 0xa1]
            } else {
                &[0x0a, 0x0d, 0x0d, 0x0a]
            });
            let _ = Capture::parse(&bytes);
        }
    }
    // Noise frames in a valid container, for every link type, then explained.
    for link in LINKS {
        let frames: Vec<Vec<u8>> = (0..60).map(|s| noise(s + 1000, s as usize * 3)).collect();
        let c = Capture::parse(&pcap(link, &frames)).expect("container is valid");
        assert_eq!(c.frames.len(), 60);
        let _ = c.explain().transcript();
    }
    // Noise UDP payloads: parsed as (malformed) CoAP, never a panic.
    let frames: Vec<Vec<u8>> = (0..200)
        .map(|s| {
            frame(
                DataLink::RAW,
                addr("10.0.0.1:5683"),
                addr("10.0.0.2:5683"),
                &noise(s, s as usize % 40),
            )
        })
        .collect();
    let t = Capture::parse(&pcap(DataLink::RAW, &frames))
        .expect("valid")
        .explain()
        .transcript();
    assert!(t.len() >= 200);
}

#[test]
fn a_file_cut_anywhere_keeps_the_frames_before_the_cut() {
    let f = frame(
        DataLink::ETHERNET,
        addr("127.0.0.2:40001"),
        addr("127.0.0.1:5683"),
        REGISTER,
    );
    for file in [
        pcap(DataLink::ETHERNET, &[f.clone(), f.clone()]),
        pcapng(DataLink::ETHERNET, &[f.clone(), f]),
    ] {
        for cut in 0..file.len() {
            if let Ok(c) = Capture::parse(&file[..cut]) {
                assert!(c.frames.len() <= 2);
                let _ = c.explain().transcript();
            }
        }
        let whole = Capture::parse(&file).expect("whole file");
        assert_eq!((whole.frames.len(), whole.stopped), (2, None));
        let cut = Capture::parse(&file[..file.len() - 5]).expect("header intact");
        assert_eq!(cut.frames.len(), 1);
        assert!(cut.stopped.is_some(), "the cut is reported");
    }
}

#[test]
fn a_valid_file_with_any_byte_changed_never_panics() {
    let f = frame(
        DataLink::ETHERNET,
        addr("127.0.0.2:40001"),
        addr("127.0.0.1:5683"),
        REGISTER,
    );
    let g = frame(DataLink::LINUX_SLL2, addr("[::1]:40001"), addr("[::1]:5683"), REGISTER);
    for file in [
        pcap(DataLink::ETHERNET, &[f.clone(), f.clone()]),
        pcapng(DataLink::ETHERNET, &[f.clone(), f]),
        pcapng(DataLink::LINUX_SLL2, &[g.clone(), g]),
    ] {
        for i in 0..file.len() {
            for change in [0x00, 0xff, file[i] ^ 0x80, file[i].wrapping_add(1)] {
                let mut bytes = file.clone();
                bytes[i] = change;
                if let Ok(c) = Capture::parse(&bytes) {
                    let _ = c.explain().transcript();
                }
            }
        }
    }
}

use super::*;

#[test]
fn frames_are_numbered_and_decodable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/t.pcap");
    let mut w = PcapWriter::create(&path).unwrap();
    let a: SocketAddr = "127.1.2.3:5683".parse().unwrap();
    let b: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    assert_eq!(w.write_udp(t, b, a, &[0x40, 0x01, 0x00, 0x01]).unwrap(), 1);
    assert_eq!(w.write_udp(t, a, b, b"").unwrap(), 2);
    assert!(w.write_udp(t, a, "[::1]:1".parse().unwrap(), b"x").is_err());
    assert_eq!(w.frames(), 2);
    let bytes = std::fs::read(&path).unwrap();
    let mut r = pcap_file::pcap::PcapReader::new(&bytes[..]).unwrap();
    let p1 = r.next_packet().unwrap().unwrap().into_owned();
    // Ethernet (14) + IPv4 (20) + UDP (8) + payload.
    assert_eq!(p1.data.len(), 14 + 20 + 8 + 4);
    let parsed = etherparse::SlicedPacket::from_ethernet(&p1.data).unwrap();
    match parsed.transport {
        Some(etherparse::TransportSlice::Udp(u)) => {
            assert_eq!((u.source_port(), u.destination_port()), (40000, 5683));
            assert_eq!(u.payload(), &[0x40, 0x01, 0x00, 0x01]);
        }
        other => panic!("not UDP: {other:?}"),
    }
    assert!(r.next_packet().unwrap().is_ok());
    assert!(r.next_packet().is_none());
}

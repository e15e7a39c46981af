//! Seed corpora: the UDP payloads of real captures (`fuzz/corpus/datagrams.hex`, extracted from
//! a self-test run's `captures/*.pcap` with `--extract-corpus`, plus the third-party captures in
//! `src/capture/testdata/`), the LwM2M payloads inside them by content format, and encodings of
//! the records those decode to.

use std::sync::OnceLock;

use crate::capture::Capture;
use crate::coap::Message;
use crate::lwm2m::{self, ContentFormat, Path};

/// One capture's datagrams per paragraph, each a line of hex; `#` lines name the capture. Read
/// at run time, so a re-extracted corpus needs no rebuild.
const DATAGRAMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/datagrams.hex");

/// Whole capture files, for the pcap reader.
const CAPTURES: [&[u8]; 5] = [
    include_bytes!("../capture/testdata/lwm2m-node-lib-ethernet.pcapng"),
    include_bytes!("../capture/testdata/lwm2m-node-lib-server-sll2.pcap"),
    include_bytes!("../capture/testdata/lwm2m-node-lib-sll2.pcap"),
    include_bytes!("../../fuzz/corpus/client-dm-read-resource.pcap"),
    include_bytes!("../../fuzz/corpus/bsserver-client-initiated.pcap"),
];

/// The datagrams of every capture, grouped by capture, in frame order.
pub fn conversations() -> Vec<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut current = Vec::new();
    let text = std::fs::read_to_string(DATAGRAMS).unwrap_or_default();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(bytes) = unhex(line) {
            current.push(bytes);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    for c in CAPTURES {
        if let Ok(capture) = Capture::parse(c) {
            out.push(capture.datagrams().into_iter().map(|d| d.bytes).collect());
        }
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The datagrams of `captures` (pcap or pcapng files) in the format of `datagrams.hex`.
pub fn extract(captures: &[std::path::PathBuf]) -> Result<String, String> {
    let mut out =
        String::from("# UDP payloads of the harness's own captures, one capture per paragraph (see fuzz/README.md).\n");
    for file in captures {
        let capture = Capture::read(file)?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push_str(&format!("\n# {name}\n"));
        for d in capture.datagrams() {
            out.push_str(&crate::coap::message::hex(&d.bytes));
            out.push('\n');
        }
    }
    Ok(out)
}

/// Every distinct datagram, sorted; the corpus is read and parsed once, at the first call.
fn datagrams() -> &'static [Vec<u8>] {
    static ALL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Vec<u8>> = conversations().into_iter().flatten().collect();
        all.sort();
        all.dedup();
        all
    })
}

/// The payloads of the datagrams in `formats` (any number in `formats` counts).
fn payloads(formats: &[u16]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = datagrams()
        .iter()
        .filter_map(|d| Message::parse(d).ok())
        .filter(|m| !m.payload.is_empty() && m.content_format().is_some_and(|cf| formats.contains(&cf)))
        .map(|m| m.payload)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Records decoded from the captures' TLV payloads (under their objects' usual paths), to
/// re-encode in the other formats.
fn records() -> Vec<Vec<lwm2m::Record>> {
    let bases = [
        Path::root(),
        Path::object(3),
        Path::instance(3, 0),
        Path::instance(1, 0),
    ];
    let mut out = Vec::new();
    for p in payloads(&[11542, 1542]) {
        for base in &bases {
            if let Ok(r) = lwm2m::tlv::decode(base, &p) {
                out.push(r);
            }
        }
    }
    out
}

fn encoded(format: ContentFormat) -> Vec<Vec<u8>> {
    records()
        .iter()
        .filter_map(|r| lwm2m::encode(format, &Path::root(), r).ok())
        .collect()
}

/// `payload` behind the path prefix the path-dependent targets read (see `targets::path_prefix`).
fn under(depth: u8, ids: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut v = vec![depth];
    v.extend_from_slice(&ids);
    v.extend_from_slice(payload);
    v
}

fn prefixed(payloads: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in payloads {
        for (depth, ids) in [
            (0, [0; 4]),
            (1, [3, 0, 0, 0]),
            (2, [3, 0, 0, 0]),
            (2, [1, 0, 0, 0]),
            (3, [3, 0, 0, 0]),
        ] {
            out.push(under(depth, ids, &p));
        }
        out.push(p);
    }
    out
}

/// The seed corpus of the target called `name`.
pub fn for_target(name: &str) -> Vec<Vec<u8>> {
    let mut out = match name {
        "coap" => datagrams().to_vec(),
        "tlv" => prefixed(payloads(&[11542, 1542])),
        "senml-json" => [payloads(&[110, 1543]), encoded(ContentFormat::SENML_JSON)].concat(),
        "senml-cbor" => [payloads(&[112]), encoded(ContentFormat::SENML_CBOR)].concat(),
        "lwm2m-cbor" => prefixed([payloads(&[11544, 60]), lwm2m_cbor()].concat()),
        "link-format" => payloads(&[40]),
        "content" => content(),
        "capture" => CAPTURES.iter().map(|c| c.to_vec()).collect(),
        "engine" | "reference-client" | "reference-server" | "reference-bootstrap-server" => scripts(),
        _ => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

/// LwM2M CBOR (LwM2M 1.2 §7.4.7: nested maps keyed by IDs or arrays of IDs) and plain CBOR
/// single values, as no capture of ours has them and the crate has no encoder for them.
fn lwm2m_cbor() -> Vec<Vec<u8>> {
    use ciborium::Value as V;
    let int = |i: i64| V::Integer(i.into());
    let device = V::Map(vec![
        (int(0), V::Text("Open Mobile Alliance".into())),
        (int(9), int(100)),
        (int(13), V::Tag(1, Box::new(int(1_700_000_000)))),
        (int(7), V::Map(vec![(int(0), int(3800)), (int(1), int(5000))])),
    ]);
    let values = [
        V::Map(vec![(int(3), V::Map(vec![(int(0), device.clone())]))]),
        V::Map(vec![(V::Array(vec![int(3), int(0)]), device)]),
        V::Map(vec![
            (V::Array(vec![int(1), int(0), int(1)]), int(300)),
            (V::Array(vec![int(1), int(0), int(6)]), V::Bool(true)),
        ]),
        V::Map(vec![
            (V::Array(vec![int(5), int(0), int(0)]), V::Bytes(vec![1, 2, 3])),
            (V::Array(vec![int(4)]), V::Null),
        ]),
        V::Text("a string".into()),
        int(-42),
        V::Float(1.5),
        V::Bool(false),
        V::Bytes(vec![0xde, 0xad]),
        V::Text("3:0".into()),
    ];
    values
        .iter()
        .filter_map(|v| {
            let mut out = Vec::new();
            ciborium::into_writer(v, &mut out).ok().map(|()| out)
        })
        .collect()
}

/// Every payload of the captures, behind its content format number and a path prefix.
fn content() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for m in datagrams().iter().filter_map(|d| Message::parse(d).ok()) {
        if m.payload.is_empty() {
            continue;
        }
        let mut v = m.content_format().unwrap_or(0).to_be_bytes().to_vec();
        v.extend(under(3, [3, 0, 0, 0], &m.payload));
        out.push(v);
    }
    out
}

/// Each capture's datagrams as a script for the endpoint targets, under a few selectors.
fn scripts() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, conversation) in conversations().iter().enumerate() {
        let datagrams: Vec<&[u8]> = conversation.iter().take(32).map(Vec::as_slice).collect();
        out.push(super::targets::script(i as u8, &datagrams));
    }
    out
}

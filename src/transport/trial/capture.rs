//! The trial's pcap. A datagram that cannot be written is not dropped silently: the first
//! failure comes back as an [`Event::EvidenceLost`] for the engine, which names the file in the
//! transcript and the verdict. Later failures add nothing (the capture is incomplete already).
//! The in-memory pairing (`sim`) writes its pcap through it too.

use std::net::SocketAddr;
use std::path::Path;
use std::time::SystemTime;

use crate::engine::Event;
use crate::evidence::PcapWriter;

pub(crate) struct Capture {
    writer: PcapWriter,
    file: String,
    lost: bool,
}

impl Capture {
    /// A new pcap at `path` (its global header written).
    pub(crate) fn create(path: &Path) -> Result<Capture, String> {
        let writer = PcapWriter::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Capture {
            writer,
            file: path.display().to_string(),
            lost: false,
        })
    }

    /// Writes one datagram (at `at`); the event to give the engine when it is the first that
    /// could not be written.
    pub(crate) fn write(&mut self, at: SystemTime, from: SocketAddr, to: SocketAddr, bytes: &[u8]) -> Option<Event> {
        let error = self.writer.write_udp(at, from, to, bytes).err()?;
        if std::mem::replace(&mut self.lost, true) {
            return None;
        }
        tracing::error!("cannot write to {}: {error}", self.file);
        Some(Event::EvidenceLost {
            file: self.file.clone(),
            frame: self.writer.frames() + 1,
            error: error.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A FIFO whose reader has gone: every write after the global header fails (EPIPE), as a
    /// full disk or a removed mount would make it.
    #[test]
    fn the_first_frame_that_cannot_be_written_is_reported_once_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.pcap");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        let reader = {
            let path = path.clone();
            std::thread::spawn(move || {
                use std::io::Read;
                let mut header = [0u8; 24];
                let mut f = std::fs::File::open(path).expect("open the FIFO");
                f.read_exact(&mut header).expect("the global header");
            })
        };
        let mut capture = Capture::create(&path).expect("created");
        reader.join().expect("reader");
        let (a, b): (SocketAddr, SocketAddr) = ("127.0.0.1:1".parse().unwrap(), "127.0.0.1:5683".parse().unwrap());
        let first = capture.write(SystemTime::now(), a, b, b"x");
        match first {
            Some(Event::EvidenceLost { file, frame, error }) => {
                assert_eq!(file, path.display().to_string());
                assert_eq!(frame, 1);
                assert!(!error.is_empty());
            }
            other => panic!("expected the loss reported, got {other:?}"),
        }
        assert_eq!(capture.write(SystemTime::now(), a, b, b"y"), None, "reported once");
    }
}

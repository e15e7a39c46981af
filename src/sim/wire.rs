//! What is under way between the two sides: datagrams in flight and stdin lines not yet read,
//! each due at an instant of the virtual clock. Everything is pushed at the current instant plus
//! a fixed delay that never shrinks, so first in is first due: plain FIFO queues keep the order.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

/// One-way delay of a datagram: loopback plus a receive wake-up, roughly. Never zero, so an
/// answer always arrives after what it answers, as on a real socket.
pub(super) const LATENCY: Duration = Duration::from_micros(100);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Toward {
    Dut,
    Harness,
}

#[derive(Debug)]
pub(super) struct Datagram {
    pub toward: Toward,
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub bytes: Vec<u8>,
}

#[derive(Default)]
pub(super) struct Wire {
    datagrams: VecDeque<(Duration, Datagram)>,
    /// Lines for the DUT's stdin, paced as the process path's console writer paces them.
    stdin: VecDeque<(Duration, String)>,
    /// When the last stdin line is read: the next one goes `interval` after it.
    stdin_last: Option<Duration>,
}

impl Wire {
    pub fn send(&mut self, now: Duration, datagram: Datagram) {
        self.datagrams.push_back((now + LATENCY, datagram));
    }

    /// Queues a line for stdin, `interval` after the one before it.
    pub fn write_line(&mut self, now: Duration, interval: Duration, line: String) {
        let at = self.stdin_last.map_or(now, |last| now.max(last + interval));
        self.stdin_last = Some(at);
        self.stdin.push_back((at, line));
    }

    /// When the next datagram or line is due.
    pub fn next_due(&self) -> Option<Duration> {
        let d = self.datagrams.front().map(|(t, _)| *t);
        let l = self.stdin.front().map(|(t, _)| *t);
        d.into_iter().chain(l).min()
    }

    /// The next datagram due by `now`.
    pub fn datagram_due(&mut self, now: Duration) -> Option<Datagram> {
        match self.datagrams.front() {
            Some((t, _)) if *t <= now => self.datagrams.pop_front().map(|(_, d)| d),
            _ => None,
        }
    }

    /// The next stdin line due by `now`.
    pub fn line_due(&mut self, now: Duration) -> Option<String> {
        match self.stdin.front() {
            Some((t, _)) if *t <= now => self.stdin.pop_front().map(|(_, l)| l),
            _ => None,
        }
    }

    /// A stopped DUT's unread stdin goes with it.
    pub fn drop_stdin(&mut self) {
        self.stdin.clear();
    }
}

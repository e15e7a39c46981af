//! A launched DUT's console: what it prints (searched for the profile's `captures`, and copied
//! to its log as it arrives) and what the harness types (startup lines, stdin triggers, a stdin
//! stop), one line at a time with the profile's pacing.
//!
//! [`Matcher`] is the sans-IO part; [`read()`] and [`write()`] are the tasks around it.

use std::io::Write;
use std::time::Duration;

use regex::Regex;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::profile::{ConsoleCapture, Stream};
use crate::template::Vars;

/// How much of a stream's most recent output a pattern is searched in: enough for a console's
/// multi-line client listing, small enough that searching after every read stays cheap.
const WINDOW: usize = 64 * 1024;
/// How long one line may take to go into the DUT's stdin before the DUT counts as not reading.
const WRITE_BOUND: Duration = Duration::from_secs(2);

/// What the console tasks tell the trial.
#[derive(Debug, PartialEq)]
pub enum ConsoleEvent {
    /// A capture pattern matched (anew, with a different value).
    Captured { name: String, value: String, from: Stream },
    /// A line could not be written; `what` names who wanted it.
    NotWritten { what: Writer, error: String },
}

/// Who wants a line written to the DUT's stdin, for when it cannot be.
#[derive(Clone, Debug, PartialEq)]
pub enum Writer {
    /// A stdin trigger, by its operation.
    Trigger(String),
    /// The launch's `stdin` startup lines.
    Startup,
    /// A stdin stop.
    Stop,
}

/// The profile's captures of one stream, with their placeholders filled in.
pub struct Matcher {
    from: Stream,
    patterns: Vec<(String, Regex)>,
    window: String,
    /// The value last reported per name: only a change is reported again.
    last: Vec<Option<String>>,
}

impl Matcher {
    /// Patterns of `from` rendered with the trial's values, each inserted literally.
    pub fn new(captures: &[ConsoleCapture], from: Stream, vars: &Vars) -> Result<Matcher, String> {
        let mut literal = vars.clone();
        literal.map_values(regex::escape);
        let patterns = captures
            .iter()
            .filter(|c| c.from == from)
            .map(|c| {
                let p = literal.render(&c.pattern)?;
                let re = Regex::new(&p).map_err(|e| format!("capture `{}`: {e}", c.name))?;
                Ok((c.name.clone(), re))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let last = vec![None; patterns.len()];
        Ok(Matcher {
            from,
            patterns,
            window: String::new(),
            last,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Takes the next bytes the DUT wrote; returns the captures that now have a new value (the
    /// newest match of each pattern in the window).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<ConsoleEvent> {
        self.window.push_str(&String::from_utf8_lossy(bytes));
        if self.window.len() > WINDOW {
            let mut cut = self.window.len() - WINDOW;
            while !self.window.is_char_boundary(cut) {
                cut += 1;
            }
            self.window.drain(..cut);
        }
        let mut out = Vec::new();
        for ((name, re), last) in self.patterns.iter().zip(&mut self.last) {
            let newest = re
                .captures_iter(&self.window)
                .last()
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string());
            if let Some(value) = newest
                && last.as_ref() != Some(&value)
            {
                *last = Some(value.clone());
                out.push(ConsoleEvent::Captured {
                    name: name.clone(),
                    value,
                    from: self.from,
                });
            }
        }
        out
    }
}

/// Copies one output stream of the DUT to its log while searching it, until end of file.
pub async fn read(
    mut stream: impl AsyncRead + Unpin,
    mut log: std::fs::File,
    mut matcher: Matcher,
    events: mpsc::UnboundedSender<ConsoleEvent>,
) {
    let mut buf = vec![0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                // The log is evidence: written before anything else happens with the bytes.
                let _ = log.write_all(&buf[..n]);
                for e in matcher.feed(&buf[..n]) {
                    let _ = events.send(e);
                }
            }
        }
    }
}

/// What the harness asks the stdin writer to do.
#[derive(Debug)]
pub enum Input {
    /// Write this line (a newline is added); `what` names who asked, for a failure report.
    Line { line: String, what: Writer },
    /// Close the DUT's stdin.
    Close,
}

/// Writes the queued lines one at a time, at least `interval` apart, each bounded; a failure is
/// reported and the rest are still tried (a DUT that stopped reading fails them all, each one
/// named).
pub async fn write(
    stdin: tokio::process::ChildStdin,
    mut queue: mpsc::UnboundedReceiver<Input>,
    interval: Duration,
    events: mpsc::UnboundedSender<ConsoleEvent>,
) {
    let mut stdin = Some(stdin);
    let mut next_at = tokio::time::Instant::now();
    while let Some(input) = queue.recv().await {
        match input {
            Input::Close => stdin = None,
            Input::Line { line, what } => {
                // Pacing, not waiting for an event: the profile's console needs its lines apart.
                tokio::time::sleep_until(next_at).await;
                let result = match stdin.as_mut() {
                    None => Err("the DUT's stdin is closed".to_string()),
                    Some(s) => {
                        let mut bytes = line.into_bytes();
                        bytes.push(b'\n');
                        let sent = async {
                            s.write_all(&bytes).await?;
                            s.flush().await
                        };
                        match tokio::time::timeout(WRITE_BOUND, sent).await {
                            Ok(Ok(())) => Ok(()),
                            Ok(Err(e)) => Err(format!("cannot write to the DUT's stdin: {e}")),
                            Err(_) => Err(format!(
                                "the DUT did not read its stdin within {}s",
                                WRITE_BOUND.as_secs()
                            )),
                        }
                    }
                };
                next_at = tokio::time::Instant::now() + interval;
                if let Err(error) = result {
                    let _ = events.send(ConsoleEvent::NotWritten { what, error });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(pattern: &str, name: &str) -> ConsoleCapture {
        ConsoleCapture {
            from: Stream::Stdout,
            pattern: pattern.into(),
            name: name.into(),
        }
    }

    /// Wakaama's lwm2mserver prints the client number and, on the next line, the name.
    #[test]
    fn a_pattern_spans_lines_takes_the_newest_match_and_inserts_values_literally() {
        let mut vars = Vars::default();
        vars.set("endpoint", "urn:dev:x.1");
        let caps = [capture(r#"Client #(\d+):\s+name: "{endpoint}""#, "client_id")];
        let mut m = Matcher::new(&caps, Stream::Stdout, &vars).expect("compiles");
        assert!(
            m.feed(b"New client #0 registered.\r\nClient #0:\r\n\tname: \"urn:dev:xx1\"\n")
                .is_empty()
        );
        assert!(m.feed(b"Client #1:\r\n\tna").is_empty(), "split across reads");
        let got = m.feed(b"me: \"urn:dev:x.1\"\r\n");
        assert_eq!(
            got,
            [ConsoleEvent::Captured {
                name: "client_id".into(),
                value: "1".into(),
                from: Stream::Stdout
            }]
        );
        assert!(m.feed(b"> ").is_empty(), "the same value is not reported again");
        let again = m.feed(b"Client #4:\n\tname: \"urn:dev:x.1\"\n");
        assert!(matches!(&again[..], [ConsoleEvent::Captured { value, .. }] if value == "4"));
    }

    #[test]
    fn the_window_stays_bounded_and_other_streams_are_not_searched() {
        let vars = Vars::default();
        let caps = [capture(r"id=(\d+)", "id")];
        assert!(Matcher::new(&caps, Stream::Stderr, &vars).expect("compiles").is_empty());
        let mut m = Matcher::new(&caps, Stream::Stdout, &vars).expect("compiles");
        for _ in 0..100 {
            m.feed(&[b'.'; 4000]);
            assert!(m.window.len() <= WINDOW);
        }
        m.feed("é".repeat(40_000).as_bytes());
        assert!(m.window.len() <= WINDOW);
        assert_eq!(m.feed(b"id=7\n").len(), 1);
    }
}

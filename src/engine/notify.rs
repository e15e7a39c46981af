//! The `notify` step (server DUTs): the harness, as the observed LwM2M Client, sends a
//! notification of an observation the DUT made (RFC 7641 §4.2), and when it is Confirmable
//! waits for the DUT's answer: an ACK keeps the observation, an RST cancels it (§3.6).

use std::time::Duration;

use super::Engine;
use super::steps::Progress;
use crate::case::model::Notify;
use crate::coap::message::option;
use crate::coap::{Message, MessageType};
use crate::lwm2m::ContentFormat;

impl Engine {
    pub(super) fn notify(&mut self, n: &Notify, now: Duration) -> Progress {
        let (mid, frame) = match self.notified {
            Some((step, mid, frame)) if step == self.step => (mid, frame),
            _ => match self.send_notification(n, now) {
                Ok(sent) => sent,
                Err(e) => return Progress::Error(e),
            },
        };
        if !n.confirmable {
            return Progress::Done;
        }
        match self.acks.iter().find(|(f, m, _)| *m == mid && *f > frame) {
            Some((_, _, MessageType::Acknowledgement)) => Progress::Done,
            Some((f, _, _)) => Progress::Fail {
                expected: format!("an ACK for the notification of frame {frame}"),
                observed: format!("frame {f}: RST, which cancels the observation (RFC 7641 §3.6)"),
                frames: vec![frame, *f],
            },
            None if self.timed_out(now) => {
                let (observed, mut frames) = self.seen_instead(now);
                frames.insert(0, frame);
                Progress::Fail {
                    expected: format!("an ACK for the notification of frame {frame}"),
                    observed,
                    frames,
                }
            }
            None => Progress::Wait,
        }
    }

    /// Sends the notification on the observation's token, from the endpoint the Observe
    /// arrived at; returns its Message ID and frame.
    fn send_notification(&mut self, n: &Notify, now: Duration) -> Result<(u16, u32), String> {
        let name =
            n.to.clone()
                .or_else(|| self.last_taken.clone())
                .ok_or("notify: no request taken yet")?;
        let &i = self
            .taken
            .get(&name)
            .ok_or_else(|| format!("notify: no request named `{name}`"))?;
        let (from, at, token) = {
            let inc = &self.incoming[i];
            (inc.from, inc.at, inc.msg.token.clone())
        };
        let mtype = if n.confirmable {
            MessageType::Confirmable
        } else {
            MessageType::NonConfirmable
        };
        let mid = self.ids.mid();
        let mut m = Message::new(mtype, n.code, mid, token);
        m.add_uint_option(option::OBSERVE, n.observe);
        if let Some(cf) = &n.content_format {
            let f =
                ContentFormat::from_name(cf).ok_or_else(|| format!("notify.content_format: unknown format `{cf}`"))?;
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(f.0));
        }
        if let Some(p) = &n.payload {
            m.payload = self.vars.render(p)?.into_bytes();
        }
        let bytes = m.to_bytes().map_err(|e| e.to_string())?;
        if n.confirmable {
            self.retransmit.sent(now, from, mid, bytes.clone());
            self.sent_from.insert(mid, at);
        }
        let frame = self.frames + 1;
        self.notified = Some((self.step, mid, frame));
        self.emit(now, at, from, bytes);
        Ok((mid, frame))
    }
}

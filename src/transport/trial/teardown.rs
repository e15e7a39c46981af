//! The end of a trial: the DUT, if still running, is stopped the way its profile says, and the
//! capture and the engine keep going while it shuts down. A De-register sent then is evidence
//! too: the engine records it and answers it (2.02), as any LwM2M Server would, so a
//! conformant client exits at once instead of retransmitting until it is killed, and the
//! transcript shows both. The verdict stays what it was, unless the capture failed meanwhile.

use tokio::time::Instant;

use super::limits::STOP_GRACE;
use super::running::Running;
use crate::engine::Event;
use crate::transport::dut;

impl Running<'_> {
    pub(super) async fn teardown(&mut self) {
        let Some(mut d) = self.dut.take() else { return };
        self.engine.handle(self.now(), Event::Teardown);
        d.stop(&self.profile.stop);
        let deadline = Instant::now() + STOP_GRACE;
        let status = loop {
            tokio::select! {
                status = d.wait() => {
                    d.flush_output().await;
                    break dut::status_text(&status);
                }
                Some(arrival) = self.endpoints.rx.recv() => {
                    self.arrived(arrival);
                    self.perform_actions().await;
                }
                _ = tokio::time::sleep_until(deadline) => {
                    d.kill();
                    let status = dut::status_text(&d.wait().await);
                    break format!("{status}: killed, {}s after it was asked to stop", STOP_GRACE.as_secs());
                }
            }
        };
        self.engine.handle(self.now(), Event::DutExited { status });
    }
}

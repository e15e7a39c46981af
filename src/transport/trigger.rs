//! Making a server DUT act. A stdin line is queued for the DUT's console writer (which paces
//! it and reports a line it cannot write); a shell command or an HTTP request
//! runs in the background, bounded by the response timeout, so the trial keeps receiving
//! meanwhile. A trigger that cannot be delivered is reported on `failed` with the operation's
//! name: the trial ends as a harness error, never as a DUT verdict (a missing request after an
//! undelivered trigger says nothing about the DUT).

use std::path::Path;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::console::Writer;
use super::dut::Dut;
use crate::engine::TriggerAction;

/// (operation, why it was not delivered).
pub type Failed = UnboundedSender<(String, String)>;

pub async fn run(
    operation: String,
    action: TriggerAction,
    dut: &Option<Dut>,
    dir: &Path,
    bound: Duration,
    failed: Failed,
) {
    let name = operation.clone();
    let fail = move |error: String| {
        let _ = failed.send((name, error));
    };
    match action {
        TriggerAction::Stdin(line) => match dut.as_ref() {
            Some(d) => d.write_line(line, Writer::Trigger(operation.clone())),
            None => fail("the DUT is not running, so its stdin cannot take the line".into()),
        },
        TriggerAction::Shell(cmd) => {
            let mut c = tokio::process::Command::new("sh");
            c.arg("-c")
                .arg(&cmd)
                .current_dir(dir)
                .stdin(std::process::Stdio::null())
                .kill_on_drop(true);
            tokio::spawn(async move {
                let mut child = match c.spawn() {
                    Ok(child) => child,
                    Err(e) => return fail(format!("cannot run `{cmd}`: {e}")),
                };
                match tokio::time::timeout(bound, child.wait()).await {
                    Ok(Ok(status)) if status.success() => {}
                    Ok(Ok(status)) => fail(format!("`{cmd}` exited with {status}")),
                    Ok(Err(e)) => fail(format!("`{cmd}`: {e}")),
                    Err(_) => {
                        let _ = child.kill().await;
                        fail(format!("`{cmd}` did not finish within {}ms", bound.as_millis()));
                    }
                }
            });
        }
        TriggerAction::Http {
            method,
            url,
            body,
            content_type,
        } => {
            tokio::spawn(async move {
                let sent = super::http::request(&method, &url, body.as_deref(), content_type.as_deref());
                match tokio::time::timeout(bound, sent).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => fail(e),
                    Err(_) => fail(format!("{method} {url}: no answer within {}ms", bound.as_millis())),
                }
            });
        }
    }
}

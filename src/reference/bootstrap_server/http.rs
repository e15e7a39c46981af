//! HTTP triggers (`--http HOST:PORT`, loopback): `POST /trigger` with one trigger line as the
//! body (see `trigger`), answered 202 Accepted (the Bootstrap-Server acts over CoAP
//! afterwards), 400 for a line it cannot carry out, 404 for any other request. One request per
//! connection; every read is bounded, so a client that stalls costs one task for a few seconds.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::trigger::{self, Trigger};

/// The largest request read (head and body): a trigger line is short.
const MAX_REQUEST: usize = 8 * 1024;
/// How long one connection may take to send its request.
const READ_BOUND: Duration = Duration::from_secs(5);

/// Accepts connections until the listener fails; each parsed trigger goes to `tx`.
pub(super) async fn serve(listener: TcpListener, tx: mpsc::Sender<Trigger>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Err(e) = handle(stream, tx).await {
                        tracing::debug!("HTTP trigger connection: {e}");
                    }
                });
            }
            Err(e) => {
                tracing::warn!("HTTP trigger listener: {e}");
                return;
            }
        }
    }
}

async fn handle(mut stream: TcpStream, tx: mpsc::Sender<Trigger>) -> std::io::Result<()> {
    let request = tokio::time::timeout(READ_BOUND, read_request(&mut stream))
        .await
        .unwrap_or(Err(std::io::ErrorKind::TimedOut.into()))?;
    let (status, text) = match request {
        Some((method, path, body)) if method == "POST" && path == "/trigger" => {
            match trigger::parse(&String::from_utf8_lossy(&body)) {
                Ok(Some(t)) if tx.send(t).await.is_ok() => ("202 Accepted", String::new()),
                Ok(Some(_)) => ("503 Service Unavailable", "the Bootstrap-Server is stopping\n".into()),
                Ok(None) => ("400 Bad Request", "empty trigger\n".into()),
                Err(why) => ("400 Bad Request", format!("{why}\n")),
            }
        }
        Some(_) => ("404 Not Found", "POST /trigger only\n".into()),
        None => ("400 Bad Request", "not an HTTP/1.1 request\n".into()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Method, path and body of one request; None when it does not parse (or is too large).
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<(String, String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(head)) => {
                let length = req
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                let (method, path) = (
                    req.method.unwrap_or_default().to_string(),
                    req.path.unwrap_or_default().to_string(),
                );
                if head.saturating_add(length) > MAX_REQUEST {
                    return Ok(None);
                }
                while buf.len() < head + length {
                    let n = stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Ok(None);
                    }
                    buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                }
                let body = buf.get(head..head + length).unwrap_or_default().to_vec();
                return Ok(Some((method, path, body)));
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_REQUEST => {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(None);
                }
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
            _ => return Ok(None),
        }
    }
}

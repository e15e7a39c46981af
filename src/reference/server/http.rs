//! The reference server's optional HTTP trigger endpoint (`--http ADDR`): `POST /trigger` with a
//! trigger line as the body (the same language as stdin, see `command.rs`), answered
//! `202 Accepted` once the line is handed to the core. Refusals show in the log, like stdin's;
//! what the server then sends is judged over CoAP, never the HTTP status.
//!
//! Every connection is bounded: one request of at most `MAX_REQUEST` bytes within
//! `READ_TIMEOUT`, then the connection is closed.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const MAX_REQUEST: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections until the receiver of `lines` is gone.
pub async fn serve(listener: TcpListener, lines: mpsc::Sender<String>) {
    while let Ok((stream, peer)) = listener.accept().await {
        if lines.is_closed() {
            return;
        }
        let lines = lines.clone();
        tokio::spawn(async move {
            if let Err(e) = tokio::time::timeout(READ_TIMEOUT, answer(stream, lines)).await {
                tracing::warn!("HTTP trigger from {peer}: {e}");
            }
        });
    }
}

async fn answer(mut stream: TcpStream, lines: mpsc::Sender<String>) {
    let status = match read_trigger(&mut stream).await {
        Ok(line) => match lines.send(line).await {
            Ok(()) => "202 Accepted",
            Err(_) => "503 Service Unavailable",
        },
        Err(status) => status,
    };
    let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The body of a `POST /trigger`, or the status that refuses the request.
async fn read_trigger(stream: &mut TcpStream) -> Result<String, &'static str> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| "400 Bad Request")?;
        if n == 0 {
            return Err("400 Bad Request");
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_REQUEST {
            return Err("413 Content Too Large");
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        let Ok(httparse::Status::Complete(head)) = req.parse(&buf) else {
            continue;
        };
        if req.path != Some("/trigger") {
            return Err("404 Not Found");
        }
        if req.method != Some("POST") {
            return Err("405 Method Not Allowed");
        }
        let length = req
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok())
            .ok_or("411 Length Required")?;
        if head + length > MAX_REQUEST {
            return Err("413 Content Too Large");
        }
        if buf.len() >= head + length {
            let body = buf.get(head..head + length).unwrap_or_default();
            return String::from_utf8(body.to_vec()).map_err(|_| "400 Bad Request");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The harness's own HTTP trigger client against this endpoint, over loopback.
    #[tokio::test]
    async fn a_posted_line_reaches_the_core_and_other_requests_are_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, mut rx) = mpsc::channel(4);
        tokio::spawn(serve(listener, tx));
        let url = format!("http://{addr}/trigger");
        crate::transport::http::request("POST", &url, Some("read urn:dev:x /3/0/0"), Some("text/plain"))
            .await
            .expect("the request is answered");
        assert_eq!(rx.recv().await.as_deref(), Some("read urn:dev:x /3/0/0"));
        let other = format!("http://{addr}/nothing");
        crate::transport::http::request("POST", &other, Some("read x /3"), None)
            .await
            .expect("answered, with 404");
        crate::transport::http::request("GET", &url, None, None)
            .await
            .expect("answered, with 405");
        assert!(rx.try_recv().is_err(), "only the POST /trigger became a trigger");
    }
}

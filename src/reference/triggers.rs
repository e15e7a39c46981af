//! Triggers of the reference servers (LwM2M Server, Bootstrap-Server): what makes them act at
//! run time, one text line each, read from stdin and, with `--http ADDR`, from the body of a
//! `POST /trigger` (parsed with httparse). Each server brings its own line language (`parse`);
//! this module carries the parsed triggers from both sources to its driver through one channel.
//!
//! HTTP: one request per connection, read within `READ_BOUND` and at most `MAX_REQUEST` bytes,
//! then the connection is closed. `202 Accepted` once the trigger is handed to the driver (what
//! the server then sends is judged over CoAP, never the HTTP status), `400` for a line `parse`
//! refuses or a blank one, `404` for another path, `405` for another method on `/trigger`,
//! `411` without Content-Length, `413` when too large, `503` when the server is stopping.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The trigger a line asks for; None for a blank line, Err with why the line is refused.
pub(crate) type Parse<T> = fn(&str) -> Result<Option<T>, String>;

/// The largest request read (head and body): a trigger line is short.
const MAX_REQUEST: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_BOUND: Duration = Duration::from_secs(5);

/// Starts reading triggers from stdin and, with `http`, from `POST /trigger` on that address;
/// every trigger `parse` accepts arrives on the returned receiver. A line refused on stdin is
/// logged; when stdin closes the server keeps serving.
pub(crate) async fn listen<T: Send + 'static>(
    http: Option<SocketAddr>,
    parse: Parse<T>,
) -> io::Result<mpsc::Receiver<T>> {
    let (tx, rx) = mpsc::channel(64);
    if let Some(addr) = http {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!("HTTP triggers on http://{}/trigger", listener.local_addr()?);
        tokio::spawn(serve(listener, parse, tx.clone()));
    }
    tokio::spawn(stdin_lines(parse, tx));
    Ok(rx)
}

/// Forwards the triggers of stdin's lines until stdin closes or the server stops.
async fn stdin_lines<T>(parse: Parse<T>, tx: mpsc::Sender<T>) {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        match parse(&line) {
            Ok(Some(t)) => {
                if tx.send(t).await.is_err() {
                    return;
                }
            }
            Ok(None) => {}
            Err(why) => tracing::warn!("trigger refused: {why}"),
        }
    }
}

/// Accepts connections until the listener fails or the server stops.
async fn serve<T: Send + 'static>(listener: TcpListener, parse: Parse<T>, tx: mpsc::Sender<T>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => return tracing::warn!("HTTP trigger listener: {e}"),
        };
        if tx.is_closed() {
            return;
        }
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Err(e) = answer(stream, parse, tx).await {
                tracing::debug!("HTTP trigger from {peer}: {e}");
            }
        });
    }
}

async fn answer<T>(mut stream: TcpStream, parse: Parse<T>, tx: mpsc::Sender<T>) -> io::Result<()> {
    let line = tokio::time::timeout(READ_BOUND, read_trigger(&mut stream))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
    let (status, text) = match line.map(|l| parse(&l)) {
        Ok(Ok(Some(t))) => match tx.send(t).await {
            Ok(()) => ("202 Accepted", String::new()),
            Err(_) => ("503 Service Unavailable", "the server is stopping\n".into()),
        },
        Ok(Ok(None)) => ("400 Bad Request", "empty trigger\n".into()),
        Ok(Err(why)) => ("400 Bad Request", format!("{why}\n")),
        Err(status) => (status, String::new()),
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}

/// The body of a `POST /trigger`, or the status that refuses the request.
async fn read_trigger(stream: &mut TcpStream) -> io::Result<Result<String, &'static str>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Err("400 Bad Request"));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if buf.len() > MAX_REQUEST {
            return Ok(Err("413 Content Too Large"));
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        let head = match req.parse(&buf) {
            Ok(httparse::Status::Complete(head)) => head,
            Ok(httparse::Status::Partial) => continue,
            Err(_) => return Ok(Err("400 Bad Request")),
        };
        if req.path != Some("/trigger") {
            return Ok(Err("404 Not Found"));
        }
        if req.method != Some("POST") {
            return Ok(Err("405 Method Not Allowed"));
        }
        let Some(length) = req
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok())
        else {
            return Ok(Err("411 Length Required"));
        };
        if head.saturating_add(length) > MAX_REQUEST {
            return Ok(Err("413 Content Too Large"));
        }
        if let Some(body) = buf.get(head..head + length) {
            return Ok(String::from_utf8(body.to_vec()).map_err(|_| "400 Bad Request"));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One HTTP/1.1 request on a fresh connection; the status line of the answer. The listener
    /// may still be binding: it tries to connect a few times, 100 ms apart (bounded).
    pub(crate) async fn status_line(addr: SocketAddr, head: &str, body: &str) -> String {
        let mut stream = None;
        for _ in 0..50 {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let mut stream = stream.expect("the HTTP trigger listener accepts within 5 s");
        let request = format!("{head}\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer))
            .await
            .expect("an answer within 5 s")
            .expect("read");
        answer.lines().next().unwrap_or_default().to_string()
    }

    fn words(line: &str) -> Result<Option<String>, String> {
        match line.trim() {
            "" => Ok(None),
            "refuse" => Err("refused".into()),
            l => Ok(Some(l.to_string())),
        }
    }

    #[tokio::test]
    async fn a_posted_line_reaches_the_driver_and_other_requests_are_refused() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, mut rx) = mpsc::channel(4);
        tokio::spawn(serve(listener, words, tx));
        for (head, body, status) in [
            ("POST /nothing HTTP/1.1", "read x /3", "404 Not Found"),
            ("GET /trigger HTTP/1.1", "", "405 Method Not Allowed"),
            ("POST /trigger HTTP/1.1", "refuse", "400 Bad Request"),
            ("POST /trigger HTTP/1.1", "  ", "400 Bad Request"),
        ] {
            assert_eq!(
                status_line(addr, head, body).await,
                format!("HTTP/1.1 {status}"),
                "{head} {body}"
            );
        }
        assert!(rx.try_recv().is_err(), "no refused request became a trigger");
        // The harness's own HTTP trigger client (ureq) is understood.
        let url = format!("http://{addr}/trigger");
        crate::transport::http::request("POST", &url, Some("read urn:dev:x /3/0/0"), Some("text/plain"))
            .await
            .expect("the request is answered");
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(got.ok().flatten().as_deref(), Some("read urn:dev:x /3/0/0"));
    }
}

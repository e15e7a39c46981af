//! HTTP triggers: a request to a server DUT's management API (e.g. a REST call that makes the
//! LwM2M Server read a resource). Loopback only, like everything the harness talks to: checked by
//! `check` on the profile's template, and again on the rendered URL before it is sent.
//! Redirects are not followed (one could lead off loopback); a 3xx is a failed delivery.

use std::time::Duration;

use crate::profile::loopback::not_loopback;

/// Sends one request. A 2xx or 4xx/5xx answer is delivered (the status is logged, never judged:
/// the judgement is what arrives over CoAP); no answer, a connection failure or a redirect is not.
pub async fn request(method: &str, url: &str, body: Option<&str>, content_type: Option<&str>) -> Result<(), String> {
    if let Some(why) = not_loopback(url) {
        return Err(why);
    }
    let (method, url) = (method.to_uppercase(), url.to_string());
    let body = body.map(str::to_owned);
    let content_type = content_type.unwrap_or("application/json").to_string();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let req = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str())
            .header("content-type", content_type);
        let req = req.body(body.unwrap_or_default()).map_err(|e| e.to_string())?;
        let resp = agent.run(req).map_err(|e| format!("{method} {url}: {e}"))?;
        let status = resp.status();
        if status.is_redirection() {
            let to = resp
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("?");
            return Err(format!(
                "{method} {url} answered {status} (to {to}); redirects are not followed"
            ));
        }
        tracing::info!("HTTP trigger {method} {url}: {status}");
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener that answers every connection with `answer` (raw HTTP), on loopback.
    async fn answering(answer: &'static str) -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = [0u8; 4096];
                let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
                let _ = s.write_all(answer.as_bytes()).await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed_and_is_a_failed_delivery() {
        let addr = answering(
            "HTTP/1.1 302 Found\r\nlocation: http://example.com/\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        )
        .await;
        let e = request("POST", &format!("http://{addr}/t"), None, None)
            .await
            .unwrap_err();
        assert!(e.contains("302") && e.contains("redirects are not followed"), "{e}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_failed_delivery_naming_the_url() {
        // Bind then drop: nothing listens on the port any more.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let url = format!("http://{addr}/t");
        let e = request("POST", &url, None, None).await.unwrap_err();
        assert!(e.contains(&url), "{e}");
    }

    #[tokio::test]
    async fn a_non_loopback_url_is_refused_before_any_request() {
        let e = request("POST", "http://192.0.2.1/t", None, None).await.unwrap_err();
        assert!(e.contains("not on a loopback host"), "{e}");
    }
}

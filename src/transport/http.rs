//! HTTP triggers: a request to a server DUT's management API (e.g. a REST call that makes the
//! LwM2M Server read a resource). Loopback only, like everything the harness talks to.

use std::time::Duration;

/// Sends one request; the status and body are logged, never judged (the judgement is what
/// arrives over CoAP).
pub async fn request(method: &str, url: &str, body: Option<&str>, content_type: Option<&str>) -> Result<(), String> {
    let uri: ureq::http::Uri = url.parse().map_err(|e| format!("bad trigger URL `{url}`: {e}"))?;
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!("trigger URL `{url}` is not on a loopback address"));
    }
    let (method, url) = (method.to_uppercase(), url.to_string());
    let body = body.map(str::to_owned);
    let content_type = content_type.unwrap_or("application/json").to_string();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        let req = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str())
            .header("content-type", content_type);
        let req = req.body(body.unwrap_or_default()).map_err(|e| e.to_string())?;
        let resp = agent.run(req).map_err(|e| format!("{method} {url}: {e}"))?;
        tracing::info!("HTTP trigger {method} {url}: {}", resp.status());
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())?
}

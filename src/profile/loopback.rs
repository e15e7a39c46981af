//! The loopback promise for trigger URLs: `check` refuses a profile's URL that is not on a
//! loopback host, and the transport checks the rendered URL again before it sends.

/// Placeholders the harness fills with a loopback address of its own choosing.
const LOOPBACK_PLACEHOLDERS: [&str; 2] = ["{dut_host}", "{server_host}"];

/// Why `url` (a rendered URL or a profile's template) is not an `http://` URL on a loopback host.
pub fn not_loopback(url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Some(format!(
            "`{url}` is not an http:// URL (the harness speaks plain HTTP to loopback)"
        ));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    // `[::1]:8080`, `127.0.0.1:8080`, `{dut_host}:{dut_port}`.
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || LOOPBACK_PLACEHOLDERS.contains(&host)
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    (!loopback).then(|| format!("`{url}` is not on a loopback host; the harness sends triggers to loopback only"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_on_a_loopback_host_is_accepted() {
        for ok in [
            "http://127.0.0.1:8080/api",
            "http://127.3.4.5/x",
            "http://[::1]:80/x",
            "http://localhost/x",
            "http://{dut_host}:{dut_port}/trigger",
            "http://user@127.0.0.1/x",
        ] {
            assert_eq!(not_loopback(ok), None, "{ok}");
        }
        for bad in [
            "http://10.0.0.1/x",
            "http://example.com/x",
            "https://127.0.0.1/x",
            "http://{endpoint}/x",
            "http://127.0.0.1@evil.example/x",
            "ftp://127.0.0.1/",
        ] {
            assert!(not_loopback(bad).is_some(), "{bad}");
        }
    }
}

//! Helpers of the admin listener tests: a plain HTTP GET, reading one
//! sample out of the Prometheus text, joining a realm.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wamp::Session;
use wamp::client::JoinConfig;
use wamp::transport::ClientOptions;

/// How long anything may take before a test gives up.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// `GET path` with optional extra header lines; (status, body).
pub(crate) async fn get(addr: std::net::SocketAddr, path: &str, headers: &str) -> (u16, String) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut raw))
        .await
        .expect("reply in time")
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let status: u16 = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The value of the sample `name` whose labels include every one of `labels`
/// (summed over the samples that match); 0 when there is none.
pub(crate) fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut total = 0.0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = match line.rsplit_once(' ') {
            Some(s) => s,
            None => continue,
        };
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        if metric != name {
            continue;
        }
        if labels
            .iter()
            .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        {
            total += value.parse::<f64>().unwrap();
        }
    }
    total
}

/// Joins `realm` anonymously on `url`.
pub(crate) async fn join(url: &str, realm: &str) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::default())
        .await
        .unwrap();
    Session::join(transport, JoinConfig::new(realm))
        .await
        .unwrap()
}

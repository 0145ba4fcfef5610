//! faults.md F3 over real sockets: slow headers, slow bodies and idle keep-alive connections are
//! cut off by their timeouts, and connections over the cap are closed at once, while the
//! exchange keeps serving everyone else.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clobkit_server::app::ServerConfig;
use clobkit_server::listen::ConnLimits;
use clobkit_server::serve::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

async fn start(dir: &std::path::Path, max_connections: usize) -> Running {
    let mut config = ServerConfig::new(dir);
    config.fsync = false;
    config.conn_limits = ConnLimits {
        header_read: Duration::from_millis(800),
        body: Duration::from_millis(800),
        max_connections,
        drain: Duration::from_secs(2),
    };
    let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = server.addr;
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        server
            .run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Running { addr, stop, done }
}

/// Reads until the peer closes (or `limit` passes); returns what came and when it closed.
async fn until_closed(s: &mut TcpStream, limit: Duration) -> (String, Option<Duration>) {
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(t.elapsed()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                return (String::from_utf8_lossy(&got).into(), Some(t.elapsed()));
            }
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into(), None),
        }
    }
}

async fn healthy(addr: SocketAddr) -> bool {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (text, _) = until_closed(&mut s, Duration::from_secs(5)).await;
    text.starts_with("HTTP/1.1 200")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), 100).await;
    // slow headers: half a request line, then nothing
    let mut slow = TcpStream::connect(r.addr).await.unwrap();
    slow.write_all(b"GET /ti").await.unwrap();
    let (_, closed) = until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "slow headers: {closed:?}"
    );
    // idle keep-alive: one request, then silence
    let mut idle = TcpStream::connect(r.addr).await.unwrap();
    idle.write_all(b"GET /time HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (text, closed) = until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "idle keep-alive: {closed:?}"
    );
    // slow body: 2 of 100 declared bytes
    let mut body = TcpStream::connect(r.addr).await.unwrap();
    body.write_all(b"POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"")
        .await
        .unwrap();
    let (text, closed) = until_closed(&mut body, Duration::from_secs(5)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "slow body: {text}");
    assert!(closed.is_some(), "closed after the 408");
    assert!(healthy(r.addr).await, "everyone else is served");
    let _ = r.stop.send(());
    r.done.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_are_closed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let r = start(dir.path(), 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        // a complete request keeps each one open (keep-alive) until its idle timeout
        s.write_all(b"GET /time HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0);
        held.push(s);
    }
    let mut over = TcpStream::connect(r.addr).await.unwrap();
    let _ = over.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let (text, closed) = until_closed(&mut over, Duration::from_secs(2)).await;
    assert!(
        text.is_empty() && closed.is_some(),
        "the fourth is closed unanswered: {text:?} {closed:?}"
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(healthy(r.addr).await, "room again once they close");
    let _ = r.stop.send(());
    r.done.await.unwrap();
}

/// A lane (`Server::open_lane`) is another way into the same exchange, served by the threads of
/// the runtime it was given: what is created through it is seen through the main listener, its
/// connections are tasks of that runtime, and it closes when the server stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lane_serves_the_same_exchange_on_its_own_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let lane_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut server = Server::bind(
        ServerConfig::new(dir.path()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let lane = server.open_lane(lane_rt.handle().clone()).unwrap();
    assert!(lane.ip().is_loopback());
    assert_ne!(lane, server.addr);
    let (main, token) = (server.addr, server.admin_token.clone());
    assert_eq!(
        lane_rt.metrics().num_alive_tasks(),
        0,
        "nothing served before run"
    );
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let market = "0x7272727272727272727272727272727272727272727272727272727272727272";
    let created = http
        .post(format!("http://{lane}/admin/markets"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "condition_id": market, "tokens": ["727201", "727202"] }))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    // the lane's keep-alive connection is open: its task and the lane's accept loop run there
    assert!(lane_rt.metrics().num_alive_tasks() >= 2);
    for addr in [main, lane] {
        let got = http
            .get(format!("http://{addr}/markets/{market}"))
            .send()
            .await
            .unwrap();
        assert!(got.status().is_success(), "{addr}: {}", got.status());
        let body: serde_json::Value = got.json().await.unwrap();
        assert_eq!(body["condition_id"], market, "{addr}: {body}");
    }
    // an unauthenticated admin call is refused there as on the main listener
    let refused = http
        .post(format!("http://{lane}/admin/markets"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    drop(http);
    stop.send(()).unwrap();
    done.await.unwrap().unwrap();
    assert!(
        TcpStream::connect(lane).await.is_err(),
        "the lane still listens"
    );
    assert_eq!(lane_rt.metrics().num_alive_tasks(), 0);
    lane_rt.shutdown_background();
}

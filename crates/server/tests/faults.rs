//! Journal faults seen from the clients, over a real socket: a change whose record did not
//! become durable is never shown to anyone (readers wait for the durable point and get 503 when
//! it stops), the exchange stops by itself with an error, health says why, and a restart serves
//! exactly the durable state. A snapshot that cannot start its segment fails alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use clobkit_server::app::ServerConfig;
use clobkit_server::journal::{FaultPoint, Faults};
use clobkit_server::serve::{ServeError, Server};
use serde_json::{Value, json};

struct Running {
    base: String,
    token: String,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<Result<(), ServeError>>,
}

async fn start(dir: &Path, faults: Option<Arc<Faults>>, snapshot_every: u64) -> Running {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut config = ServerConfig::new(dir);
    config.faults = faults;
    config.snapshot_every = snapshot_every;
    let server = Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let (base, token) = (
        format!("http://{}", server.addr),
        server.admin_token.clone(),
    );
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    Running {
        base,
        token,
        stop,
        done,
    }
}

fn cond(b: u8) -> String {
    format!("0x{}", format!("{b:02x}").repeat(32))
}

async fn market(r: &Running, c: u8) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/admin/markets", r.base))
        .bearer_auth(&r.token)
        .json(&json!({ "condition_id": cond(c), "tokens": [format!("{c}1"), format!("{c}2")] }))
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

async fn get(r: &Running, path: &str) -> (u16, String) {
    let resp = reqwest::get(format!("{}{path}", r.base)).await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_journal_write_is_never_seen_and_stops_the_exchange() {
    for point in [FaultPoint::Write, FaultPoint::Fsync] {
        let dir = tempfile::tempdir().unwrap();
        let faults = Arc::new(Faults::default());
        let r = start(dir.path(), Some(faults.clone()), 1_000).await;
        assert_eq!(market(&r, 0x11).await.0, 200);
        assert_eq!(get(&r, "/").await, (200, "\"OK\"".into()));

        // the disk hangs 300 ms, then fails: meanwhile a reader polls for the new market
        faults.arm_slow(
            point,
            1,
            std::io::ErrorKind::Other,
            std::time::Duration::from_millis(300),
        );
        let reader = {
            let url = format!("{}/markets/{}", r.base, cond(0x22));
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut seen = Vec::new();
                let until = std::time::Instant::now() + std::time::Duration::from_millis(600);
                while std::time::Instant::now() < until {
                    match http.get(&url).send().await {
                        Ok(resp) => seen.push(resp.status().as_u16()),
                        Err(_) => break,
                    }
                }
                seen
            })
        };
        let (status, body) = market(&r, 0x22).await;
        assert_eq!(status, 503, "{point:?}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("the exchange stopped"),
            "{body}"
        );
        let seen = reader.await.unwrap();
        let shown = seen.iter().filter(|&&s| s == 200).count();
        assert_eq!(
            shown,
            0,
            "{point:?}: {shown} of {} reads saw the non-durable market",
            seen.len()
        );
        assert!(!seen.is_empty(), "the reader ran");
        // the new market is applied in memory but never durable: nobody sees it, nor anything
        // else: a read is refused with 503, or finds the exchange already gone
        for path in [
            format!("/markets/{}", cond(0x22)),
            format!("/markets/{}", cond(0x11)),
            "/".into(),
        ] {
            if let Ok(resp) = reqwest::get(format!("{}{path}", r.base)).await {
                let status = resp.status().as_u16();
                assert_eq!(
                    status,
                    503,
                    "{point:?} {path}: {}",
                    resp.text().await.unwrap()
                );
            }
        }
        // the exchange stops by itself, with the reason
        let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), r.done)
            .await
            .expect("the exchange stops by itself")
            .unwrap();
        assert!(
            matches!(&stopped, Err(ServeError::JournalFailed(why)) if why.contains("injected")),
            "{stopped:?}"
        );
        drop(r.stop);

        // a restart serves the durable state: the first market; the second only if its bytes
        // reached the file before the failed fsync (never acknowledged, never shown)
        let r = start(dir.path(), None, 1_000).await;
        assert_eq!(get(&r, &format!("/markets/{}", cond(0x11))).await.0, 200);
        let second = get(&r, &format!("/markets/{}", cond(0x22))).await.0;
        match point {
            FaultPoint::Write => assert_eq!(second, 404),
            _ => assert!(second == 200 || second == 404),
        }
        let _ = r.stop.send(());
        r.done.await.unwrap().unwrap();
    }
}

/// Polls `/ok` (always 200 while serving) for up to 2 s until its warning header satisfies
/// `done`; returns the last warning seen.
async fn health_warning(r: &Running, done: impl Fn(Option<&str>) -> bool) -> Option<String> {
    let mut warning = None;
    for _ in 0..50 {
        let resp = reqwest::get(format!("{}/ok", r.base)).await.unwrap();
        assert_eq!(resp.status(), 200, "still serving");
        warning = resp
            .headers()
            .get("x-clobkit-warning")
            .map(|v| v.to_str().unwrap().to_owned());
        if done(warning.as_deref()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
    warning
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_that_cannot_start_its_segment_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(Faults::default());
    // a snapshot after every record, the first two of which cannot create their segment
    let r = start(dir.path(), Some(faults.clone()), 1).await;
    faults.arm(FaultPoint::Create, 2, std::io::ErrorKind::PermissionDenied);
    assert_eq!(
        market(&r, 0x11).await.0,
        200,
        "the change is durable, its snapshot failed"
    );
    // the rotation's failure reaches the snapshot's own thread, which reports it to health
    let warning = health_warning(&r, |w| w.is_some()).await;
    assert!(
        warning
            .as_deref()
            .is_some_and(|w| w.contains("snapshots are failing")),
        "{warning:?}"
    );
    assert_eq!(market(&r, 0x22).await.0, 200);
    // the fault is used up: the next snapshot works (written off the sequencer, so health
    // clears once it is on disk)
    assert_eq!(market(&r, 0x33).await.0, 200);
    let clean = health_warning(&r, |w| w.is_none()).await.is_none();
    assert!(clean, "health is clean again");
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
    let r = start(dir.path(), None, 1_000).await;
    for c in [0x11, 0x22, 0x33] {
        assert_eq!(get(&r, &format!("/markets/{}", cond(c))).await.0, 200);
    }
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_final_snapshot_is_an_error_at_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(Faults::default());
    let r = start(dir.path(), Some(faults.clone()), 1_000).await;
    assert_eq!(market(&r, 0x11).await.0, 200);
    faults.arm(FaultPoint::Create, 1, std::io::ErrorKind::Other);
    let _ = r.stop.send(());
    let stopped = r.done.await.unwrap();
    assert!(
        matches!(stopped, Err(ServeError::FinalSnapshot(_))),
        "{stopped:?}"
    );
    // the journal had it
    let r = start(dir.path(), None, 1_000).await;
    assert_eq!(get(&r, &format!("/markets/{}", cond(0x11))).await.0, 200);
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
}

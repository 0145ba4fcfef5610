//! Journal faults seen from the clients, over a real socket: a change whose record did not
//! become durable is never shown to anyone (readers wait for the durable point and get 503 when
//! it stops), the exchange stops by itself with an error, health says why, and a restart serves
//! exactly the durable state. A snapshot that cannot start its segment fails alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use clobkit_core::wire::errors as msg;
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

/// Creates the markets of `conditions` (each must be acknowledged) until health has no warning;
/// whether it cleared.
async fn markets_until_healthy(r: &Running, conditions: std::ops::Range<u8>) -> bool {
    for c in conditions {
        assert_eq!(market(r, c).await.0, 200);
        if health_warning(r, |w| w.is_none()).await.is_none() {
            return true;
        }
    }
    false
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
    // the fault is used up: a later snapshot works and health clears once it is on disk (a
    // snapshot falling due while the previous one is still being written waits for the next
    // record, so a few records may pass before one is taken)
    assert!(
        markets_until_healthy(&r, 0x33..0x3a).await,
        "health is clean again"
    );
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

/// A tmpfs of `size` mounted on a new folder, unmounted on drop. `None` where mounting is not
/// allowed (these tests need root, as `.ci/run` has; elsewhere they say so and pass).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: mounting a tmpfs needs root (.ci/run runs as root)");
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success(), "remount {options}");
    }

    /// Fills the file system but `free` bytes with a ballast file.
    fn fill_but(&self, free: u64) {
        use std::io::Write;
        let path = self.path().join("ballast");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 << 10];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.flush();
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(free)).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_changes_with_nothing_applied_and_writing_resumes_by_itself() {
    let Some(disk) = Tmpfs::mount("16m") else {
        return;
    };
    let data = disk.path().join("data");
    let r = start(&data, None, 1_000_000).await;
    assert_eq!(numbered_market(&r, 1).await.unwrap().0, 200);
    disk.fill_but(96 << 10);
    // write until the disk is full: every answer is 200 or the clear 503 of a full disk
    let (mut acknowledged, mut refused) = (vec![1u32], Vec::new());
    for n in 2..3_000u32 {
        let (status, body) = numbered_market(&r, n).await.expect("still serving");
        match status {
            200 => acknowledged.push(n),
            503 => {
                assert!(body.contains(msg::JOURNAL_NO_ROOM), "market {n}: {body}");
                refused.push(n);
                if refused.len() == 3 {
                    break;
                }
            }
            other => panic!("market {n}: {other} {body}"),
        }
    }
    assert_eq!(refused.len(), 3, "the disk filled up within 3,000 markets");
    assert!(acknowledged.len() > 2, "{} markets fit", acknowledged.len());
    // meanwhile reads go on, health says why, and a refused change was never applied
    for n in &acknowledged {
        let (status, _) = get(&r, &format!("/markets/{}", condition(*n))).await;
        assert_eq!(status, 200, "acknowledged market {n}");
    }
    for n in &refused {
        let (status, _) = get(&r, &format!("/markets/{}", condition(*n))).await;
        assert_eq!(status, 404, "refused market {n} is not there");
    }
    let warning = health_warning(&r, |w| w.is_some_and(|w| w.contains("No space"))).await;
    assert!(
        warning
            .as_deref()
            .is_some_and(|w| w.contains("changes are refused until the disk has room")),
        "{warning:?}"
    );

    // room again: writing resumes by itself, without a restart
    std::fs::remove_file(disk.path().join("ballast")).unwrap();
    assert_eq!(numbered_market(&r, 5_000).await.unwrap().0, 200);
    acknowledged.push(5_000);
    assert_eq!(health_warning(&r, |w| w.is_none()).await, None);
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();

    // and a restart serves every acknowledged change, and none of the refused ones
    let r = start(&data, None, 1_000_000).await;
    for n in &acknowledged {
        let (status, _) = get(&r, &format!("/markets/{}", condition(*n))).await;
        assert_eq!(status, 200, "acknowledged market {n} after a restart");
    }
    for n in &refused {
        assert_eq!(get(&r, &format!("/markets/{}", condition(*n))).await.0, 404);
    }
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_that_cannot_reserve_room_refuses_changes_until_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(Faults::default());
    let r = start(dir.path(), Some(faults.clone()), 1_000_000).await;
    assert_eq!(market(&r, 0x11).await.0, 200);
    // a new segment (at a restart) reserves with its first record: fail it three times
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
    let r = start(dir.path(), Some(faults.clone()), 1_000_000).await;
    faults.arm(FaultPoint::Reserve, 3, std::io::ErrorKind::StorageFull);
    for c in [0x22, 0x33, 0x44] {
        let (status, body) = market(&r, c).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"].as_str(), Some(msg::JOURNAL_NO_ROOM), "{body}");
        assert_eq!(get(&r, &format!("/markets/{}", cond(c))).await.0, 404);
    }
    assert_eq!(get(&r, &format!("/markets/{}", cond(0x11))).await.0, 200);
    let warning = health_warning(&r, |w| w.is_some()).await;
    assert!(warning.is_some_and(|w| w.contains("injected Reserve fault")));
    // the fault is used up: the next change goes through, health is clean
    assert_eq!(market(&r, 0x55).await.0, 200);
    assert_eq!(health_warning(&r, |w| w.is_none()).await, None);
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_data_folder_is_refused_at_start_with_the_reason() {
    let Some(disk) = Tmpfs::mount("16m") else {
        return;
    };
    let data = disk.path().join("data");
    let r = start(&data, None, 1_000_000).await;
    assert_eq!(market(&r, 0x11).await.0, 200);
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();

    disk.remount("ro");
    let mut config = ServerConfig::new(&data);
    config.snapshot_every = 1_000_000;
    match Server::bind(config, SocketAddr::from(([127, 0, 0, 1], 0))).await {
        Err(e @ ServeError::Start(_)) => {
            let why = e.to_string();
            assert!(why.contains("Read-only file system"), "{why}");
            assert!(why.contains(&data.display().to_string()), "{why}");
        }
        Err(other) => panic!("expected a start-up error, got {other}"),
        Ok(_) => panic!("a read-only folder cannot take a journal, yet the exchange started"),
    }
    // nothing was changed: writable again, the same state is served
    disk.remount("rw");
    let r = start(&data, None, 1_000_000).await;
    assert_eq!(get(&r, &format!("/markets/{}", cond(0x11))).await.0, 200);
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_that_cannot_be_renamed_into_place_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(Faults::default());
    let r = start(dir.path(), Some(faults.clone()), 1).await;
    faults.arm(FaultPoint::Rename, 2, std::io::ErrorKind::PermissionDenied);
    assert_eq!(market(&r, 0x11).await.0, 200);
    let warning = health_warning(&r, |w| w.is_some()).await;
    assert!(
        warning.is_some_and(|w| w.contains("injected Rename fault")),
        "the failed rename is reported"
    );
    // every change is acknowledged meanwhile; once the fault is used up a snapshot lands
    assert!(
        markets_until_healthy(&r, 0x22..0x2a).await,
        "health is clean again"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary snapshot left: {leftovers:?}"
    );
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
    let r = start(dir.path(), None, 1_000).await;
    for c in [0x11, 0x22] {
        assert_eq!(get(&r, &format!("/markets/{}", cond(c))).await.0, 200);
    }
    let _ = r.stop.send(());
    r.done.await.unwrap().unwrap();
}

fn condition(n: u32) -> String {
    format!("0x{:064x}", n)
}

/// Creates market `n` (condition [`condition`]); `None` if the exchange no longer answers.
async fn numbered_market(r: &Running, n: u32) -> Option<(u16, String)> {
    let resp = reqwest::Client::new()
        .post(format!("{}/admin/markets", r.base))
        .bearer_auth(&r.token)
        .json(
            &json!({ "condition_id": condition(n), "tokens": [format!("{n}1"), format!("{n}2")] }),
        )
        .send()
        .await
        .ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.text().await.unwrap_or_default()))
}

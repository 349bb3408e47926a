//! Headless Chromium (Debian's `chromium`) opening a page that reports what
//! it saw by POSTing JSON to a listener here, so a slow machine only makes
//! a test wait; and screenshots of pages.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A listener for one page's report; the page POSTs to `url()`.
pub struct Reports {
    listener: TcpListener,
}

impl Reports {
    pub fn new() -> Reports {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Reports { listener }
    }

    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/",
            self.listener.local_addr().unwrap().port()
        )
    }

    /// Opens `page` (a file) in Chromium and returns the first JSON body
    /// posted to `url()`, within 90 seconds.
    pub fn open(&self, page: &Path) -> Value {
        let profile = tempfile::TempDir::new().unwrap();
        let mut browser = chromium(profile.path())
            .arg(format!("file://{}", page.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("this test needs Debian's chromium: `bash scripts/test` installs it");
        let report = self.wait(&mut browser);
        let _ = browser.kill();
        let _ = browser.wait();
        serde_json::from_str(&report).unwrap()
    }

    fn wait(&self, browser: &mut Child) -> String {
        let started = Instant::now();
        loop {
            match self.listener.accept() {
                Ok((mut stream, _)) => {
                    if let Some(body) = body(&mut stream) {
                        return body;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if started.elapsed() > Duration::from_secs(90) {
                        let _ = browser.kill();
                        panic!("Chromium reported nothing in 90 s");
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// A request's body (headers, then as many bytes as Content-Length says),
/// answered with 204; `None` if it has none (a preflight).
fn body(stream: &mut std::net::TcpStream) -> Option<String> {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    let body = loop {
        let n = stream.read(&mut buffer).unwrap();
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length || n == 0 {
                break body.to_string();
            }
        }
        if n == 0 {
            break String::new();
        }
    };
    let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: *\r\n\r\n");
    (!body.is_empty()).then_some(body)
}

fn chromium(profile: &Path) -> Command {
    let mut command = Command::new("chromium");
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
        "--autoplay-policy=no-user-gesture-required",
        &format!("--user-data-dir={}", profile.display()),
    ]);
    command
}

/// A screenshot of `page` at `width`x`height`, written to `out` (PNG).
pub fn screenshot(page: &Path, out: &Path, (width, height): (u32, u32)) {
    let profile = tempfile::TempDir::new().unwrap();
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let status = chromium(profile.path())
        .args([
            "--hide-scrollbars",
            &format!("--window-size={width},{height}"),
            &format!("--screenshot={}", out.display()),
            &format!("file://{}", page.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("this test needs Debian's chromium: `bash scripts/test` installs it");
    assert!(status.success(), "chromium --screenshot failed");
}

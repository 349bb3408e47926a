//! Debian's nginx, started by a test on loopback with its WebDAV module:
//! the server a team would put the remote cache on. Runs as one process in
//! the foreground (`master_process off`), so it writes as the test's user
//! and dies with its handle.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub struct Nginx {
    dir: TempDir,
    port: u16,
    child: Child,
}

/// The nginx program: on PATH, or where Debian puts it (/usr/sbin is not
/// on every user's PATH).
fn program() -> PathBuf {
    let on_path = Command::new("nginx")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if on_path {
        PathBuf::from("nginx")
    } else {
        PathBuf::from("/usr/sbin/nginx")
    }
}

impl Nginx {
    /// Serves `/pod-cache/` (GET, HEAD, PUT), `/private/` (the same behind
    /// basic auth as `pod:secret`) and `/broken/` (always 500).
    pub fn start() -> Nginx {
        Nginx::start_with(false)
    }

    /// As `start`, with `/full/` a WebDAV location on a 4 KiB tmpfs: a
    /// server whose disk is full. nginx runs in a mount namespace of its
    /// own (`unshare`, as root or in a user namespace) where that tmpfs is
    /// mounted, so nothing outside the test sees it.
    pub fn start_on_a_full_disk() -> Nginx {
        Nginx::start_with(true)
    }

    fn start_with(full_disk: bool) -> Nginx {
        let dir = TempDir::new().unwrap();
        let port = free_port();
        let root = dir.path();
        for sub in ["www/pod-cache", "www/private", "www/full", "tmp"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        // nginx's own plain-text scheme: no hashing tool needed.
        fs::write(root.join("htpasswd"), "pod:{PLAIN}secret\n").unwrap();
        let r = root.display();
        let dav = "dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; \
                   client_max_body_size 0;";
        let conf = format!(
            "daemon off;
master_process off;
worker_processes 1;
pid {r}/nginx.pid;
error_log {r}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {r}/access.log;
    client_body_temp_path {r}/tmp/body;
    proxy_temp_path {r}/tmp/proxy;
    fastcgi_temp_path {r}/tmp/fastcgi;
    uwsgi_temp_path {r}/tmp/uwsgi;
    scgi_temp_path {r}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {r}/www;
        location /pod-cache/ {{ {dav} }}
        location /private/ {{
            auth_basic \"pod cache\";
            auth_basic_user_file {r}/htpasswd;
            {dav}
        }}
        location /broken/ {{ return 500; }}
        location /full/ {{ {dav} }}
    }}
}}
"
        );
        fs::write(root.join("nginx.conf"), conf).unwrap();
        let mut command = if full_disk {
            let mut command = Command::new("unshare");
            // As root a mount namespace is enough; otherwise map the user
            // to root in a user namespace of its own.
            let root_user = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
            command.args(if root_user {
                &["--mount"][..]
            } else {
                &["--mount", "--map-root-user"][..]
            });
            command.args([
                "sh",
                "-c",
                "mount -t tmpfs -o size=4k tmpfs \"$1/www/full\" && exec \"$2\" -p \"$1\" -c \"$1/nginx.conf\"",
                "sh",
            ]);
            command.arg(root).arg(program());
            command
        } else {
            let mut command = Command::new(program());
            command
                .args(["-p", &r.to_string(), "-c"])
                .arg(root.join("nginx.conf"));
            command
        };
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nginx runs (Debian package nginx-light; scripts/test installs it)");
        let nginx = Nginx { dir, port, child };
        nginx.wait_until_listening();
        nginx
    }

    fn wait_until_listening(&self) {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not start: {}",
                fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `http://127.0.0.1:PORT/<location>/`.
    pub fn url(&self, location: &str) -> String {
        format!("http://127.0.0.1:{}/{location}/", self.port)
    }

    /// Where `location`'s files are on disk.
    pub fn files(&self, location: &str) -> PathBuf {
        self.dir.path().join("www").join(location)
    }

    /// Every file under `location`, by its path relative to it.
    pub fn stored(&self, location: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        collect(&self.files(location), Path::new(""), &mut found);
        found.sort();
        found
    }

    pub fn access_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    pub fn error_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// Stops the server (its port then refuses connections).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

fn collect(dir: &Path, relative: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = relative.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            collect(&entry.path(), &name, found);
        } else {
            found.push(name);
        }
    }
}

/// A port nothing listens on (just freed by the OS).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#!/usr/bin/env python3
"""Remote cache benchmark (issue 12), ratios within one run.

On the bench project (bench/generate.py; default 4 episodes x 40 sentences,
hibari voice), with one nginx WebDAV remote on loopback:
1. Two CI runners in sequence, each with an empty target directory: the
   first builds cold and uploads; the second must synthesise nothing.
   Reported: each runner's time over a cold build without a remote.
2. A no-op build with a warm local cache, with the remote set against
   without it (median of --repeat runs each). Target: under 1.10.

    python3 bench/remote/bench.py [--episodes 4] [--sentences 40] [--repeat 7]
POD=path/to/pod uses that binary (default target/release/pod). Needs nginx.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
POD = os.environ.get("POD") or os.path.join(REPO, "target", "release", "pod")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(work):
    port = free_port()
    for sub in ("www/pod-cache", "tmp"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off; master_process off; worker_processes 1;
pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 256; }}
http {{ access_log off; client_body_temp_path {work}/tmp/body;
  proxy_temp_path {work}/tmp/p; fastcgi_temp_path {work}/tmp/f; uwsgi_temp_path {work}/tmp/u; scgi_temp_path {work}/tmp/s;
  server {{ listen 127.0.0.1:{port}; root {work}/www;
    location /pod-cache/ {{ dav_methods PUT; create_full_put_path on; client_max_body_size 0; }} }} }}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-p", work, "-c", conf], stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, f"http://127.0.0.1:{port}/pod-cache/"
        except OSError:
            time.sleep(0.02)
    sys.exit("nginx did not start")


def build(project, target, *extra):
    """Seconds, and the build-finished message."""
    env = dict(os.environ, CI="1")
    started = time.perf_counter()
    out = subprocess.run([POD, "build", "--message-format", "json", "--target-dir", target, *extra],
                         cwd=project, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"pod build failed:\n{out.stderr}")
    finished = [json.loads(l) for l in out.stdout.splitlines() if '"build-finished"' in l][0]
    return elapsed, finished


def total(finished, field):
    return sum(c.get(field, 0) for c in finished["counts"].values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=4)
    ap.add_argument("--sentences", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="pod-remote-bench-")
    project = os.path.join(work, "project")
    subprocess.run([sys.executable, os.path.join(REPO, "bench", "generate.py"), project,
                    str(args.episodes), str(args.sentences)], check=True)
    nginx, url = start_nginx(os.path.join(work, "server"))
    try:
        cold, _ = build(project, os.path.join(work, "t-cold"), "--no-remote")
        first, f1 = build(project, os.path.join(work, "t-runner1"), "--remote", url)
        second, f2 = build(project, os.path.join(work, "t-runner2"), "--remote", url)
        assert total(f2, "executed") == 0, f2
        synthesised = sum(c["synthesised"] for c in f2["characters"].values())
        assert synthesised == 0, f2
        print(f"project: {args.episodes} episodes x {args.sentences} sentences")
        print(f"cold build, no remote:         {cold:7.2f} s")
        print(f"runner 1 (cold + upload):      {first:7.2f} s  ({first / cold:.2f} of cold)")
        print(f"runner 2 (all from remote):    {second:7.2f} s  ({second / cold:.3f} of cold), "
              f"{total(f2, 'remote')} steps downloaded, 0 synthesised")

        warm = os.path.join(work, "t-runner2")
        with_remote, without = [], []
        for _ in range(args.repeat):
            without.append(build(project, warm, "--no-remote")[0])
            with_remote.append(build(project, warm, "--remote", url)[0])
        ratio = statistics.median(with_remote) / statistics.median(without)
        print(f"no-op, warm local cache: {statistics.median(without) * 1000:.1f} ms without remote, "
              f"{statistics.median(with_remote) * 1000:.1f} ms with; ratio {ratio:.3f} (target < 1.10)")
    finally:
        nginx.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

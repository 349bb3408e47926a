#!/usr/bin/env python3
"""Cold build over HTTP against a server that takes 200 ms a request.

A project of SENTENCES sentences, all on one `http` voice pointed at the
test server (tests/engines/openai_server.py --latency 0.2, a fresh server
for each setting), built cold with `[engines.http] max_concurrent` = 1, 4
and 8 (and `-j 2`, the CPU workers). pod sends network sentences from
threads of their own (src/exec/requests.rs), so with max_concurrent N it
should keep N requests in flight whatever -j is.

For each setting: wall time of the build, requests (from the server's
GET /log; a sentence is one request per part, split at , ; :), ideal =
requests x latency / max_concurrent, wall / ideal (near 1: pod keeps
max_concurrent requests in flight), and the server's most_at_once. Also
the span from the first request's start to the last one's end (wall minus
span is pod's own start-up and tail: planning, assembly, WAV), and the
server's mean time per request (above the latency: the server's own CPU,
which makes tones in Python under one GIL), and the time a request slot
stood empty between an answer and the next request.

The test server sets TCP_NODELAY, as real servers do: before it did, its
Nagle + delayed-ACK added about 40 ms to each request (see README.md).

    python3 bench/engines/http_latency.py [--sentences 200] [--latency 0.2] [--concurrent 1 4 8] [-j 2]

Needs python3 only. POD=path/to/pod uses that binary (and skips cargo build).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POD = os.environ.get("POD") or os.path.join(REPO, "target", "release", "pod")
SERVER = os.path.join(REPO, "tests", "engines", "openai_server.py")
WORDS = ("build cache voice sentence episode podcast script audio chapter pause "
         "engine listener morning river signal quiet bright window garden number "
         "system careful simple rapid second minute story studio music").split()
PER_EPISODE = 50
RATE = 16000  # the test server's tones


def project(root, url, sentences, concurrent):
    os.makedirs(os.path.join(root, "episodes"))
    with open(os.path.join(root, "podcast.toml"), "w") as f:
        f.write('[podcast]\ntitle = "Bench"\nepisodes = ["episodes/*.md"]\n\n'
                f'[voice]\nengine = "http"\nurl = "{url}"\nmodel = "tone-1"\nvoice = "ash"\n\n'
                f'[engines.http]\nmax_concurrent = {concurrent}\n\n'
                f'[output]\nsample_rate = {RATE}\nformats = ["wav"]\n')
    rng = random.Random(42)
    for e in range((sentences + PER_EPISODE - 1) // PER_EPISODE):
        lines = []
        for s in range(e * PER_EPISODE, min(sentences, (e + 1) * PER_EPISODE)):
            # Short sentences: the server makes each character's tone in
            # Python, so long ones would load it more than pod.
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6)))
            if rng.random() < 0.3:
                text = text.replace(" ", ", ", 1)
            lines.append(f"{text.capitalize()} {s}." + ("\n\n" if s % 5 == 4 else " "))
        with open(os.path.join(root, "episodes", f"ep{e:02}.md"), "w") as f:
            f.write(f'+++\ntitle = "Episode {e}"\n+++\n\n' + "".join(lines) + "\n")


def run(server_script, sentences, latency, concurrent, jobs):
    server = subprocess.Popen([sys.executable, server_script, "--latency", str(latency)],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        with tempfile.TemporaryDirectory() as root:
            project(root, url, sentences, concurrent)
            started = time.monotonic()
            out = subprocess.run([POD, "build", "-q", "-j", str(jobs), "--message-format", "json"],
                                 cwd=root, capture_output=True, text=True, env=dict(os.environ, CI="1"))
            wall = time.monotonic() - started
            if out.returncode != 0:
                sys.exit(f"pod failed: {out.stderr}{out.stdout[-2000:]}")
            counts = next(json.loads(l) for l in out.stdout.splitlines()
                          if '"build-finished"' in l)["counts"]
        log = json.load(urllib.request.urlopen(f"{url}/log"))
    finally:
        server.kill()
        server.wait()
    requests = log["requests"]
    bad = [r for r in requests if r.get("answered") != 200]
    if bad:
        sys.exit(f"{len(bad)} requests not answered 200: {bad[:3]}")
    n = len(requests)
    span = max(r["end"] for r in requests) - min(r["start"] for r in requests)
    service = sum(r["end"] - r["start"] for r in requests) / n
    # Time a request slot stood empty, on average, between the server's
    # answer and pod's next request on it: client, network and TCP.
    idle = (span * concurrent - service * n) / n
    return {
        "concurrent": concurrent, "wall": wall, "requests": n, "tts": counts["tts"]["executed"],
        "ideal": n * latency / concurrent, "most": log["most_at_once"], "span": span, "service": service, "idle": idle,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrent", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    if "POD" not in os.environ:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    print(f"project: {args.sentences} sentences ({PER_EPISODE} an episode), one http voice, WAV out; "
          f"server latency {args.latency * 1000:.0f} ms a request; pod -j {args.jobs}")
    for name, script in [("tests/engines/openai_server.py", SERVER)]:
        print(f"\nserver: {name}")
        print(f"{'max_concurrent':>14} {'wall s':>8} {'requests':>8} {'ideal s':>8} {'wall/ideal':>10} "
              f"{'most_at_once':>12} {'span s':>7} {'span/ideal':>10} {'server s/req':>12} {'idle ms/req':>11}")
        for concurrent in args.concurrent:
            r = run(script, args.sentences, args.latency, concurrent, args.jobs)
            print(f"{r['concurrent']:>14} {r['wall']:>8.2f} {r['requests']:>8} {r['ideal']:>8.2f} "
                  f"{r['wall'] / r['ideal']:>10.2f} {r['most']:>12} {r['span']:>7.2f} "
                  f"{r['span'] / r['ideal']:>10.2f} {r['service']:>12.3f} {r['idle'] * 1000:>11.1f}",
                  flush=True)
    print("\nideal = requests x latency / max_concurrent; span = first request's start to last one's end "
          "(server clock); server s/req = mean time a request spent in the server; idle ms/req = "
          "(span x max_concurrent - time in the server) / requests, the time a slot stood empty "
          "between answer and next request")


if __name__ == "__main__":
    main()

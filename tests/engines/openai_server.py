#!/usr/bin/env python3
"""An OpenAI-compatible speech server for pod's tests: POST /v1/audio/speech
answers with real audio (tone.py's tones for the input text) and can be
told to misbehave. Standard library only; loopback only.

    openai_server.py [--key KEY] [--latency SECONDS]

Prints its port on the first line of stdout, then serves until killed.

Control (JSON bodies):
    POST /control {"plan": [{"status": 429, "retry_after": 1}, ...]}
        The next requests are answered by the plan, one entry each, in
        order; after it runs out, normally. Entries: {"status": N,
        "retry_after": S?, "body": "..."?}, {"stall": S} (answer after S
        seconds), {"drop": true} (close the connection without answering),
        {"garbage": true} (200 with bytes that are not audio).
    POST /control {"reject_key": true} -- every request answers 401.
    GET /log -> {"requests": [...], "most_at_once": N}
        Each request: input, voice, model, speed, instructions,
        response_format, authorization (the header as received), start,
        end (monotonic seconds), answered (the status, or "drop").
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tone import tone_wav  # noqa: E402

LOCK = threading.Lock()
STATE = {"plan": [], "reject_key": False, "log": [], "running": 0, "most": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits
    # for the client's delayed ACK (40 ms on Linux), as real servers do not.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def do_GET(self):
        if self.path != "/log":
            return self.send(404, b'{"error": {"message": "not found"}}')
        with LOCK:
            log = {"requests": STATE["log"], "most_at_once": STATE["most"]}
            data = json.dumps(log).encode()
        self.send(200, data)

    def do_POST(self):
        if self.path == "/control":
            control = json.loads(self.body() or b"{}")
            with LOCK:
                if "plan" in control:
                    STATE["plan"] = list(control["plan"])
                if "reject_key" in control:
                    STATE["reject_key"] = bool(control["reject_key"])
            return self.send(200, b"{}")
        if self.path != "/v1/audio/speech":
            return self.send(404, b'{"error": {"message": "no such endpoint"}}')
        request = json.loads(self.body() or b"{}")
        with LOCK:
            STATE["running"] += 1
            STATE["most"] = max(STATE["most"], STATE["running"])
            entry = STATE["plan"].pop(0) if STATE["plan"] else {}
            record = {
                key: request.get(key)
                for key in ("input", "voice", "model", "speed", "instructions", "response_format")
            }
            record["authorization"] = self.headers.get("Authorization")
            record["start"] = time.monotonic()
            STATE["log"].append(record)
        try:
            record["answered"] = self.answer(request, entry)
        finally:
            with LOCK:
                STATE["running"] -= 1
                record["end"] = time.monotonic()

    def answer(self, request, entry):
        if ARGS.latency:
            time.sleep(ARGS.latency)
        if STATE["reject_key"] or (
            ARGS.key and self.headers.get("Authorization") != f"Bearer {ARGS.key}"
        ):
            self.send(401, b'{"error": {"message": "Incorrect API key provided."}}')
            return 401
        if entry.get("stall"):
            time.sleep(entry["stall"])
        if entry.get("drop"):
            self.close_connection = True
            self.connection.shutdown(2)
            return "drop"
        if entry.get("garbage"):
            self.send(200, b"<html>maintenance</html>", "text/html")
            return 200
        if "status" in entry:
            headers = []
            if "retry_after" in entry:
                headers.append(("Retry-After", str(entry["retry_after"])))
            message = entry.get("body", f"planned {entry['status']}")
            body = json.dumps({"error": {"message": message}}).encode()
            self.send(entry["status"], body, headers=headers)
            return entry["status"]
        text = request.get("input", "")
        if not text:
            self.send(400, b'{"error": {"message": "input is empty"}}')
            return 400
        wav = tone_wav(text, f"{request.get('voice')}{request.get('speed')}")
        if request.get("response_format") == "pcm":
            # OpenAI's pcm: raw 16-bit mono at 24 kHz; the tones are 16 kHz,
            # so each sample is stretched by 3/2 (nearest), which is enough.
            samples = wav[44:]
            count = len(samples) // 2
            out = bytearray()
            for i in range(count * 3 // 2):
                j = i * 2 // 3
                out += samples[2 * j : 2 * j + 2]
            self.send(200, bytes(out), "audio/pcm")
        else:
            self.send(200, wav, "audio/wav")
        return 200


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--key")
    parser.add_argument("--latency", type=float, default=0.0)
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # A connection dropped on purpose is no error worth a traceback.
    server.handle_error = lambda request, address: None
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

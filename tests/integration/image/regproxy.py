#!/usr/bin/env python3
"""regproxy.py PORT UPSTREAM_PORT LOG [--basic] [--redirect-blobs] [--cut-after N]

A registry front for the tests, on 127.0.0.1:PORT, forwarding to a plain
registry on UPSTREAM_PORT:
  --basic           demand Basic auth (hull/secret) like a private registry;
  --redirect-blobs  answer blob GETs with 307 to a "blob store" on PORT+1,
                    which logs whether an Authorization header came along;
  --cut-after N     the first blob GET sends N bytes, then drops the connection;
  --slow            blobs over 1 MB trickle out (64 KiB every 50 ms).
Every request line and its Range header are appended to LOG."""
import base64, http.client, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UP, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
BASIC = "--basic" in sys.argv
REDIRECT = "--redirect-blobs" in sys.argv
SLOW = "--slow" in sys.argv
CUT = int(sys.argv[sys.argv.index("--cut-after") + 1]) if "--cut-after" in sys.argv else None
state = {"cut_done": False}
lock = threading.Lock()


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def forward(h, path, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", UP)
    headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "authorization")}
    body = None
    n = int(h.headers.get("Content-Length") or 0)
    if n:
        body = h.rfile.read(n)
    conn.request(method, path, body=body, headers=headers)
    return conn.getresponse()


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self, method):
        log("%s %s range=%s auth=%s accept=%s" % (method, self.path, self.headers.get("Range"),
                                                  "yes" if self.headers.get("Authorization") else "no",
                                                  self.headers.get("Accept")))
        if BASIC:
            want = "Basic " + base64.b64encode(b"hull:secret").decode()
            if self.headers.get("Authorization") != want:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="hull-test"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        is_blob = method == "GET" and "/blobs/sha256:" in self.path
        if is_blob and REDIRECT:
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.1:%d/store%s?sig=abc" % (PORT + 1, self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        r = forward(self, self.path, method)
        data = r.read()
        cut = False
        with lock:
            if is_blob and CUT is not None and not state["cut_done"] and r.status == 200 and len(data) > CUT:
                state["cut_done"] = cut = True
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection"):
                self.send_header(k, v)
        self.end_headers()
        if method == "HEAD":
            return
        if cut:
            self.wfile.write(data[:CUT])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if SLOW and is_blob and len(data) > 1000000:
            for i in range(0, len(data), 65536):
                self.wfile.write(data[i:i + 65536])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(data)

    def do_GET(self):
        self.relay("GET")

    def do_HEAD(self):
        self.relay("HEAD")

    def do_POST(self):
        self.relay("POST")

    def do_PUT(self):
        self.relay("PUT")

    def do_PATCH(self):
        self.relay("PATCH")


class Store(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        log("STORE %s auth=%s" % (self.path, "yes" if self.headers.get("Authorization") else "no"))
        path = self.path[len("/store"):].split("?")[0]
        r = forward(self, path)
        data = r.read()
        self.send_response(r.status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if REDIRECT:
    threading.Thread(target=ThreadingHTTPServer(("127.0.0.1", PORT + 1), Store).serve_forever, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()

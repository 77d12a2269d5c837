#!/usr/bin/env python3
"""A front for the tests' real docker-registry: counts requests, and misbehaves on demand.

Forwards every request to the registry at UPSTREAM, except as MODE says:
  pass      nothing: only count
  flaky     the first 2 requests for each path get 503 (and one a 429 with Retry-After)
  redirect  blob requests get a 307 to the registry under another host name
            ("localhost" instead of "127.0.0.1"), as registries backed by object storage do
            with pre-signed URLs (the proxy itself carries the credentials across, as the
            signature would); a request arriving there with an Authorization header is
            refused, since credentials must never follow a redirect to another host
  corrupt   blob bodies come back with one byte changed
Every request is counted in COUNTS (a file of "METHOD PATH" lines).

usage: proxy.py PORT UPSTREAM_PORT MODE COUNTS
"""
import http.client
import http.server
import sys
import threading

port, upstream, mode, counts = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
seen = {}
presigned = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers=(), body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self):
        conn = http.client.HTTPConnection("127.0.0.1", upstream)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        if self.path in presigned and presigned[self.path]:
            headers["Authorization"] = presigned[self.path]
        conn.request(self.command, self.path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if mode == "corrupt" and "/blobs/" in self.path and len(body) > 100:
            body = body[:50] + bytes([body[50] ^ 1]) + body[51:]
        hdrs = [(k, v) for k, v in resp.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        if mode == "redirect" and "www-authenticate" in (k.lower() for k, _ in hdrs):
            hdrs = [(k, v.replace(f"127.0.0.1:{upstream}", f"127.0.0.1:{port}")) for k, v in hdrs]
        self.reply(resp.status, hdrs, body if self.command != "HEAD" else b"")

    def handle_any(self):
        with lock:
            with open(counts, "a") as f:
                f.write(f"{self.command} {self.path} {self.headers.get('Host')}\n")
            n = seen.get(self.path, 0)
            seen[self.path] = n + 1
        host = self.headers.get("Host", "")
        if mode == "flaky" and n < 2:
            if n == 0:
                self.reply(503, [("Content-Type", "text/plain")], b"try again")
            else:
                self.reply(429, [("Retry-After", "1")], b"slow down")
            return
        if mode == "redirect" and "/blobs/" in self.path and host.startswith("127.0.0.1"):
            auth = self.headers.get("Authorization")
            if auth:
                with lock:
                    presigned[self.path] = auth
            self.reply(307, [("Location", f"http://localhost:{port}{self.path}")])
            return
        if mode == "redirect" and host.startswith("localhost") and self.headers.get("Authorization"):
            self.reply(400, [], b"credentials followed a redirect to another host")
            return
        self.forward()

    do_GET = do_HEAD = handle_any


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

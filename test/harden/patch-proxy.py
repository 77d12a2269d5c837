#!/usr/bin/env python3
"""A front for the tests' real docker-registry that spoils uploads, for the push tests.

Forwards every request to the registry at UPSTREAM (the Host header kept, so that the upload
Locations the registry hands out point back here), except as MODE says:
  pass           nothing: only count
  corrupt-first  the first upload body (a PUT or PATCH with bytes) has one byte changed: the
                 registry refuses its digest, and the client must start the upload again
  corrupt-all    every upload body has one byte changed
  cut-first      the first upload body is cut half-way: half goes to the registry, then both
                 connections close without an answer
  wrong-digest   a blob upload's 201 answer names another digest than the one stored
  lost-blob      a HEAD of a blob answers 200 with another size than the blob's
Every request is counted in COUNTS, one "METHOD PATH BODY-BYTES" line each.

usage: patch-proxy.py PORT UPSTREAM_PORT MODE COUNTS
"""
import http.client
import http.server
import sys
import threading

port, upstream, mode, counts = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
spoiled = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock, open(counts, "a") as f:
            f.write(f"{self.command} {self.path} {len(body)}\n")
        upload = self.command in ("PUT", "PATCH") and "/blobs/uploads/" in self.path and body
        spoil = False
        if upload and mode in ("corrupt-first", "cut-first", "corrupt-all"):
            with lock:
                spoil = mode == "corrupt-all" or spoiled[0] == 0
                spoiled[0] += 1
        if spoil and mode == "cut-first":
            # Half the body reaches the registry (as Content-Length says all of it comes),
            # then nobody hears anything more.
            conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=5)
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            conn.send(body[: len(body) // 2])
            conn.close()
            self.close_connection = True
            return
        if spoil:
            i = len(body) // 2
            body = body[:i] + bytes([body[i] ^ 0x20]) + body[i + 1:]
        conn = http.client.HTTPConnection("127.0.0.1", upstream)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() != "content-length":
                conn.putheader(k, v)
        if self.command in ("PUT", "PATCH", "POST"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        hdrs = [(k, v) for k, v in resp.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        if mode == "wrong-digest" and self.command == "PUT" and resp.status == 201 and "/blobs/" in self.path:
            hdrs = [(k, "sha256:" + "0" * 64 if k.lower() == "docker-content-digest" else v) for k, v in hdrs]
        length = resp.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
        if mode == "lost-blob" and self.command == "HEAD" and resp.status == 200 and "/blobs/" in self.path:
            length = "3"
        self.send_response(resp.status)
        for k, v in hdrs:
            self.send_header(k, v)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_PATCH = do_POST = do_DELETE = handle_any


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

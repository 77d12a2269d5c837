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
  paged-tags  tag lists come in pages of at most 2 tags (the spec's n and last, and a Link
            header to the next page), as registries that paginate answer
  paged-tags-elsewhere  the same, but the Link of the first page leads to another host
Misbehaving at the HTTP level (the answers are written byte by byte here, not by http.server):
  split-headers     every response's status line comes first, then a pause, then the headers
                    in pieces cut inside lines, with pauses between them
  long-headers      every response carries a 60 KiB header kmend does not read and an 8 KiB Link
  chunked-trailers  bodies come chunked, in uneven chunks with extensions, ending with trailers
                    (among them a wrong Docker-Content-Digest, which must change nothing, and
                    a 3000-byte one: libcurl 7.88 refuses trailer lines over 4 KiB)
  long-body         blob bodies carry 512 bytes more than their Content-Length says
  short-body        blob bodies stop 512 bytes before their Content-Length, then the
                    connection closes
  stall             blob bodies stop half-way and the connection stays open, silent
  stall-headers     manifest answers stop after the status line, silent
Every request is counted in COUNTS (a file of "METHOD PATH HOST" lines); every TCP connection
accepted in CONNECTIONS when given, one line each: "tls PORT" when it opens with a TLS
handshake (which this plain-HTTP proxy cannot answer), "http PORT" otherwise.

usage: proxy.py PORT UPSTREAM_PORT MODE COUNTS [CONNECTIONS]
"""
import http.client
import http.server
import socket
import sys
import threading
import time

port, upstream, mode, counts = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
connections = sys.argv[5] if len(sys.argv) > 5 else None
seen = {}
presigned = {}
lock = threading.Lock()
STALL_SECONDS = 120


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        if connections:
            first = self.request.recv(1, socket.MSG_PEEK)
            kind = "tls" if first == b"\x16" else "http"
            with lock, open(connections, "a") as f:
                f.write(f"{kind} {self.client_address[1]}\n")

    def reply(self, status, headers=(), body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_raw(self, status, headers, body):
        """The answer written by hand, so that it can break HTTP the way MODE says."""
        blob = "/blobs/" in self.path and self.command == "GET" and status == 200
        reason = http.client.responses.get(status, "Whatever")
        status_line = f"HTTP/1.1 {status} {reason}\r\n".encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers)
        if mode == "long-headers":
            head += "X-Kmend-Padding: " + "p" * 60 * 1024 + "\r\n"
            head += "Link: " + ", ".join(f'<https://example.invalid/{i}>; rel="x"' for i in range(240)) + "\r\n"
        if mode == "chunked-trailers" and self.command != "HEAD":
            head += "Transfer-Encoding: chunked\r\nTrailer: Docker-Content-Digest, X-Kmend-Trailer\r\n\r\n"
            self.wfile.write(status_line + head.encode())
            sizes, pos, i = (1, 4093, 7, 65536, 333), 0, 0
            while pos < len(body):
                chunk = body[pos:pos + sizes[i % len(sizes)]]
                self.wfile.write(f"{len(chunk):x};kmend=ext{i}\r\n".encode() + chunk + b"\r\n")
                pos += len(chunk)
                i += 1
            self.wfile.write(b"0\r\nDocker-Content-Digest: sha256:" + b"0" * 64 + b"\r\n"
                             + b"X-Kmend-Trailer: " + b"t" * 3000 + b"\r\n\r\n")
            return
        length = len(body)
        if blob and mode == "long-body":
            body += b"x" * 512
        head += f"Content-Length: {length}\r\n\r\n"
        if mode == "split-headers":
            rest = head.encode()
            self.wfile.write(status_line)
            time.sleep(0.3)
            cuts = [0, 5, len(rest) // 3, len(rest) // 3 + 1, 2 * len(rest) // 3, len(rest) - 1, len(rest)]
            for a, b in zip(cuts, cuts[1:]):
                self.wfile.write(rest[a:b])
                time.sleep(0.1)
            self.wfile.write(body)
            return
        if mode == "stall-headers" and "/manifests/" in self.path:
            self.wfile.write(status_line)
            time.sleep(STALL_SECONDS)
            return
        self.wfile.write(status_line + head.encode())
        if blob and mode == "short-body":
            self.wfile.write(body[:-512])
            self.close_connection = True
            return
        if blob and mode == "stall":
            self.wfile.write(body[:len(body) // 2])
            time.sleep(STALL_SECONDS)
            self.close_connection = True
            return
        self.wfile.write(body)

    def forward(self):
        conn = http.client.HTTPConnection("127.0.0.1", upstream)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        if self.path in presigned and presigned[self.path]:
            headers["Authorization"] = presigned[self.path]
        path = self.path
        if mode.startswith("paged-tags") and "/tags/list" in path:
            path = path.split("?")[0]
        conn.request(self.command, path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        if mode.startswith("paged-tags") and "/tags/list" in self.path and resp.status == 200:
            body, link = self.page_of_tags(body)
            resp.getheaders = lambda hs=resp.getheaders(): hs + ([("Link", link)] if link else [])
        if mode == "corrupt" and "/blobs/" in self.path and len(body) > 100:
            body = body[:50] + bytes([body[50] ^ 1]) + body[51:]
        hdrs = [(k, v) for k, v in resp.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        if mode == "redirect" and "www-authenticate" in (k.lower() for k, _ in hdrs):
            hdrs = [(k, v.replace(f"127.0.0.1:{upstream}", f"127.0.0.1:{port}")) for k, v in hdrs]
        if self.command == "HEAD":
            hdrs.append(("Content-Length", resp.getheader("Content-Length", "0")))
            self.send_response(resp.status)
            for k, v in hdrs:
                self.send_header(k, v)
            self.end_headers()
        elif mode in ("pass", "flaky", "redirect", "corrupt") or mode.startswith("paged-tags"):
            self.reply(resp.status, hdrs, body)
        else:
            self.send_raw(resp.status, hdrs, body)

    def page_of_tags(self, body):
        """One page of the upstream's whole tag list, and the Link to the next (or None)."""
        import json
        import urllib.parse
        doc = json.loads(body)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        size = min(int(query.get("n", ["2"])[0]), 2)
        last = query.get("last", [""])[0]
        tags = sorted(t for t in (doc.get("tags") or []) if t > last)
        doc["tags"] = tags[:size]
        link = None
        if len(tags) > size:
            where = "http://elsewhere.invalid" if mode == "paged-tags-elsewhere" else ""
            base = urllib.parse.urlsplit(self.path).path
            link = f'<{where}{base}?n={size}&last={urllib.parse.quote(tags[size - 1])}>; rel="next"'
        return json.dumps(doc).encode(), link

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


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


Server(("127.0.0.1", port), Handler).serve_forever()

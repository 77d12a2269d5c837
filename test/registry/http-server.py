#!/usr/bin/env python3
"""The HTTP server lib/http.c's tests (test/unit/test_http.c) talk to, on 127.0.0.1 only.

Three listeners with the same handler: plain HTTP; HTTPS with a certificate from a test CA;
HTTPS that also requires a client certificate from that CA (mutual TLS). The CA, server and
client certificates and keys are made with openssl(1) in DIR. Once listening, prints
"PORTS plain tls mtls" on stdout.

Paths:
  /echo...            any method: a JSON account of the request (method, target, headers,
                      body length and SHA-256, the client's port and certificate subject),
                      with Location, Range, Docker-Upload-UUID, Docker-Content-Digest and a
                      Content-Type with parameters in the answer
  /status/N           status N, a short body
  /redirect?to=PATH   302 to PATH
  /header/NAME/N      an answer carrying header NAME with an N-byte value
  /big/N              N bytes of body
  /lines              chunked JSON lines cut at odd places, CRLF and LF, with pauses; the
                      last line has no newline
  /longline/N         one chunked line of N bytes, no newline
  /stall              headers and half the body, then silence
A request whose target is an absolute URL (a proxy request) is answered as /echo.

usage: http-server.py DIR
"""
import hashlib
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import time

d = sys.argv[1]


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs():
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt",
       "-days", "2", "-subj", "/CN=kmend test CA")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "extendedKeyUsage=clientAuth")):
        sh("openssl", "req", *ec, "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr",
           "-subj", f"/CN=kmend test {name}")
        with open(f"{d}/{name}.ext", "w") as f:
            f.write(ext + "\n")
        sh("openssl", "x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.crt",
           "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/{name}.crt", "-days", "2",
           "-extfile", f"{d}/{name}.ext")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def answer(self, status, headers, body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def chunked(self, pieces, pause=0.0):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for p in pieces:
            self.wfile.write(f"{len(p):x}\r\n".encode() + p + b"\r\n")
            self.wfile.flush()
            time.sleep(pause)
        self.wfile.write(b"0\r\n\r\n")

    def echo(self, body):
        cert = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        subject = dict(x[0] for x in cert["subject"])["commonName"] if cert else ""
        doc = {
            "method": self.command,
            "target": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "peer_port": self.client_address[1],
            "client_cert": subject,
        }
        self.answer(200, [("Content-Type", "application/json; charset=utf-8"),
                          ("Location", "/v2/x/blobs/uploads/next?state=1"),
                          ("Range", "0-1023"),
                          ("Docker-Upload-UUID", "9f1c4d2e-uuid"),
                          ("Docker-Content-Digest", "sha256:" + "a" * 64)],
                    json.dumps(doc).encode())

    def handle_any(self):
        body = self.read_body()
        path = self.path
        if path.startswith("http://") or path.startswith("https://") or path.startswith("/echo"):
            return self.echo(body)
        parts = path.split("/")
        if path.startswith("/status/"):
            return self.answer(int(parts[2]), [("Content-Type", "text/plain")], b"status body")
        if path.startswith("/redirect?to="):
            return self.answer(302, [("Location", path[len("/redirect?to="):])])
        if path.startswith("/header/"):
            return self.answer(200, [(parts[2], "v" * int(parts[3]))], b"ok")
        if path.startswith("/big/"):
            return self.answer(200, [("Content-Type", "application/octet-stream")], b"b" * int(parts[2]))
        if path == "/lines":
            text = (b'{"type":"ADDED","n":1}\n{"type":"MODIFIED",'
                    b'"n":2}\r\n\n{"type":"DELETED","n":3}\n{"type":"BOOKMARK","n":4}')
            cuts = [0, 3, 22, 23, 40, 41, 60, 61, len(text)]
            return self.chunked([text[a:b] for a, b in zip(cuts, cuts[1:])], pause=0.05)
        if path.startswith("/longline/"):
            n = int(parts[2])
            return self.chunked([b"x" * min(1 << 20, n - i) for i in range(0, n, 1 << 20)])
        if path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"s" * 500)
            self.wfile.flush()
            time.sleep(60)
            return
        self.answer(404, [], b"no such path")

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are part of the tests


def tls_server(require_client):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{d}/server.crt", f"{d}/server.key")
    if require_client:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(f"{d}/ca.crt")
    s = Server(("127.0.0.1", 0), Handler)
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
    return s


make_certs()
servers = [Server(("127.0.0.1", 0), Handler), tls_server(False), tls_server(True)]
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("PORTS " + " ".join(str(s.server_address[1]) for s in servers), flush=True)
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass

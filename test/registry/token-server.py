#!/usr/bin/env python3
"""A Bearer-token server for the tests' docker-registry (the registry's "token" auth).

Not a mock of the registry: the registry is Debian's real docker-registry. This stands in
for the authorization service a real deployment runs (Docker Hub's auth.docker.io, Harbor's
core), which no Debian package provides. It checks HTTP Basic credentials against the one
user it is given and issues RS256 JWTs (signed with openssl, the certificate in the x5c
header) granting the requested repository scope, as the distribution token spec describes.

With TOKEN_LOG set, each token issued adds a line (its scope) to that file; with
TOKEN_PADDING=N, each token carries an N-byte claim, as cloud registries' large tokens do.

usage: token-server.py PORT KEY.pem CERT.pem USER PASSWORD ISSUER SERVICE
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.parse
import uuid

port, key, cert, user, password, issuer, service = sys.argv[1:8]
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                     check=True, capture_output=True).stdout


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    payload = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=payload.encode(),
                         check=True, capture_output=True).stdout
    return payload + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/token":
            self.send_error(404)
            return
        auth = self.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if auth != expected:
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            return
        query = urllib.parse.parse_qs(url.query)
        access = []
        for scope in query.get("scope", []):
            kind, name, actions = scope.split(":", 2)
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        claims = {"iss": issuer, "sub": user, "aud": query.get("service", [service])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()),
                  "access": access}
        if os.environ.get("TOKEN_PADDING"):
            claims["padding"] = "p" * int(os.environ["TOKEN_PADDING"])
        token = sign(claims)
        if os.environ.get("TOKEN_LOG"):
            with open(os.environ["TOKEN_LOG"], "a") as f:
                f.write(" ".join(query.get("scope", [])) + "\n")
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()

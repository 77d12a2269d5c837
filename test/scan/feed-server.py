#!/usr/bin/env python3
"""A feed mirror on 127.0.0.1 for kmend db update's tests: serves DIR as HOST/PATH files.

    feed-server.py PORT DIR [--cut-after N]

With --cut-after N, the first N files are served whole; every later one is announced with
its full Content-Length, sent only half, and the connection closed: a server that fails
halfway through an update.
"""
import http.server
import os
import sys
import threading
import urllib.parse

port, root = int(sys.argv[1]), os.path.realpath(sys.argv[2])
cut_after = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--cut-after" else None
served = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        global served
        path = os.path.realpath(os.path.join(root, urllib.parse.unquote(self.path.split("?")[0]).lstrip("/")))
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            body = f.read()
        with lock:
            served += 1
            cut = cut_after is not None and served > cut_after
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)
        if cut:
            self.wfile.flush()
            self.close_connection = True


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

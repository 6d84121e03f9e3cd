#!/usr/bin/env python3
"""fault_server.py — a misbehaving HTTP(S) server for keydeck's HTTP client tests.

Listens on 127.0.0.1 on a free port, writes the port number to --port-file
(atomically, so the test never reads half a number) and answers every request
according to --mode:

  echo          200, JSON describing the request (method, path, headers, body,
                the client's port so keep-alive can be checked)
  status500     500 with a small JSON error body
  retry429      first request 429 with Retry-After: 1, then as echo
  busy429long   always 429 with Retry-After: 30
  busy429       always 429 without Retry-After
  retry503      first request 503 (no Retry-After), then as echo
  status502     always 502
  hang          read the request, never answer
  big           200 with a 10 MB body and its Content-Length
  bigchunked    200 with a 10 MB body in chunks (no Content-Length)
  truncated     Content-Length: 1000, send 100 bytes, close
  wrongtypes    200, a v2 envelope whose data has mistyped members (keyId: 123)
  badjson       200, a complete HTTP answer whose JSON text stops half-way
  html          200, an HTML page (a captive portal, a misrouted proxy)
  problem404    404 with a well-formed v2 error envelope

With --cert and --key it speaks TLS.  It exits on SIGTERM, when its parent
process goes away, or after --lifetime seconds, so a failed test leaves nothing
running.  Standard library only.
"""

import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIG_BODY_SIZE = 10 * 1000 * 1000


class State:
    mode = "echo"
    requests = 0
    lock = threading.Lock()


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible

    def log_message(self, fmt, *args):  # quiet: the TAP output stays readable
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_raw(self, status, content_type, data):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, status, obj, extra_headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def echo(self, body, number):
        self.send_json(200, {
            "method": self.command,
            "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "accept": self.headers.get("Accept"),
            "authorization": self.headers.get("Authorization"),
            "user_agent": self.headers.get("User-Agent"),
            "expect": self.headers.get("Expect"),
            "body": body.decode("utf-8", "replace"),
            "client_port": self.client_address[1],
            "request_number": number,
        })

    def handle_any(self):
        body = self.read_body()
        with State.lock:
            State.requests += 1
            number = State.requests
        mode = State.mode
        error = {"error": {"title": "injected fault", "mode": mode}}

        if mode == "echo":
            self.echo(body, number)
        elif mode == "status500":
            self.send_json(500, error)
        elif mode == "retry429":
            if number == 1:
                self.send_json(429, error, [("Retry-After", "1")])
            else:
                self.echo(body, number)
        elif mode == "busy429long":
            self.send_json(429, error, [("Retry-After", "30")])
        elif mode == "busy429":
            self.send_json(429, error)
        elif mode == "retry503":
            if number == 1:
                self.send_json(503, error)
            else:
                self.echo(body, number)
        elif mode == "status502":
            self.send_json(502, error)
        elif mode == "hang":
            # Hold the connection open without a byte of answer.
            while True:
                time.sleep(3600)
        elif mode == "big":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(BIG_BODY_SIZE))
            self.end_headers()
            self.write_filler(BIG_BODY_SIZE)
        elif mode == "bigchunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            sent = 0
            try:
                while sent < BIG_BODY_SIZE:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the client hung up at its cap, as it should
            self.close_connection = True
        elif mode == "wrongtypes":
            self.send_json(200, {"meta": {"requestId": "req_fault"},
                                 "data": {"keyId": 123, "start": ["sk"], "enabled": "yes",
                                          "createdAt": "yesterday", "id": 7, "name": 8},
                                 "pagination": {"hasMore": "no"}})
        elif mode == "badjson":
            self.send_raw(200, "application/json", b'{"meta":{"requestId":"req_fault"},"data":{"keyI')
        elif mode == "html":
            self.send_raw(200, "text/html", b"<html><body>Please log in to the Wi-Fi</body></html>")
        elif mode == "problem404":
            self.send_json(404, {"meta": {"requestId": "req_fault404"},
                                 "error": {"title": "Not Found", "status": 404,
                                           "detail": "The requested key does not exist.",
                                           "type": "https://unkey.com/docs/errors/unkey/data/key_not_found"}})
        elif mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"{" + b" " * 99)
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        else:
            self.send_json(400, {"error": "unknown mode " + mode})

    def write_filler(self, size):
        chunk = b"x" * 65536
        left = size
        try:
            while left > 0:
                piece = chunk[:left]
                self.wfile.write(piece)
                left -= len(piece)
        except OSError:
            pass
        self.close_connection = True

    do_GET = handle_any
    do_POST = handle_any


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up mid-answer are part of the tests


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def watch_parent(parent, lifetime):
    deadline = time.monotonic() + lifetime
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.2)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", default="echo")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--lifetime", type=float, default=300.0)
    args = ap.parse_args()

    State.mode = args.mode
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(0))
    threading.Thread(target=watch_parent, args=(os.getppid(), args.lifetime),
                     daemon=True).start()

    server = QuietServer(("127.0.0.1", 0), FaultHandler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    write_port_file(args.port_file, server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

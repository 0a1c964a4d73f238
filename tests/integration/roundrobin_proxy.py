"""A round-robin reverse proxy on loopback, for the scale-out test (tests/integration/test_scale_out.py).

Each request goes to the next backend in turn, on a new upstream connection closed after the answer, so that two
requests in a row (even on one kept-alive browser connection) really reach two different web processes. Every
answer carries an `X-Backend` header naming the backend that gave it, and the proxy counts the answers of each one
(`counts`) and keeps a line per request (`log`), so that a test can say which process served what.

For the application it does what deploy/nginx/malisig.conf does: the Host header is passed as it is, the client's
address is appended to X-Forwarded-For, X-Forwarded-Proto says the scheme the client used (http here: there is no
TLS on loopback), bodies go through untouched and nothing is cached.

Why not nginx itself: it would need a system package and a root service (or a hand-written configuration with its
own pid file and temporary paths) on every machine and CI runner that runs the test; this proxy only needs the
standard library, starts in a thread in milliseconds, and reports per request which backend answered, which nginx
only does through a log format and a log file to parse. Threaded (one thread per client connection), buffered:
enough for a browser or two, not a production proxy.

Also runs on its own, for trying a scale-out by hand:
    .venv/bin/python -m tests.integration.roundrobin_proxy --port 8080 127.0.0.1:8001 127.0.0.1:8002
"""

import argparse
import http.client
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Headers about one connection, never forwarded (RFC 9110, 7.6.1).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}
UPSTREAM_TIMEOUT = 90  # seconds, as nginx's proxy_read_timeout in deploy/nginx/malisig.conf


@dataclass(frozen=True)
class Backend:
    name: str
    host: str
    port: int


@dataclass(frozen=True)
class Exchange:
    """One request as the proxy saw it."""

    backend: str
    method: str
    path: str
    status: int


class RoundRobinProxy:
    """proxy = RoundRobinProxy([Backend("web-1", "127.0.0.1", 8001), ...]).start(); ...; proxy.stop()."""

    def __init__(self, backends: list[Backend], host: str = "127.0.0.1", port: int = 0):
        self.backends = list(backends)  # may be filled after start(), once the backends listen
        self.counts: Counter[str] = Counter()
        self.log: list[Exchange] = []
        self._turns = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "RoundRobinProxy":
        self._thread = threading.Thread(target=self.server.serve_forever, name="roundrobin-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def next_backend(self) -> Backend:
        """The backend the next request will reach (it does not take the turn)."""
        with self._lock:
            return self.backends[self._turns % len(self.backends)]

    def take_turn(self) -> Backend:
        with self._lock:
            self._turns += 1
            return self.backends[(self._turns - 1) % len(self.backends)]

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self.counts[exchange.backend] += 1
            self.log.append(exchange)

    def exchanges(self, path_prefix: str = "", method: str = "") -> list[Exchange]:
        with self._lock:
            return [
                e for e in self.log if e.path.startswith(path_prefix) and (not method or e.method == method.upper())
            ]


def _handler_for(proxy: RoundRobinProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        pass

    Handler.proxy = proxy
    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the browser may keep its connection; each request still picks its backend
    proxy: RoundRobinProxy

    def do_GET(self):
        self._forward()

    def do_HEAD(self):
        self._forward()

    def do_POST(self):
        self._forward()

    def do_PUT(self):
        self._forward()

    def do_PATCH(self):
        self._forward()

    def do_DELETE(self):
        self._forward()

    def do_OPTIONS(self):
        self._forward()

    def log_message(self, format, *args):
        """Silent: the exchanges are in proxy.log."""

    def _request_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _upstream_headers(self, body: bytes) -> list[tuple[str, str]]:
        dropped = HOP_BY_HOP | {"content-length", "x-forwarded-proto"}
        dropped |= {name.strip().lower() for name in self.headers.get("Connection", "").split(",")}
        headers = [(name, value) for name, value in self.headers.items() if name.lower() not in dropped]
        forwarded_for = ", ".join(filter(None, [self.headers.get("X-Forwarded-For"), self.client_address[0]]))
        headers = [(name, value) for name, value in headers if name.lower() != "x-forwarded-for"]
        headers += [("X-Forwarded-For", forwarded_for), ("X-Forwarded-Proto", "http"), ("Connection", "close")]
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers.append(("Content-Length", str(len(body))))
        return headers

    def _forward(self) -> None:
        body = self._request_body()
        backend = self.proxy.take_turn()
        upstream = http.client.HTTPConnection(backend.host, backend.port, timeout=UPSTREAM_TIMEOUT)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self._upstream_headers(body):
                upstream.putheader(name, value)
            upstream.endheaders(body or None)
            response = upstream.getresponse()
            status, reason, headers = response.status, response.reason, response.getheaders()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            status, reason, headers = 502, "Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")]
            content = f"{backend.name} did not answer: {error}\n".encode()
        finally:
            upstream.close()
        self.proxy.record(Exchange(backend.name, self.command, self.path, status))
        self._answer(backend, status, reason, headers, content)

    def _answer(self, backend: Backend, status: int, reason: str, headers, content: bytes) -> None:
        without_body = self.command == "HEAD" or status in (204, 304) or 100 <= status < 200
        try:
            self.send_response_only(status, reason)
            for name, value in headers:
                lowered = name.lower()
                if lowered in HOP_BY_HOP or (lowered == "content-length" and self.command != "HEAD"):
                    continue
                self.send_header(name, value)
            if not without_body:
                self.send_header("Content-Length", str(len(content)))
            self.send_header("X-Backend", backend.name)
            self.end_headers()
            if not without_body:
                self.wfile.write(content)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the browser went away (a page left before its answer came)


def main() -> None:
    parser = argparse.ArgumentParser(description="Round-robin HTTP reverse proxy on loopback (one request each).")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("backends", nargs="+", metavar="HOST:PORT")
    options = parser.parse_args()
    backends = []
    for number, address in enumerate(options.backends, start=1):
        host, _sep, port = address.rpartition(":")
        backends.append(Backend(f"web-{number}", host or "127.0.0.1", int(port)))
    proxy = RoundRobinProxy(backends, port=options.port)
    print(f"{proxy.url} -> {', '.join(f'{b.name}={b.host}:{b.port}' for b in backends)} (Ctrl-C stops)")
    try:
        proxy.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.server.server_close()
        print(f"answers per backend: {dict(proxy.counts)}")


if __name__ == "__main__":
    main()

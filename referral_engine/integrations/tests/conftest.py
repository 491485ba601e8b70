import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from referral_engine.integrations.signing import signature_verify

IMMEDIATE = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 standing in for a firm's system. It verifies each signature from the raw
    body with `secret`, as a receiver following docs/webhooks.md would, and answers with `answers` in turn
    (200 once they run out)."""

    url: str
    secret: str = ""
    answers: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            valid = signature_verify(
                receiver.secret,
                self.headers.get("X-Referral-Engine-Timestamp", ""),
                raw,
                self.headers.get("X-Referral-Engine-Signature", ""),
            )
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), raw, valid))
                code = receiver.answers.pop(0) if receiver.answers else 200
            answer = b"ok" if code < 300 else b"receiver is down"
            self.send_response(code)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args) -> None:  # the test output stays quiet
            pass

    return Handler


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.TASKS = IMMEDIATE
    settings.WEBHOOKS_ALLOW_LOCAL = True


def _serve():
    receiver = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return receiver, server, thread


@pytest.fixture
def receiver():
    receiver, server, thread = _serve()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def other_receiver():
    receiver, server, thread = _serve()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""Real receivers for tests: an SMTP server (aiosmtpd) and an HTTP webhook server on loopback,
each keeping all it received and showing each `Idempotency-Key` once, as a careful receiver would."""

import contextlib
import dataclasses
import email
import email.policy
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.services import free_port

IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclasses.dataclass(frozen=True, slots=True)
class Received:
    recipient: str  # the mail recipient, or the webhook's path
    title: str
    body: str
    key: str | None
    at: float  # time.time() on arrival


class Inbox:
    """Everything a receiver got, safe to read while it is still receiving."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []

    def add(self, message: Received) -> None:
        with self._lock:
            self._received.append(message)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    @property
    def delivered(self) -> list[Received]:
        """What a receiver that drops repeated idempotency keys would show its user."""
        seen: set[str] = set()
        kept = []
        for message in self.received:
            if message.key is None or message.key not in seen:
                kept.append(message)
            if message.key is not None:
                seen.add(message.key)
        return kept

    def to(self, recipient: str) -> list[Received]:
        return [m for m in self.delivered if m.recipient == recipient]

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {len(self.received)} messages, waited for {count}")
            time.sleep(0.02)
        return self.received


class HttpReceiver:
    """A webhook endpoint: Apprise's json:// posts {"title": ..., "message": ...} to any path.
    It can be stopped and started again on the same port, to play a receiver that is down."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        # Called once a request is recorded and before it is answered (e.g. to kill the sender
        # at exactly that moment).
        self.on_request: Callable[[], None] | None = None
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def start(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.inbox.add(
                    Received(
                        recipient=self.path.lstrip("/"),
                        title=payload.get("title", ""),
                        body=payload.get("message", ""),
                        key=self.headers.get(IDEMPOTENCY_HEADER),
                        at=time.time(),
                    )
                )
                if receiver.on_request is not None:
                    receiver.on_request()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test asserts on what arrived, not on access logs

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None


class _MailHandler:
    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        for recipient in envelope.rcpt_tos:
            self._inbox.add(
                Received(
                    recipient=recipient,
                    title=str(message["Subject"]),
                    body=str(body).strip(),
                    key=message[IDEMPOTENCY_HEADER],
                    at=time.time(),
                )
            )
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """A mail server that accepts everything for anyone, without TLS or authentication."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def url(self, recipient: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=telecare@example.org&to={recipient}"

    def start(self) -> None:
        self._controller = Controller(_MailHandler(self.inbox), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextlib.contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@contextlib.contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()

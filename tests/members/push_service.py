"""A push service on 127.0.0.1 and browsers that decrypt what it receives.

The portal's Web Push channel POSTs to the service as it would to a browser
vendor's; the service records each request and answers as a test scripts it.
A ``Browser`` holds the keys a real browser would make when it subscribes
(an ECDH P-256 pair and a 16-byte auth secret), so a test decrypts a received
message exactly as the phone would (RFC 8291, aes128gcm, with ``http_ece``),
and checks the VAPID signature (RFC 8292) with the portal's public key.
"""

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

TIMEOUT = "timeout"  # an answer that comes too late


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass(frozen=True)
class VapidPair:
    public: str
    private: str

    @classmethod
    def new(cls) -> "VapidPair":
        key = ec.generate_private_key(ec.SECP256R1())
        number = key.private_numbers().private_value.to_bytes(32, "big")
        return cls(public=b64url(public_point(key)), private=b64url(number))


@dataclass
class Received:
    """One POST the push service received, and what it answered."""

    device: str
    headers: dict[str, str]
    body: bytes
    status: int | str


@dataclass
class Browser:
    """A browser's push subscription: its endpoint and the keys only it holds."""

    name: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def keys(self) -> dict[str, str]:
        return {
            "p256dh": b64url(public_point(self.private_key)),
            "auth": b64url(self.auth),
        }

    def subscription_json(self) -> dict:
        """What ``PushSubscription.toJSON()`` gives in the browser."""
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": self.keys}

    def decrypt(self, received: Received) -> dict:
        """Decrypt a message as the browser would, and read its JSON."""
        plain = http_ece.decrypt(
            received.body,
            private_key=self.private_key,
            auth_secret=self.auth,
            version="aes128gcm",
        )
        return json.loads(plain)


def vapid_claims(authorization: str, *, public_key: str) -> dict:
    """Check a ``vapid t=…, k=…`` header against the portal's key; return its claims.

    Raises if the scheme, the key or the ES256 signature is wrong.
    """
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    header, claims, signature = fields["t"].split(".")
    assert json.loads(b64url_decode(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = b64url_decode(signature)
    assert len(raw) == 64
    key = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(public_key)
    )
    key.verify(
        encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
        f"{header}.{claims}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    return json.loads(b64url_decode(claims))


class PushService:
    """What the push service received, and what a test scripts it to answer.

    ``answers[device]`` lists the answers to give that device's next POSTs, in
    turn (a status, or TIMEOUT: answer after ``slow_seconds``); when empty,
    201 Created, as a push service answers a message it took.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, list[int | str]] = {}
        self.slow_seconds = 1.0
        self._lock = threading.Lock()
        self.url = ""

    def browser(self, name: str) -> Browser:
        return Browser(name=name, endpoint=f"{self.url}/push/{name}")

    def next_answer(self, device: str) -> int | str:
        with self._lock:
            queued = self.answers.get(device) or []
            return queued.pop(0) if queued else 201

    def record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def to(self, device: str) -> list[Received]:
        return [r for r in self.received if r.device == device]

    def taken(self, device: str) -> list[Received]:
        """The messages for a device that the service answered 201 to."""
        return [r for r in self.to(device) if r.status == 201]


def _handler(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            device = self.path.rsplit("/", 1)[-1]
            answer = service.next_answer(device)
            service.record(Received(device, dict(self.headers.items()), body, answer))
            if answer == TIMEOUT:
                time.sleep(service.slow_seconds)
                answer = 504
            self.send_response(answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up on a slow answer closed the socket


@contextmanager
def push_service_running() -> Iterator[PushService]:
    """Run a push service on a free port of 127.0.0.1 in a thread."""
    service = PushService()
    server = _Server(("127.0.0.1", 0), _handler(service))
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

"""Make a VAPID key pair for Web Push; with --env-file, write it there once."""

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.management.base import BaseCommand

PUBLIC, PRIVATE = "WEBPUSH_VAPID_PUBLIC_KEY", "WEBPUSH_VAPID_PRIVATE_KEY"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def vapid_key_pair() -> tuple[str, str]:
    """Return a new P-256 pair: the public point and the raw private number."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return _b64url(public), _b64url(private)


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for Web Push as environment lines. With "
        "--env-file FILE, append it to FILE unless the keys are set already "
        "(`make run` does this for the development .env). Changing the keys "
        "of a running portal stops every device's subscription from working: "
        "members must turn notifications on again."
    )
    # Half a key pair fails the checks; this command is how to mend it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--env-file",
            type=Path,
            help="Append the pair to this file, once: not if the keys are set.",
        )

    def handle(self, *args, **options):
        path: Path | None = options["env_file"]
        public, private = vapid_key_pair()
        lines = f"{PUBLIC}={public}\n{PRIVATE}={private}\n"
        if path is None:
            self.stdout.write(lines, ending="")
            return
        written = path.read_text() if path.exists() else ""
        if (
            settings.WEBPUSH_VAPID_PUBLIC_KEY
            or settings.WEBPUSH_VAPID_PRIVATE_KEY
            or f"{PRIVATE}=" in written
        ):
            self.stdout.write(f"Web Push keys are set already; {path} is unchanged.")
            return
        separator = "" if not written or written.endswith("\n") else "\n"
        with path.open("a") as file:
            file.write(
                f"{separator}# Web Push (development pair, made by manage.py "
                f"webpush_keys)\n{lines}"
            )
        self.stdout.write(f"Web Push keys written to {path}.")

"""Poll /healthz and say when the portal is ready: `make run`'s "ready" line.

For up to half a minute /healthz answers 503: the worker has not reported in
yet (its heartbeat is a beat-scheduled task). This says so, says what it still
waits for, and says when everything is up. Then it stops polling (each poll is
a line in the web server's log) but stays, unless told to exit: under honcho a
process that ends stops the others.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

PARTS = ("database", "broker", "worker")
# The loop re-states what it waits for this often (seconds) while not ready.
REMIND_EVERY = 15


def health_get(url: str, *, timeout: float) -> tuple[int | None, dict]:
    """Return /healthz's status and report; (None, {}) if nothing answers."""
    try:
        # The URL is the portal's own, given by the operator or the settings.
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            report = json.loads(error.read() or b"{}")
        except ValueError:
            report = {}
        return error.code, report
    except (OSError, ValueError):
        return None, {}


def parts_down(report: dict) -> list[str]:
    """Return the parts the report says are down, with the reason it gives."""
    down = []
    for part in PARTS:
        state = report.get(part)
        if isinstance(state, dict) and not state.get("ok"):
            error = state.get("error")
            down.append(f"{part} ({error})" if error else part)
    return down


class Command(BaseCommand):
    help = (
        "Poll /healthz and print when the portal is ready (database, broker and "
        "a live worker), then wait quietly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            help="The health URL (default: http://127.0.0.1:<WEB_PORT>/healthz).",
        )
        parser.add_argument(
            "--interval", type=float, default=3.0, help="Seconds between polls."
        )
        parser.add_argument(
            "--patience",
            type=float,
            default=120.0,
            help="Seconds after which a portal still not ready is reported stuck.",
        )
        parser.add_argument(
            "--exit-when-ready",
            action="store_true",
            help="End once ready, and fail after --patience seconds; by default it "
            "stays until stopped.",
        )

    def handle(self, *args, **options):
        url = options["url"] or f"http://127.0.0.1:{settings.WEB_PORT}/healthz"
        parts = urlsplit(url)
        portal = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
        with translation.override(settings.LANGUAGE_CODE):
            try:
                self._watch(url, portal, options)
            except KeyboardInterrupt:
                return

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()  # under honcho stdout is a pipe: say it now

    def _watch(self, url: str, portal: str, options) -> None:
        self._say(
            _(
                "Starting. The worker reports in within about half a minute; until "
                "then %(url)s answers 503. Wait for the line saying it is ready."
            )
            % {"url": url}
        )
        self._wait_until_ready(url, options)
        self._say(
            _("Ready: %(portal)s (database, broker and worker are up).")
            % {"portal": portal}
        )
        if not options["exit_when_ready"]:
            threading.Event().wait()  # until honcho stops it

    def _wait_until_ready(self, url: str, options) -> None:
        interval, patience = options["interval"], options["patience"]
        started = reminded = time.monotonic()
        stuck = False
        while True:
            status, report = health_get(url, timeout=max(interval, 1.0))
            if status == 200:
                return
            now = time.monotonic()
            waiting = self._waiting_for(status, report)
            if now - reminded >= REMIND_EVERY:
                self._say(_("Still waiting for %(what)s.") % {"what": waiting})
                reminded = now
            if not stuck and now - started >= patience:
                stuck = True
                message = _(
                    "Not ready after %(seconds)s seconds: %(what)s. Look at the web "
                    "and worker lines above."
                ) % {"seconds": int(now - started), "what": waiting}
                if options["exit_when_ready"]:
                    raise CommandError(message)
                self._say(message)
            time.sleep(interval)

    def _waiting_for(self, status: int | None, report: dict) -> str:
        if status is None:
            return _("the web server, which does not answer yet")
        down = parts_down(report)
        if not down:
            return _("a healthy answer (HTTP %(status)s)") % {"status": status}
        return ", ".join(down)

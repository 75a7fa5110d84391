"""The portal under load: members and staff, 95 to 5, against 127.0.0.1 only.

Run headless and bounded (``loadtest/run.py`` starts the servers and calls
this; see loadtest/README.md)::

    LOADTEST_ACCOUNTS=var/loadtest/accounts.txt locust -f loadtest/locustfile.py \\
        --headless -u 100 -r 10 -t 5m --host http://127.0.0.1:8000

``LOADTEST_ACCOUNTS`` lists the accounts to log in with, one a line: ``member
EMAIL PASSWORD`` or ``staff EMAIL PASSWORD``; each simulated user takes the
next of its kind, round robin. With ``LOADTEST_MAX_MS`` set, the run fails
(exit code 1) when any response took longer; any failed request (a 5xx, a
4xx, a page that is not what it should be) fails it too.

A member: logs in, opens the home page, the notifications, "my courses", a
lesson of one of them and sends its player's heartbeats, the catalogue, the
union card. Staff: log in, open the staff home, search the members list with
a name typed without diacritics, the care radar, the course report. The
pages of later apps (the split dashboard, survey results, the assistant) are
added to the journeys as they land.
"""

import itertools
import os
import random
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

LOGIN_URL = "/accounts/login/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LESSON = re.compile(r'href="(/hoc-tap/bai-hoc/(\d+)/)"')
COURSE = re.compile(r'href="(/hoc-tap/khoa-hoc/[^"/]+/)"')
HEARTBEAT = re.compile(r'data-heartbeat-url="([^"]+)"')
# Names searched the way staff type them on a phone: no diacritics.
SEARCHES = ["nguyen", "tran thi", "le van", "pham", "hoang"]


def _accounts() -> dict[str, itertools.cycle]:
    path = os.environ.get("LOADTEST_ACCOUNTS", "")
    if not path or not Path(path).exists():
        raise SystemExit(f"LOADTEST_ACCOUNTS names no file: {path!r}")
    kinds: dict[str, list[tuple[str, str]]] = {"member": [], "staff": []}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            kind, email, password = line.split(maxsplit=2)
            kinds[kind].append((email, password))
    for kind, found in kinds.items():
        if not found:
            raise SystemExit(f"{path} lists no {kind} account")
    return {kind: itertools.cycle(found) for kind, found in kinds.items()}


ACCOUNTS = None


def _next_account(kind: str) -> tuple[str, str]:
    global ACCOUNTS
    if ACCOUNTS is None:
        ACCOUNTS = _accounts()
    return next(ACCOUNTS[kind])


@events.init.add_listener
def _only_loopback(environment, **kwargs):
    """Refuse any target but this machine: the load test never leaves it."""
    host = urlsplit(environment.host or "").hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"The load test runs against 127.0.0.1 only, not {host!r}")


@events.quitting.add_listener
def _slow_fails(environment, **kwargs):
    """With LOADTEST_MAX_MS, a response slower than that fails the run."""
    limit = os.environ.get("LOADTEST_MAX_MS")
    if not limit:
        return
    slowest = environment.stats.total.max_response_time
    if slowest > float(limit):
        print(f"FAILED: a response took {slowest:.0f} ms (limit {limit} ms)")
        environment.process_exit_code = 1


class PortalUser(HttpUser):
    abstract = True
    kind = "member"

    def on_start(self):
        email, password = _next_account(self.kind)
        page = self.client.get(LOGIN_URL, name="login form")
        token = CSRF.search(page.text)
        with self.client.post(
            LOGIN_URL,
            {
                "login": email,
                "password": password,
                "csrfmiddlewaretoken": token[1] if token else "",
            },
            headers={"Referer": self.host + LOGIN_URL},
            name="log in",
            catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies:
                response.failure(f"{email} could not log in ({response.status_code})")

    def page(self, url: str, name: str, *, must: str = ""):
        """GET a page; it fails unless it answers 200 with ``must`` in it."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif must and must not in response.text:
                response.failure(f"{name}: {must!r} is not on the page")
            return response


class Member(PortalUser):
    weight = 95
    kind = "member"
    wait_time = between(1, 4)

    def on_start(self):
        super().on_start()
        self.session = uuid.uuid4().hex[:16]
        self.sequence = 0
        self.rng = random.Random(self.session)

    @task(3)
    def home(self):
        self.page("/", "home")

    @task(2)
    def notifications(self):
        self.page("/thong-bao/", "notifications")

    @task(3)
    def my_courses_and_a_lesson(self):
        mine = self.page("/hoc-tap/cua-toi/", "my courses")
        courses = COURSE.findall(mine.text)
        if not courses:
            return
        course = self.page(self.rng.choice(courses), "course")
        lessons = LESSON.findall(course.text)
        if not lessons:
            return
        url, _lesson_id = self.rng.choice(lessons)
        lesson = self.page(url, "lesson")
        beat = HEARTBEAT.search(lesson.text)
        token = self.client.cookies.get("csrftoken", "")
        if beat is None or not token:
            return
        for _ in range(3):
            self.sequence += 1
            start = (self.sequence * 5) % 60
            with self.client.post(
                beat[1],
                json={
                    "session": self.session,
                    "sequence": self.sequence,
                    "intervals": [[start, start + 5]],
                    "active_seconds": 5,
                    "position": start + 5,
                },
                headers={"X-CSRFToken": token, "Referer": self.host + url},
                name="heartbeat",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(1)
    def catalogue(self):
        self.page("/hoc-tap/", "catalogue")

    @task(1)
    def ecard(self):
        self.page("/the-doan-vien/", "e-card")


class Staff(PortalUser):
    weight = 5
    kind = "staff"
    wait_time = between(2, 6)

    def on_start(self):
        super().on_start()
        self.searches = itertools.cycle(SEARCHES)

    @task(2)
    def staff_home(self):
        self.page("/admin/", "staff home")

    @task(3)
    def members_search(self):
        self.page(f"/admin/members/member/?q={next(self.searches)}", "members search")

    @task(1)
    def care_radar(self):
        self.page("/admin/members/carecase/radar/", "care radar")

    @task(1)
    def course_report(self):
        self.page("/admin/learning/enrolment/bao-cao/", "course report")

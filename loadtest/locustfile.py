"""The portal under load: members and staff, 95 to 5, against 127.0.0.1 only.

Run headless and bounded (``loadtest/run.py`` starts the servers and calls
this; see loadtest/README.md)::

    LOADTEST_ACCOUNTS=var/loadtest/accounts.txt locust -f loadtest/locustfile.py \\
        --headless -u 100 -r 10 -t 5m --host http://127.0.0.1:8000

``LOADTEST_ACCOUNTS`` lists the accounts to log in with, one a line: ``member
EMAIL PASSWORD`` or ``staff EMAIL PASSWORD``; each simulated user takes the
next of its kind, round robin. With ``LOADTEST_MAX_MS`` set, the run fails
(exit code 1) when any response took longer; any failed request (a 5xx, a
4xx, a page that is not what it should be) fails it too. ``LOADTEST_HRM_DIR``
names the HRM workbooks staff upload (``loadtest/hrm.py files``);
``LOADTEST_SUMMARY`` a file the figures are written to (JSON: each endpoint's,
the member and staff totals, the total).

Every endpoint is named ``member: …`` or ``staff: …``, so that the goals
(member pages p95 under 300 ms, staff pages under 500 ms) read off the table.
No id is known in advance: every link and form is found on the pages, so the
same journeys run on the small demo and on the full-size data.

A member (weights close to a campaign week): logs in; the home page, the
notifications, the feed; "my courses", a course and one of its lessons, with
three heartbeats of its player; a quiz of an enrolled course: start (or
continue) an attempt and submit answers, scored on the server (a quiz without
attempts left is an expected page); the open surveys: answer one, every
question of every kind, branching included (a survey answered already shows
the app's already-answered page, also expected); a question to the assistant,
whose answer page shows the law it cites or the handover to an officer; the
union card; the catalogue.

Staff: log in, open the staff home, and from then on only the pages the home
links to (so a page the account may not open is never asked for, and a 403 is
always a failure): the members list searched with a name typed without
diacritics, the care radar, the online/in-person split dashboard, a survey's
results, the course report, and an HRM import in the background (upload a
workbook made from the register, confirm its preview, watch it run).
"""

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import gevent
from locust import HttpUser, between, events, task
from locust.stats import StatsEntry
from pages import form_read
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

LOGIN_URL = "/accounts/login/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LESSON = re.compile(r'href="(/hoc-tap/bai-hoc/(\d+)/)"')
# A course page lists each lesson with its kind: "· Bài kiểm tra" is a quiz.
QUIZ_LESSON = re.compile(
    r'href="(/hoc-tap/bai-hoc/\d+/)">[^<]*</a>\s*<small>·\s*(?:Bài kiểm tra|Quiz)\b'
)
QUIZ_CONTINUE = re.compile(r'href="([^"]+)" role="button" id="quiz-continue"')
COURSE = re.compile(r'href="(/hoc-tap/khoa-hoc/[^"/]+/)"')
HEARTBEAT = re.compile(r'data-heartbeat-url="([^"]+)"')
SURVEY_TO_ANSWER = re.compile(r'href="(/khao-sat/\d+/)" role="button"')
SURVEY_CARD = re.compile(r'<article id="survey-(\d+)">(.*?)</article>', re.S)
ALREADY_ANSWERED = (
    "Bạn đã trả lời khảo sát này",
    "You have already answered this survey",
)
SURVEY_RESULTS = re.compile(r'href="(/admin/feedback/survey/\d+/ket-qua/)"')
# Names searched the way staff type them on a phone: no diacritics.
SEARCHES = ["nguyen", "tran thi", "le van", "pham", "hoang"]
# What members ask the union, the way they type it.
QUESTIONS = [
    "Tôi được nghỉ phép năm bao nhiêu ngày?",
    "Lao động nữ được nghỉ thai sản mấy tháng?",
    "Đoàn phí công đoàn đóng bao nhiêu phần trăm tiền lương?",
    "Làm thêm giờ vào ngày nghỉ lễ được trả lương thế nào?",
    "Công ty trả lương chậm thì có phải trả thêm tiền lãi không?",
    "Muốn nghỉ việc thì phải báo trước bao nhiêu ngày?",
    "Nghỉ ốm có được hưởng bảo hiểm xã hội không?",
    "Bị tai nạn lao động trên đường đi làm thì được hưởng chế độ gì?",
    "Chồng được nghỉ mấy ngày khi vợ sinh con?",
    "Một ngày làm việc bình thường tối đa bao nhiêu giờ?",
]
SURVEY_TEXTS = [
    "Khoảng 10 giờ",
    "Mong công đoàn quan tâm hơn đến bữa ăn ca.",
    "Cần thêm chỗ gửi xe cho công nhân ca đêm.",
    "Không có ý kiến thêm.",
]
# Staff pages, by the link on the staff home that says the account may open them.
MEMBERS = "/admin/members/member/"
RADAR = "/admin/members/carecase/radar/"
SPLIT = "/admin/inspections/activity/ty-le/"
SURVEYS = "/admin/feedback/survey/"
ENROLMENTS = "/admin/learning/enrolment/"
COURSE_REPORT = "/admin/learning/enrolment/bao-cao/"
HRM_UPLOAD = "/admin/members/importrun/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _hrm_files() -> dict[str, dict]:
    """The HRM workbooks made from the register, by employer id (may be none)."""
    folder = os.environ.get("LOADTEST_HRM_DIR", "")
    index = Path(folder) / "index.json" if folder else None
    if index is None or not index.exists():
        return {}
    employers = json.loads(index.read_text(encoding="utf-8"))["employers"]
    return {
        pk: {**entry, "path": Path(folder) / entry["file"]}
        for pk, entry in employers.items()
    }


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


def _figures(entry) -> dict:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.total_rps,
        **{
            f"p{round(q * 100)}": entry.get_response_time_percentile(q)
            for q in (0.5, 0.95, 0.99)
        },
        "max": entry.max_response_time or 0,
    }


@events.quitting.add_listener
def _summary(environment, **kwargs):
    """Write every endpoint's figures, the member and staff totals, the total.

    All taken at the same moment, so that the table run.py prints adds up;
    a group's percentiles are over all its requests.
    """
    path = os.environ.get("LOADTEST_SUMMARY")
    if not path:
        return
    stats = environment.stats
    entries = {name: entry for (name, _method), entry in stats.entries.items()}
    groups = {}
    for group in ("member", "staff"):
        total = StatsEntry(stats, f"{group}: all", "")
        for name, entry in entries.items():
            if name.startswith(f"{group}: "):
                total.extend(entry)
        groups[group] = _figures(total)
    summary = {
        "entries": {name: _figures(entry) for name, entry in sorted(entries.items())},
        "groups": groups,
        "total": _figures(stats.total),
    }
    Path(path).write_text(json.dumps(summary), encoding="utf-8")


# learning/static/learning/js/player.js: a heartbeat every BEAT_MS (10 s).
PLAYER_BEAT_SECONDS = 10
_ADDRESSES = itertools.count(1)


def _client_address() -> str:
    """Return the next address of a private network, one a simulated person."""
    number = next(_ADDRESSES)
    return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"


class PortalUser(HttpUser):
    abstract = True
    kind = "member"

    def on_start(self):
        email, password = _next_account(self.kind)
        self.email = email
        # A GET whose kept-alive connection the server closed as it sent it
        # (gunicorn replaces a worker after WEB_MAX_REQUESTS) is sent again
        # once, as browsers and reverse proxies do for an idempotent request;
        # a POST never is, and any answer, a 5xx included, is never retried.
        self.client.mount(
            "http://",
            HTTPAdapter(
                max_retries=Retry(
                    total=1,
                    connect=1,
                    read=1,
                    status=0,
                    other=0,
                    allowed_methods=frozenset({"GET", "HEAD"}),
                    raise_on_status=False,
                )
            ),
        )
        # Each simulated person on a phone of their own, behind the proxy
        # (run.py sets DJANGO_TRUSTED_PROXY_COUNT=1): the portal's limits per
        # address apply to each, not to all of them at once as 127.0.0.1.
        self.client.headers["X-Forwarded-For"] = _client_address()
        page = self.client.get(LOGIN_URL, name=f"{self.kind}: login form")
        token = CSRF.search(page.text)
        with self.client.post(
            LOGIN_URL,
            {
                "login": email,
                "password": password,
                "csrfmiddlewaretoken": token[1] if token else "",
            },
            headers={"Referer": self.host + LOGIN_URL},
            name=f"{self.kind}: log in",
            catch_response=True,
        ) as response:
            if "sessionid" not in self.client.cookies:
                response.failure(f"{email} could not log in ({response.status_code})")

    def _judged(self, response, name: str, any_of: tuple[str, ...], judge) -> None:
        """Fail the response unless it is a 200 that is the page it should be.

        ``judge(response)`` returns what is wrong, or "" when the page is
        right; without it, the page must show one of ``any_of``.
        """
        error = ""
        if response.status_code != 200:
            error = f"{response.status_code} at {response.url}"
        elif judge is not None:
            error = judge(response)
        elif any_of and not any(mark in response.text for mark in any_of):
            error = f"none of {any_of!r} is on {response.url}"
        if error:
            response.failure(f"{name}: {error}")
        response.ok_page = not error

    def page(self, url: str, name: str, *, any_of: tuple[str, ...] = (), judge=None):
        """GET a page (redirects followed) and check the page it ends on."""
        with self.client.get(url, name=name, catch_response=True) as response:
            self._judged(response, name, any_of, judge)
            return response

    def post(
        self,
        url: str,
        name: str,
        data: dict,
        *,
        referer: str,
        any_of: tuple[str, ...] = (),
        files=None,
        judge=None,
    ):
        """POST a form (redirects followed) and check the page it ends on."""
        with self.client.post(
            url,
            data,
            files=files,
            headers={"Referer": self.host + referer},
            name=name,
            catch_response=True,
        ) as response:
            self._judged(response, name, any_of, judge)
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

    @task(4)
    def home(self):
        self.page("/", "member: home", any_of=('id="portal-home"',))

    @task(2)
    def notifications(self):
        self.page(
            "/thong-bao/",
            "member: notifications",
            any_of=('id="notification-', 'id="no-notifications"'),
        )

    @task(2)
    def feed(self):
        self.page("/bang-tin/", "member: feed", any_of=('id="feed"', 'id="feed-empty"'))

    def _a_course(self):
        """Open "my courses" and one of them; return the course page or None."""
        mine = self.page(
            "/hoc-tap/cua-toi/",
            "member: my courses",
            any_of=('id="my-courses"', 'id="no-enrolments"'),
        )
        courses = COURSE.findall(mine.text) if mine.ok_page else []
        if not courses:
            return None
        course = self.page(
            self.rng.choice(courses), "member: course", any_of=('id="course-progress"',)
        )
        return course if course.ok_page else None

    @task(4)
    def my_courses_and_a_lesson(self):
        course = self._a_course()
        lessons = LESSON.findall(course.text) if course is not None else []
        if not lessons:
            return
        url, _lesson_id = self.rng.choice(lessons)
        lesson = self.page(
            url,
            "member: lesson",
            any_of=('class="learning-steps"',),
        )
        beat = HEARTBEAT.search(lesson.text)
        token = self.client.cookies.get("csrftoken", "")
        if beat is None or not token:
            return
        for beat_number in range(3):
            if beat_number:
                # The player sends one every BEAT_MS (10 s) while it plays.
                gevent.sleep(PLAYER_BEAT_SECONDS)
            self.sequence += 1
            start = (self.sequence * PLAYER_BEAT_SECONDS) % 600
            with self.client.post(
                beat[1],
                json={
                    "session": self.session,
                    "sequence": self.sequence,
                    "intervals": [[start, start + PLAYER_BEAT_SECONDS]],
                    "active_seconds": PLAYER_BEAT_SECONDS,
                    "position": start + PLAYER_BEAT_SECONDS,
                },
                headers={"X-CSRFToken": token, "Referer": self.host + url},
                name="member: heartbeat",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                elif "covered_seconds" not in response.text:
                    response.failure(
                        f"not the player's progress: {response.text[:200]}"
                    )

    @task(2)
    def quiz(self):
        """A quiz of an enrolled course: start or continue an attempt, submit it."""
        course = self._a_course()
        quizzes = QUIZ_LESSON.findall(course.text) if course is not None else []
        if not quizzes:
            return
        url = self.rng.choice(quizzes)
        lesson = self.page(url, "member: quiz", any_of=('id="quiz-info"',))
        if not lesson.ok_page:
            return
        going = QUIZ_CONTINUE.search(lesson.text)
        start = form_read(lesson.text, method="post", action=f"{url}lam-bai/")
        # Other sessions of the same account (the demo's one member) may take
        # the last attempt, or submit the open one, first: the lesson page,
        # or the attempt's result, then says so, as it should.
        if going:
            attempt = self.page(
                going[1],
                "member: quiz attempt",
                any_of=('id="attempt-form"', 'id="attempt-score"'),
            )
        elif start is not None:
            attempt = self.post(
                start.action,
                "member: quiz start",
                start.hidden(),
                referer=url,
                any_of=('id="attempt-form"', 'id="attempt-score"', 'id="quiz-info"'),
            )
        else:
            return  # no attempt left: the lesson page says so, as it should
        form = form_read(attempt.text, id="attempt-form") if attempt.ok_page else None
        if form is None:
            return
        self.post(
            attempt.url,
            "member: quiz submit",
            {**form.hidden(), **self._answers(form), "submit": "1"},
            referer=urlsplit(attempt.url).path,
            # The result; or, if the same attempt was just submitted in another
            # session of the account, its result too.
            any_of=('id="attempt-score"',),
        )

    def _answers(self, form) -> dict[str, list[str] | str]:
        """Answer every question of an attempt as a member would, right or wrong."""
        answers: dict[str, list[str] | str] = {}
        for _group, fields in form.questions():
            for name in dict.fromkeys(f.name for f in fields):
                same = [f for f in fields if f.name == name]
                kind = same[0].kind
                if kind == "radio":
                    answers[name] = self.rng.choice(same).value
                elif kind == "checkbox":
                    chosen = self.rng.sample(same, self.rng.randint(1, len(same)))
                    answers[name] = [f.value for f in chosen]
                elif kind == "select":
                    options = [o for o in same[0].options if o]
                    if options:
                        answers[name] = self.rng.choice(options)
                else:  # a number or a short answer
                    answers[name] = self.rng.choice(["1", "2", "5", "10"])
        return answers

    @task(1)
    def survey(self):
        """Answer an open survey; one answered already shows the app's page for it."""
        listing = self.page(
            "/khao-sat/",
            "member: surveys",
            any_of=('id="open-surveys"', 'id="no-surveys"'),
        )
        if not listing.ok_page:
            return
        to_answer = SURVEY_TO_ANSWER.findall(listing.text)
        if not to_answer:
            answered = [pk for pk, card in SURVEY_CARD.findall(listing.text)]
            if answered:
                # The app's already-answered page: the list, with its message.
                self.page(
                    f"/khao-sat/{self.rng.choice(answered)}/",
                    "member: survey answered",
                    any_of=ALREADY_ANSWERED,
                )
            return
        url = self.rng.choice(to_answer)
        shown = self.page(
            url, "member: survey form", any_of=('id="survey-form"', *ALREADY_ANSWERED)
        )
        form = form_read(shown.text, id="survey-form") if shown.ok_page else None
        if form is None:
            return  # answered meanwhile in another session: the app said so
        survey_id = url.rstrip("/").rsplit("/", 1)[-1]

        def judge(response) -> str:
            if any(text in response.text for text in ALREADY_ANSWERED):
                return ""  # another session of the account answered first
            if 'id="survey-errors"' in response.text or "survey-field-error" in (
                response.text
            ):
                return f"answers refused at {response.url}"
            cards = dict(SURVEY_CARD.findall(response.text))
            if "survey-done" not in cards.get(survey_id, ""):
                return f"the survey is not shown answered at {response.url}"
            return ""

        self.post(
            url, "member: survey answer", self._survey(form), referer=url, judge=judge
        )

    def _survey(self, form) -> dict[str, list[str] | str]:
        """Fill every question shown: a choice, a scale, yes/no, a text.

        A question with a condition (``data-show-field``/``-value``) is shown,
        and so answered, only when the earlier answer it follows was given,
        as the page's script does.
        """
        data: dict[str, list[str] | str] = form.hidden()
        for group, fields in form.questions():
            condition = group.get("data-show-field")
            if condition:
                given = data.get(condition)
                given = given if isinstance(given, list) else [given]
                if group.get("data-show-value") not in given:
                    continue  # hidden: its answer would not be sent
            kind, name = fields[0].kind, fields[0].name
            if kind == "radio":
                data[name] = self.rng.choice(fields).value
            elif kind == "checkbox":
                chosen = self.rng.sample(fields, self.rng.randint(1, len(fields)))
                data[name] = [f.value for f in chosen]
            elif self.rng.random() < 0.7:  # texts are often left empty
                data[name] = self.rng.choice(SURVEY_TEXTS)
        return data

    @task(1)
    def ask(self):
        """Ask the assistant; the answer cites the law, or an officer takes it."""
        page = self.page(
            "/hoi-cong-doan/", "member: assistant", any_of=('id="assistant-form"',)
        )
        form = form_read(page.text, id="assistant-form") if page.ok_page else None
        if form is None:
            return

        def judge(response) -> str:
            text = response.text
            if 'id="assistant-answer"' in text and 'class="assistant-citation"' in text:
                return ""
            if 'id="assistant-handover"' in text:
                return ""
            return f"neither citations nor a handover at {response.url}"

        self.post(
            "/hoi-cong-doan/",
            "member: ask a question",
            {**form.hidden(), "text": self.rng.choice(QUESTIONS)},
            referer="/hoi-cong-doan/",
            judge=judge,
        )

    @task(1)
    def catalogue(self):
        self.page("/hoc-tap/", "member: catalogue", any_of=('id="my-courses-link"',))

    @task(1)
    def ecard(self):
        self.page(
            "/the-doan-vien/",
            "member: e-card",
            any_of=('id="ecard-number"', 'id="ecard-inactive"'),
        )


def needs(link: str):
    """Run the task only for staff whose home links to ``link``."""

    def mark(function):
        function.needs = link
        return function

    return mark


class Staff(PortalUser):
    weight = 5
    kind = "staff"
    wait_time = between(2, 6)

    def on_start(self):
        super().on_start()
        self.searches = itertools.cycle(SEARCHES)
        self.rng = random.Random(uuid.uuid4().hex)
        self.hrm_run = ""  # the run page of this user's import, once uploaded
        self.hrm_confirmed = False
        home = self.staff_home()
        links = set(re.findall(r'href="(/admin/[^"?#]*)', home.text))
        self.tasks = [
            t
            for t in type(self).tasks
            if getattr(t, "needs", None) is None or t.needs in links
        ]
        if HRM_UPLOAD in links and not _hrm_files():
            self.tasks = [t for t in self.tasks if t.needs != HRM_UPLOAD]

    @task(2)
    def staff_home(self):
        return self.page("/admin/", "staff: home", any_of=("dashboard staff-home",))

    @task(3)
    @needs(MEMBERS)
    def members_search(self):
        query = next(self.searches)
        self.page(
            f"{MEMBERS}?q={query.replace(' ', '+')}",
            "staff: members search",
            any_of=(f'value="{query}"',),
        )

    @task(1)
    @needs(RADAR)
    def care_radar(self):
        self.page(RADAR, "staff: care radar", any_of=('class="care-radar"',))

    @task(1)
    @needs(SPLIT)
    def split_dashboard(self):
        self.page(SPLIT, "staff: split dashboard", any_of=('class="split-page"',))

    @task(1)
    @needs(SURVEYS)
    def survey_results(self):
        listing = self.page(SURVEYS, "staff: surveys", any_of=('id="changelist"',))
        found = SURVEY_RESULTS.findall(listing.text) if listing.ok_page else []
        if found:
            self.page(
                self.rng.choice(found),
                "staff: survey results",
                any_of=('id="results-summary"',),
            )

    @task(1)
    @needs(ENROLMENTS)
    def course_report(self):
        self.page(
            COURSE_REPORT, "staff: course report", any_of=('course-report-page"',)
        )

    @task(1)
    @needs(HRM_UPLOAD)
    def hrm_import(self):
        """Upload an HRM workbook, confirm its preview, then watch the run."""
        if not self.hrm_run:
            self._hrm_upload()
            return
        run = self.page(self.hrm_run, "staff: HRM import run", judge=self._hrm_judge)
        if not run.ok_page:
            self.hrm_run, self.hrm_confirmed = "", False
            return
        if self.hrm_confirmed:
            if 'http-equiv="refresh"' not in run.text:
                self.hrm_run, self.hrm_confirmed = "", False  # done: upload again
            return
        confirm = form_read(run.text, **{"class": "import-run-confirm"})
        if confirm is None:
            return  # the preview is still being made
        response = self.post(
            urljoin(self.host + self.hrm_run, confirm.action),
            "staff: HRM import confirm",
            confirm.hidden(),
            referer=self.hrm_run,
            judge=self._hrm_judge,
        )
        if response.ok_page:
            # The confirmed run is a new run, with a page of its own.
            self.hrm_run, self.hrm_confirmed = urlsplit(response.url).path, True

    def _hrm_upload(self):
        files = _hrm_files()
        chosen = {}

        def upload_form(response) -> str:
            form = form_read(response.text, enctype="multipart/form-data")
            if form is None:
                return f"no upload form at {response.url}"
            mine = [
                pk
                for f in form.fields
                if f.name == "employer"
                for pk in f.options
                if pk in files
            ]
            if not mine:
                return f"no HRM workbook for the employers {self.email} may import"
            # The smallest employer in scope: the background import stays small.
            chosen["employer"] = min(mine, key=lambda pk: files[pk]["rows"])
            chosen["hidden"] = form.hidden()
            return ""

        page = self.page(HRM_UPLOAD, "staff: HRM upload form", judge=upload_form)
        if not page.ok_page:
            return
        workbook = files[chosen["employer"]]
        response = self.post(
            HRM_UPLOAD,
            "staff: HRM upload",
            {**chosen["hidden"], "employer": chosen["employer"]},
            files={
                "file": (workbook["path"].name, workbook["path"].read_bytes(), XLSX)
            },
            referer=HRM_UPLOAD,
            judge=self._hrm_judge,
        )
        if response.ok_page:
            self.hrm_run = urlsplit(response.url).path

    def _hrm_judge(self, response) -> str:
        """A run's page, queued or running (or a small file already previewed)."""
        text = response.text
        if 'class="import-run"' not in text:
            return f"not a run's page: {response.url}"
        if "errornote" in text:  # refused, failed, or stopped at the safety limits
            note = re.search(r'class="errornote[^"]*">(.*?)</p>', text, re.S)
            return f"the run did not go through: {note[1] if note else response.url}"
        if 'http-equiv="refresh"' in text:
            return ""  # queued or running: the page refreshes until it ends
        if "import-run-confirm" in text or "count-unchanged" in text:
            return ""  # a small file may be previewed, or done, by now
        return f"the run is neither queued, running nor finished: {response.url}"

"""A year of each member's learning, as the services would have stored it, as COPY text.

Member by member (in id order), one generator of random draws: the courses
they enrol in (their units' assignments, then courses of their own choice),
the lessons they do in order (a video's progress row and completion, a text
read, a quiz's attempts until a pass), the course completed with its
certificate, practice replays of quizzes passed, and the XP ledger those
earn through the services' rules (``learning.services.xp``): lesson 10,
quiz passed 20, perfect first try 15, course 50, practice 10 then 5 then
nothing the same day. From the same events, in order, the member's XP days
(local days, Asia/Ho_Chi_Minh), total, level (the Level table), streak
(``learning.streaks``, settled as the nightly task leaves it) and the badges
the rules award. Nothing is read back from the database.
"""

import uuid
from dataclasses import dataclass, field

from learning.models import Badge
from learning.scale.catalogue import DRAWN, PASS_MARK
from learning.streaks import Streak, streak_goal_met, streak_settle

NULL = "\\N"
# Right answers out of DRAWN at a first try, and their chances.
FIRST_TRY = (0.03, 0.07, 0.25, 0.35, 0.30)
REPLAY = (0.0, 0.05, 0.2, 0.4, 0.35)
REPLAY_PASS = sum(REPLAY[(DRAWN * PASS_MARK + 99) // 100 :])
COMPLETED_SHARE = 0.12
SHORTFALL = 1.08
DAILY_GOALS = ((20, 70), (10, 10), (30, 15), (50, 5))
PERFECT_P = FIRST_TRY[DRAWN]
PASS_P = sum(FIRST_TRY[(DRAWN * PASS_MARK + 99) // 100 :])
# Seconds between replays of a quiz: more than an attempt takes (900) and
# than the cheat guard's window for the same source (180).
GUARD_SPACING = 1000

TABLES = {
    "learning_enrolment": (
        "id, member_id, course_id, source, assignment_id, deadline, enrolled_at,"
        " completed_at, started_at, best_score"
    ),
    "learning_videoprogress": (
        "member_id, lesson_id, intervals, covered_seconds, active_seconds,"
        " position_seconds, sessions, last_heartbeat_at, completed_at"
    ),
    "learning_lessoncompletion": "member_id, lesson_id, completed_at",
    "learning_attempt": (
        "id, member_id, quiz_id, number, started_at, deadline, submitted_at, layout,"
        " responses, responses_saved_at, score, passed, late"
    ),
    "learning_certificate": (
        "uuid, enrolment_id, member_id, course_id, issued_at, expires_at,"
        " revoked_at, revoked_by_id, revoke_reason"
    ),
    "learning_xpevent": (
        "member_id, reason, source_type, source_id, period, points, blocked,"
        " created_at, day, title"
    ),
    "learning_xpday": "member_id, day, points",
    "learning_xpprofile": (
        "member_id, total, level, daily_goal, streak, streak_best, streak_day,"
        " freezes, freezes_used, leaderboard_hidden, updated_at"
    ),
    "learning_badgeaward": (
        "uuid, badge_id, member_id, source, reason, awarded_at, awarded_by_id,"
        " recipient_email, salt, revoked_at, revoked_by_id, revoke_reason"
    ),
}


@dataclass
class Plan:
    """What the generator needs to know, read from the database beforehand."""

    members: list[tuple]  # (id, unit path, user id, learns, e-mail)
    courses: list  # catalogue.CourseRow
    assignments: list[tuple]  # (id, course id, unit path, deadline, created at)
    levels: list[tuple[int, int]]  # (threshold, number), by threshold
    badges: dict[str, list[tuple[int, int | None]]]  # rule: [(badge id, threshold)]
    points: dict[str, int]  # reason: points (the XP rules)
    enrolment_id: int  # the first id to give
    attempt_id: int
    courses_per_member: float
    progress_rows: int
    xp_events: int
    # Members whose XP rows exist already (the small demo's): their events
    # are added, their days and profile rebuilt by the service afterwards.
    xp_existing: set[int] = field(default_factory=set)
    # Members given this many unfinished enrolments (a benchmark's learner).
    courses_of: dict[int, int] = field(default_factory=dict)


class Activity:
    """Generate the rows, member by member; ``chunks()`` yields COPY text by table."""

    def __init__(self, *, rng, plan: Plan, clock):
        self.rng, self.plan, self.clock = rng, plan, clock
        self.enrolment_id = plan.enrolment_id
        self.attempt_id = plan.attempt_id
        self.counts = dict.fromkeys(TABLES, 0)
        self.out = {table: [] for table in TABLES}
        self.by_path: dict[str, list[tuple]] = {}
        for assignment in plan.assignments:
            self.by_path.setdefault(assignment[2], []).append(assignment)
        lessons = plan.courses[0].lessons
        self.lessons_total = len(lessons)
        self.rows_all = sum(2 if kind == "video" else 1 for _, kind, *_ in lessons)
        self._rates()

    # Sizes -------------------------------------------------------------------

    def _rates(self) -> None:
        """Set how much each enrolment does so that the totals come near the sizes."""
        plan = self.plan
        learners = sum(1 for member in plan.members if member[3] or member[2])
        self.most = min(len(plan.courses), round(2 * plan.courses_per_member))
        assigned = 0
        for member in plan.members:
            if member[3]:
                assigned += len(self._assigned(member[1]))
        enrolments = max(1, learners * self.most / 2 + assigned)
        per_enrolment = plan.progress_rows / enrolments
        self.completed_share = min(COMPLETED_SHARE, per_enrolment / self.rows_all / 2)
        # Rows of an unfinished enrolment, less the video under way (about
        # half of them stop before one).
        partial = (per_enrolment - self.completed_share * self.rows_all) / (
            1 - self.completed_share
        ) - 0.5
        # Lessons done of an unfinished enrolment: int(uniform(0, span)), at
        # most all but one; its mean is the rows' share of the lessons.
        self.done_span = max(1.0, 2 * partial * self.lessons_total / self.rows_all)
        # Expected first-time events and quizzes passed of an enrolment.
        kinds = [kind for _, kind, *_ in plan.courses[0].lessons]

        def first(done: int) -> tuple[float, float]:
            quizzes = kinds[:done].count("quiz")
            return done + quizzes * PERFECT_P, quizzes

        partial_events = partial_quizzes = 0.0
        for done in range(self.lessons_total):
            if done == self.lessons_total - 1:
                chance = max(0.0, self.done_span - done) / self.done_span
            else:
                chance = max(0.0, min(done + 1, self.done_span) - done) / self.done_span
            events, quizzes = first(done)
            partial_events += events * chance
            partial_quizzes += quizzes * chance
        full_events, full_quizzes = first(self.lessons_total)
        share = self.completed_share
        events = enrolments * (share * (full_events + 1) + (1 - share) * partial_events)
        passed = enrolments * (share * full_quizzes + (1 - share) * partial_quizzes)
        # Practice replays of each quiz passed make up the rest of the ledger.
        # The estimate leaves out what the year's end and failed limited
        # quizzes cut short: at factor 1 the ledger came 6% under its size.
        self.replays = (
            max(0.0, (plan.xp_events - events) / max(1.0, passed))
            / REPLAY_PASS
            * SHORTFALL
        )

    def _assigned(self, path: str) -> list[tuple]:
        found = []
        for depth in range(4, len(path) + 1, 4):
            found += self.by_path.get(path[:depth], ())
        return found

    # Rows --------------------------------------------------------------------

    def chunks(self, *, members_at_once: int = 2000):
        """Yield {table: COPY text} for each slice of members."""
        for start in range(0, len(self.plan.members), members_at_once):
            for member in self.plan.members[start : start + members_at_once]:
                self._member(member)
            yield self._flush()

    def _flush(self) -> dict[str, str]:
        text = {}
        for table, lines in self.out.items():
            if lines:
                self.counts[table] += len(lines)
                text[table] = "".join(lines)
                lines.clear()
        return text

    def _member(self, member: tuple) -> None:
        member_id, path, user_id, learns, email = member
        rng, plan = self.rng, self.plan
        if not learns and not user_id:
            return
        events: list[tuple] = []
        taken = set()
        chosen = []
        if learns:
            for assignment in self._assigned(path):
                if assignment[1] not in taken:
                    taken.add(assignment[1])
                    chosen.append((assignment[1], assignment))
        featured = plan.courses_of.get(member_id)
        count = featured if featured is not None else rng.randint(0, self.most)
        if user_id:
            # The load test's members: at least two courses to open.
            count = max(count, 2)
        free = [course for course in plan.courses if course.pk not in taken]
        by_pk = {course.pk: course for course in plan.courses}
        for course in rng.sample(free, max(0, min(count, len(free)))):
            chosen.append((course.pk, None))
        for course_id, assignment in chosen:
            self._enrolment(
                member_id, by_pk[course_id], assignment, featured is not None, events
            )
        if events:
            self._ledger(member_id, email, events)

    def _enrolment(self, member_id, course, assignment, featured, events) -> None:
        rng, clock, out = self.rng, self.clock, self.out
        text = clock.text
        enrolment_id = self.enrolment_id
        self.enrolment_id += 1
        if assignment is not None:
            enrolled = int(assignment[4].timestamp())
            source, assignment_id, deadline = (
                "assigned",
                str(assignment[0]),
                str(assignment[3]),
            )
        else:
            enrolled = clock.start_s + rng.randrange(clock.days * 86400 - 3600)
            source, assignment_id, deadline = "self", NULL, NULL
        lessons = course.lessons
        complete = rng.random() < self.completed_share and not featured
        if featured:
            done = rng.randint(1, self.lessons_total - 1)
        elif complete:
            done = self.lessons_total
        else:
            done = min(self.lessons_total - 1, int(rng.random() * self.done_span))
        moment = enrolled
        started = best = None
        finished = None
        passed_quizzes = []
        for index, (lesson_id, kind, quiz_id, title, seconds) in enumerate(lessons):
            if index >= done:
                break
            # Room before it for a video's playing or a quiz's answering.
            moment += rng.randint(1200, 36000)
            if moment >= clock.end_s:
                break
            if kind == "video":
                active = seconds + rng.randint(0, 60)
                began = moment - active
                beats = active // 10 + 1
                out["learning_videoprogress"].append(
                    f"{member_id}\t{lesson_id}\t[[0, {seconds}]]\t{seconds}\t{active}\t"
                    f'{seconds}\t{{"p{member_id}x{lesson_id}": {beats}}}\t'
                    f"{text(moment)}\t{text(moment)}\n"
                )
                started = started or began
            elif kind == "quiz":
                allowed, layouts = course.quizzes[quiz_id]
                number, passed = 0, False
                while not passed and (not allowed or number < allowed):
                    number += 1
                    if number > 1:
                        moment += rng.randint(1200, 86400)
                        if moment >= clock.end_s:
                            break
                    right = _draw(rng, FIRST_TRY)
                    score = right * 100 // DRAWN
                    passed = score >= PASS_MARK
                    self._attempt(member_id, quiz_id, number, moment, layouts, right)
                    started = started or moment
                    best = score if best is None else max(best, score)
                    if passed:
                        events.append(
                            (moment, "quiz_passed", "quiz", quiz_id, "", title)
                        )
                        if number == 1 and right == DRAWN:
                            events.append(
                                (moment, "quiz_perfect", "quiz", quiz_id, "", title)
                            )
                            events.append((moment, "badge:quiz_perfect", "", 0, "", ""))
                if not passed:
                    break
                passed_quizzes.append(
                    (quiz_id, number, moment, allowed, layouts, title)
                )
            started = started or moment
            if kind != "quiz":
                events.append((moment, "lesson", "lesson", lesson_id, "", title))
            out["learning_lessoncompletion"].append(
                f"{member_id}\t{lesson_id}\t{text(moment)}\n"
            )
            if index == self.lessons_total - 1:
                finished = moment
        else:
            index = len(lessons)
        if finished is None and index < len(lessons) and moment < clock.end_s:
            lesson_id, kind, *_rest, seconds = lessons[index]
            if kind == "video":
                # The video being watched: a progress row not complete yet.
                watched = rng.randint(10, seconds - 10)
                at = moment + rng.randint(300, 36000)
                if at < clock.end_s:
                    out["learning_videoprogress"].append(
                        f"{member_id}\t{lesson_id}\t[[0, {watched}]]\t{watched}\t"
                        f'{watched}\t{watched}\t{{"p{member_id}x{lesson_id}": '
                        f"{watched // 10 + 1}}}\t{text(at)}\t{NULL}\n"
                    )
                    started = started or at - watched
        if finished is not None:
            events.append((finished, "course", "course", course.pk, "", course.title))
            events.append((finished, f"badge:course:{course.pk}", "", 0, "", ""))
            out["learning_certificate"].append(
                f"{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{enrolment_id}\t"
                f"{member_id}\t{course.pk}\t{text(finished)}\t{NULL}\t{NULL}\t{NULL}\t\n"
            )
        for quiz in passed_quizzes:
            # Every submission keeps the enrolment's best score, replays too.
            replayed = self._practice(member_id, quiz, events)
            if replayed is not None:
                best = max(best, replayed)
        out["learning_enrolment"].append(
            f"{enrolment_id}\t{member_id}\t{course.pk}\t{source}\t{assignment_id}\t"
            f"{deadline}\t{text(enrolled)}\t"
            f"{text(finished) if finished is not None else NULL}\t"
            f"{text(started) if started is not None else NULL}\t"
            f"{best if best is not None else NULL}\n"
        )

    def _attempt(self, member_id, quiz_id, number, at, layouts, right) -> int:
        layout, responses = layouts[self.rng.randrange(len(layouts))]
        score = right * 100 // DRAWN
        attempt_id = self.attempt_id
        self.attempt_id += 1
        moment = self.clock.text(at)
        began = self.clock.text(at - self.rng.randint(60, 900))
        self.out["learning_attempt"].append(
            f"{attempt_id}\t{member_id}\t{quiz_id}\t{number}\t{began}\t{NULL}\t{moment}\t"
            f"{layout}\t{responses[right]}\t{moment}\t{score}\t"
            f"{'t' if score >= PASS_MARK else 'f'}\tf\n"
        )
        return attempt_id

    def _practice(self, member_id, quiz, events) -> int | None:
        """Replays of a quiz passed, each an attempt and a practice event if passed.

        Return the best score of the replays, None if there is none.
        """
        quiz_id, number, passed_at, allowed, layouts, title = quiz
        rng, end = self.rng, self.clock.end_s
        count = int(rng.random() * (2 * self.replays + 1))
        if allowed:
            count = min(count, allowed - number)
        if count <= 0 or passed_at >= end - 1200:
            return None
        moments = sorted(rng.randrange(passed_at + 1200, end) for _ in range(count))
        previous, best = passed_at, None
        for at in moments:
            # One attempt at a time, never the same source within the guard's window.
            at = max(at, previous + GUARD_SPACING)
            if at >= end:
                break
            previous = at
            number += 1
            right = _draw(rng, REPLAY)
            attempt_id = self._attempt(member_id, quiz_id, number, at, layouts, right)
            score = right * 100 // DRAWN
            best = score if best is None else max(best, score)
            if score >= PASS_MARK:
                events.append(
                    (at, "practice", "quiz", quiz_id, f"a{attempt_id}", title)
                )
        return best

    # The member's XP -------------------------------------------------------------

    def _ledger(self, member_id: int, email: str, events: list[tuple]) -> None:
        """Write the events with their points, then the days, profile and badges."""
        plan, clock, out, rng = self.plan, self.clock, self.out, self.rng
        events.sort(key=lambda event: event[0])
        goal = _draw_weighted(rng, DAILY_GOALS)
        days: dict[int, int] = {}
        practice_days: dict[tuple[int, int], int] = {}
        total, level = 0, 1
        streak = Streak(days=0, last=None, freezes=0)
        awards: dict[tuple[int, str], int] = {}
        last_at = events[0][0]
        lines = out["learning_xpevent"]
        for at, reason, source_type, source_id, period, title in events:
            if reason.startswith("badge:"):
                rule, source = _badge_rule(reason[6:])
                for badge_id, _threshold in plan.badges.get(rule, ()):
                    awards.setdefault((badge_id, source), at)
                continue
            day = clock.local_day(at)
            points, blocked = plan.points[reason], ""
            if reason == "practice":
                done = practice_days.get((source_id, day), 0)
                points = (points, points // 2, 0)[min(done, 2)]
                if points:
                    practice_days[source_id, day] = done + 1
                else:
                    blocked = "daily"
            lines.append(
                f"{member_id}\t{reason}\t{source_type}\t{source_id}\t{period}\t"
                f"{points}\t{blocked}\t{clock.text(at)}\t{clock.day_text(day)}\t"
                f"{title}\n"
            )
            last_at = at
            if not points:
                continue
            before = days.get(day, 0)
            days[day] = before + points
            total += points
            reached = _level(plan.levels, total)
            if reached > level:
                level = reached
                for badge_id, threshold in plan.badges.get(Badge.Rule.LEVEL, ()):
                    if threshold is not None and threshold <= level:
                        awards.setdefault((badge_id, "level"), at)
            if before < goal <= before + points:
                streak = streak_goal_met(streak, today=clock.date(day))
                for badge_id, threshold in plan.badges.get(Badge.Rule.STREAK, ()):
                    if threshold is not None and threshold <= streak.days:
                        awards.setdefault((badge_id, "streak"), at)
        if member_id in plan.xp_existing:
            # The service rebuilds their days and total; the rule badges they
            # may hold already are theirs, the new courses' are not.
            awards = {key: at for key, at in awards.items() if key[1][:7] == "course:"}
            self._awards(member_id, email, awards)
            return
        yesterday = clock.today.toordinal() - 1
        if streak.days and streak.last.toordinal() < yesterday:
            streak = streak_settle(streak, today=clock.today)
        day_lines = out["learning_xpday"]
        for day, points in days.items():
            day_lines.append(f"{member_id}\t{clock.day_text(day)}\t{points}\n")
        last = streak.last.isoformat() if streak.last else NULL
        out["learning_xpprofile"].append(
            f"{member_id}\t{total}\t{level}\t{goal}\t{streak.days}\t"
            f"{max(streak.best, streak.days)}\t{last}\t{streak.freezes}\t"
            f"{streak.freezes_used}\tf\t{clock.text(last_at)}\n"
        )
        self._awards(member_id, email, awards)

    def _awards(self, member_id: int, email: str, awards: dict) -> None:
        rng, clock = self.rng, self.clock
        for (badge_id, source), at in awards.items():
            self.out["learning_badgeaward"].append(
                f"{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{badge_id}\t"
                f"{member_id}\t{source}\t\t{clock.text(at)}\t{NULL}\t{email}\t"
                f"{rng.getrandbits(64):016x}\t{NULL}\t{NULL}\t\n"
            )


def _badge_rule(source: str) -> tuple[str, str]:
    if source.startswith("course:"):
        return Badge.Rule.COURSE_COMPLETED, source
    return Badge.Rule.QUIZ_PERFECT, source


def _draw(rng, chances) -> int:
    """Return an index drawn with its chance."""
    value = rng.random()
    for index, chance in enumerate(chances):
        value -= chance
        if value < 0:
            return index
    return len(chances) - 1


def _draw_weighted(rng, choices) -> int:
    total = sum(weight for _, weight in choices)
    value = rng.randrange(total)
    for choice, weight in choices:
        value -= weight
        if value < 0:
            return choice
    return choices[-1][0]


def _level(levels: list[tuple[int, int]], total: int) -> int:
    found = 1
    for threshold, number in levels:
        if threshold <= total:
            found = number
        else:
            break
    return found

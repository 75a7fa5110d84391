"""Video progress the server can trust: coverage, playing time, replays, the clock."""

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from learning import services
from learning.models import Enrolment, LessonCompletion, VideoProgress
from learning.services import progress as progress_service
from tests.conftest import vi_text
from tests.learning.factories import make_text_lesson

pytestmark = pytest.mark.django_db

START = "2025-03-10 09:00 +0700"


@pytest.fixture
def enrolled(union, course):
    return services.course_enrol(course=course, member=union.member_a)


class Player:
    """A player session sending heartbeats every ``step`` seconds of the clock."""

    def __init__(self, member, lesson, clock, session="phien-1"):
        self.member, self.lesson, self.clock = member, lesson, clock
        self.session, self.sequence = session, 0

    def send(self, *, intervals=(), active=0.0, position=0.0, sequence=None):
        if sequence is None:
            sequence = self.sequence
            self.sequence += 1
        return services.video_heartbeat(
            member=self.member,
            lesson=self.lesson,
            session=self.session,
            sequence=sequence,
            intervals=[list(pair) for pair in intervals],
            active_seconds=active,
            position=position,
        )

    def open(self):
        return self.send(position=0)

    def play(self, start: float, end: float, *, step: float = 10, rate: float = 1):
        """Play the video from start to end, a heartbeat every ``step`` seconds."""
        progress, at = None, start
        while at < end:
            upto = min(end, at + step * rate)
            self.clock.shift((upto - at) / rate)
            progress = self.send(
                intervals=[(at, upto)], active=(upto - at) / rate, position=upto
            )
            at = upto
        return progress


@pytest.fixture
def player(union, video, enrolled, time_machine):
    time_machine.move_to(START, tick=False)
    return Player(union.member_a, video, time_machine)


def stored(lesson, member) -> VideoProgress:
    return VideoProgress.objects.get(lesson=lesson, member=member)


def test_seeking_to_the_end_and_playing_five_seconds_does_not_complete(
    player, union, video
):
    player.open()
    player.clock.shift(5)
    progress = player.send(intervals=[(95, 100)], active=5, position=100)

    assert progress.covered_seconds == 5
    assert progress.completed_at is None
    assert not LessonCompletion.objects.filter(lesson=video).exists()


def test_two_sessions_covering_0_to_60_and_40_to_100_complete_the_video(
    player, union, video, time_machine
):
    player.open()
    first = player.play(0, 60)
    assert first.covered_seconds == 60
    assert first.completed_at is None

    time_machine.shift(3600 * 24)
    second = Player(union.member_a, video, time_machine, session="phien-2")
    second.open()
    progress = second.play(40, 100)

    assert progress.intervals == [[0, 100]]
    assert progress.covered_seconds == 100
    assert progress.active_seconds == 120
    assert progress.completed_at is not None
    assert LessonCompletion.objects.filter(member=union.member_a, lesson=video).exists()


def test_one_session_of_sixty_percent_does_not_complete(player):
    player.open()
    progress = player.play(0, 60)

    assert progress.completed_at is None


def test_a_replayed_heartbeat_adds_nothing(player, union, video):
    player.open()
    player.clock.shift(10)
    player.send(intervals=[(0, 10)], active=10, position=10, sequence=1)
    before = stored(video, union.member_a)

    player.clock.shift(10)
    player.send(intervals=[(0, 10)], active=10, position=10, sequence=1)
    # The same sequence again with other seconds is a replay too.
    player.send(intervals=[(10, 20)], active=10, position=20, sequence=1)

    after = stored(video, union.member_a)
    assert after.active_seconds == before.active_seconds == 10
    assert after.intervals == [[0, 10]]
    assert after.last_heartbeat_at == before.last_heartbeat_at


def test_a_heartbeat_claiming_more_than_the_clock_saw_is_capped(player):
    player.open()
    player.clock.shift(10)
    progress = player.send(intervals=[(0, 100)], active=100, position=100)

    assert progress.active_seconds == 10
    # Ten seconds at the fastest playback speed cover twenty of the video.
    assert progress.covered_seconds == 20
    assert progress.completed_at is None


def test_the_first_heartbeat_counts_no_time_only_the_position(player):
    progress = player.send(intervals=[(0, 10)], active=10, position=10)

    assert progress.active_seconds == 0
    assert progress.covered_seconds == 0
    assert progress.position_seconds == 10


def test_a_long_pause_counts_at_most_one_heartbeat_span(player):
    player.open()
    player.clock.shift(3600)
    progress = player.send(intervals=[(0, 100)], active=3600, position=100)

    assert progress.active_seconds == progress_service.HEARTBEAT_MAX_SPAN


def test_coverage_without_half_the_duration_played_does_not_complete(player):
    player.open()
    for start in range(0, 100, 10):
        player.clock.shift(10)
        progress = player.send(
            intervals=[(start, start + 9.6)], active=4.8, position=start + 9.6
        )
    assert progress.covered_seconds == pytest.approx(96)
    assert progress.active_seconds == pytest.approx(48)
    assert progress.completed_at is None

    player.clock.shift(10)
    progress = player.send(intervals=[(9.6, 10)], active=2, position=10)
    assert progress.active_seconds == pytest.approx(50)
    assert progress.completed_at is not None


def test_the_resume_position_is_kept_apart_from_what_was_played(player):
    player.open()
    player.play(0, 20)
    player.clock.shift(2)
    progress = player.send(position=80)

    assert progress.position_seconds == 80
    assert progress.intervals == [[0, 20]]


def test_intervals_outside_the_video_are_cut_to_it(player):
    player.open()
    player.clock.shift(10)
    progress = player.send(intervals=[(-5, 3), (98, 250)], active=10, position=400)

    assert progress.intervals == [[0, 3], [98, 100]]
    assert progress.position_seconds == 100


SESSION = "The player's session is not valid."
SEQUENCE = "The heartbeat's sequence number is not valid."
INTERVAL = "An interval played is two numbers of seconds, start then end."
TOO_MANY = "A heartbeat sends at most %(count)s intervals played."
SECONDS = "The time played and the position are numbers of seconds."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("session", "", SESSION),
        ("session", "phiên có dấu", SESSION),
        ("sequence", -1, SEQUENCE),
        ("sequence", "1", SEQUENCE),
        ("intervals", [[10, 5]], INTERVAL),
        ("intervals", [["0", 5]], INTERVAL),
        ("intervals", [[0, float("nan")]], INTERVAL),
        ("intervals", [[0, 1]] * 21, TOO_MANY),
        ("active_seconds", -1, SECONDS),
        ("position", None, SECONDS),
    ],
)
def test_a_malformed_heartbeat_is_refused_in_vietnamese_and_changes_nothing(
    player, union, video, field, value, message
):
    player.open()
    before = stored(video, union.member_a)
    payload = {
        "member": union.member_a,
        "lesson": video,
        "session": "phien-1",
        "sequence": 5,
        "intervals": [[0, 10]],
        "active_seconds": 10,
        "position": 10,
        field: value,
    }
    player.clock.shift(10)
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        services.video_heartbeat(**payload)

    assert refused.value.messages == [vi_text(message) % {"count": 20}]
    assert vi_text(message) != message
    assert stored(video, union.member_a).last_heartbeat_at == before.last_heartbeat_at


def test_a_member_not_enrolled_sends_no_progress(union, video):
    with pytest.raises(ValidationError):
        services.video_heartbeat(
            member=union.member_b,
            lesson=video,
            session="phien-1",
            sequence=0,
            intervals=[],
            active_seconds=0,
            position=0,
        )
    assert not VideoProgress.objects.exists()


def test_the_last_required_lesson_completes_the_course_once(
    player, union, module, video, enrolled
):
    reading = make_text_lesson(module=module, order=2)
    make_text_lesson(module=module, title="Đọc thêm", order=3, required=False)
    services.lesson_complete(member=union.member_a, lesson=reading)
    enrolled.refresh_from_db()
    assert enrolled.completed_at is None

    player.open()
    player.play(0, 100)
    enrolled.refresh_from_db()
    completed_at = enrolled.completed_at
    # Ninety seconds of a hundred, played in ninety: the course completes there.
    assert completed_at == timezone.now() - timezone.timedelta(seconds=10)

    player.clock.shift(60)
    player.play(0, 50)
    enrolled.refresh_from_db()
    assert enrolled.completed_at == completed_at


# Concurrency (PostgreSQL) ----------------------------------------------------


def _lined_up(monkeypatch, parties: int = 2) -> threading.Barrier:
    """Hold each heartbeat after it read the row until all have, or 2 s passed.

    Under the row lock the second heartbeat cannot read the row before the
    first commits, so the barrier times out and they go one after the other;
    without it, both would read the same row and both write.
    """
    barrier = threading.Barrier(parties, timeout=2)
    apply = progress_service._heartbeat_apply

    def apply_when_lined_up(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return apply(*args, **kwargs)

    monkeypatch.setattr(progress_service, "_heartbeat_apply", apply_when_lined_up)
    return barrier


def _send_at_once(calls: list[dict]) -> list[BaseException]:
    errors: list[BaseException] = []

    def send(kwargs):
        try:
            services.video_heartbeat(**kwargs)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(kwargs,)) for kwargs in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return errors


def _heartbeat(member, lesson, session, sequence, intervals, active=10.0):
    return {
        "member": member,
        "lesson": lesson,
        "session": session,
        "sequence": sequence,
        "intervals": intervals,
        "active_seconds": active,
        "position": intervals[-1][1] if intervals else 0,
    }


@pytest.mark.django_db(transaction=True)
def test_two_heartbeats_at_once_cannot_both_spend_the_same_seconds(
    postgresql, monkeypatch, union, video, enrolled
):
    member = union.member_a
    services.video_heartbeat(**_heartbeat(member, video, "phien-1", 0, []))
    VideoProgress.objects.update(
        last_heartbeat_at=timezone.now() - timezone.timedelta(seconds=10)
    )
    _lined_up(monkeypatch)

    errors = _send_at_once(
        [
            _heartbeat(member, video, "phien-2", 0, [[0, 10]]),
            _heartbeat(member, video, "phien-3", 0, [[50, 60]]),
        ]
    )

    assert errors == []
    progress = stored(video, member)
    # Ten seconds passed: both heartbeats together count ten, not twenty...
    assert progress.active_seconds <= 10.5
    assert progress.covered_seconds == pytest.approx(10, abs=1)
    # ...and neither heartbeat's write is lost to the other's.
    assert set(progress.sessions) == {"phien-1", "phien-2", "phien-3"}


@pytest.mark.django_db(transaction=True)
def test_the_same_heartbeat_sent_twice_at_once_counts_once(
    postgresql, monkeypatch, union, video, enrolled
):
    member = union.member_a
    services.video_heartbeat(**_heartbeat(member, video, "phien-1", 0, []))
    VideoProgress.objects.update(
        last_heartbeat_at=timezone.now() - timezone.timedelta(seconds=60)
    )
    _lined_up(monkeypatch)
    beat = _heartbeat(member, video, "phien-1", 1, [[0, 10]])

    errors = _send_at_once([beat, dict(beat)])

    assert errors == []
    progress = stored(video, member)
    assert progress.active_seconds == 10
    assert progress.intervals == [[0, 10]]


@pytest.mark.django_db(transaction=True)
def test_two_first_heartbeats_at_once_make_one_row_holding_both(
    postgresql, monkeypatch, union, video, enrolled
):
    member = union.member_a
    _lined_up(monkeypatch)

    errors = _send_at_once(
        [
            _heartbeat(member, video, "phien-1", 0, []),
            _heartbeat(member, video, "phien-2", 0, []),
        ]
    )

    assert errors == []
    assert VideoProgress.objects.count() == 1
    assert set(stored(video, member).sessions) == {"phien-1", "phien-2"}
    assert Enrolment.objects.count() == 1

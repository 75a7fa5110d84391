"""DATABASE_REPLICA_URL: heavy reports read from the replica, the rest from the primary.

The test gives the test database a second alias, as the setting does (the
same database here, so the rows committed by the test are on both), and
checks on which connection each report's counting queries ran.
"""

from datetime import date

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from members.db import REPLICA, report_db
from members.models import Member, Unit, User
from tests.members.factories import make_unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica(settings):
    """A ``replica`` alias on the test database: what DATABASE_REPLICA_URL adds.

    A connection of its own to the same database, made here rather than from
    the settings' list, which the test case checks against its databases.
    """
    assert report_db() == "default"  # no replica: the primary
    primary = connections["default"]
    alias = {**primary.settings_dict}
    settings.DATABASES = {**settings.DATABASES, REPLICA: alias}
    replica = primary.__class__(alias, alias=REPLICA)
    setattr(connections._connections, REPLICA, replica)
    try:
        yield replica
    finally:
        replica.close()
        delattr(connections._connections, REPLICA)


@pytest.fixture
def boss(db) -> User:
    make_unit(code="CDTTTT", name="Công đoàn ngành", level=Unit.Level.SECTOR)
    return User.objects.create_superuser("sep@example.vn", "x", name="Sếp")


# The tables the reports count over.
REPORTED = {
    "members_member",
    "members_relative",
    "members_carecase",
    "learning_enrolment",
    "inspections_activity",
    "feedback_surveyresponse",
    "feedback_surveyanswer",
}


def tables_read(captured) -> set[str]:
    return {
        table
        for query in captured.captured_queries
        for table in REPORTED
        if f'"{table}"' in query["sql"]
    }


def test_reports_count_on_the_replica_and_nothing_else_does(replica, boss):
    from feedback.models import Survey
    from feedback.selectors.survey_results import _cube_compute
    from inspections.selectors.split import _split_compute
    from learning.selectors.reports import course_report
    from members.picture_counts import picture_counts

    assert report_db() == REPLICA
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        picture = picture_counts(user=boss, unit=None, today=date(2026, 12, 6))
        course_report(user=boss)
        _split_compute(user=boss, year=2026, inspecting_unit=None, per_unit=False)
        _cube_compute(survey=Survey(pk=10**9))

    assert tables_read(on_replica) == REPORTED
    assert tables_read(on_primary) == set()
    assert picture is not None
    # A page's own reads and every write stay on the primary.
    with CaptureQueriesContext(replica) as elsewhere:
        assert Member.objects.count() == 0
    assert elsewhere.captured_queries == []

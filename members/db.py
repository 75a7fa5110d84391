"""Which database a read goes to: the primary, or a replica for heavy reports.

With ``DATABASE_REPLICA_URL`` set (a streaming replica of the primary), the
settings declare a second database, ``replica``, and the reports that count
over the whole register read from it (``report_db()``): the course report,
the split of inspections, a survey's cube of counts and the register's
picture. Everything else, and every write, stays on the primary.

A replica lags its primary (usually under a second, minutes under a long
vacuum or a lost link): a report may not yet count the row written a moment
ago; a report recounted at once after a write's bump (members.cache) may
count without it, and keep that until its entry's time runs out (minutes).
Never read from the replica what a page must show right after its own
write, and never write to it (PostgreSQL refuses: a replica is read-only).
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"


def report_db() -> str:
    """Return the alias heavy reports read from: the replica, else the primary."""
    return REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS

"""The full-size seed's clock: a year before ``scale.today``, as fast COPY text."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
LOCAL_OFFSET = 7 * 3600  # Vietnam keeps no summer time


class Clock:
    """The seed's time: ``days`` local days ending at the start of ``today``.

    Moments inside the seed are whole seconds since the epoch (ints); ``text``
    and ``day_text`` turn them into COPY's text from tables built once, which
    is many times faster than formatting datetimes row by row.
    """

    def __init__(self, *, today: date, days: int):
        self.today = today
        self.days = days
        self.end = datetime.combine(today, time(0), tzinfo=LOCAL)
        self.start = self.end - timedelta(days=days)
        self.end_s = int(self.end.timestamp())
        self.start_s = int(self.start.timestamp())
        self._base = self.start_s // 86400 - 2
        count = days + 5
        first = date(1970, 1, 1) + timedelta(days=self._base)
        self._dates = [first + timedelta(days=n) for n in range(count)]
        self._day_text = [day.isoformat() for day in self._dates]
        self._seconds = [
            f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)
        ]

    def text(self, moment: int) -> str:
        """Return the moment (epoch seconds) as a UTC timestamp for COPY."""
        day, second = divmod(moment, 86400)
        return self._day_text[day - self._base] + self._seconds[second]

    def local_day(self, moment: int) -> int:
        """Return the local day of a moment, as an index for ``day_text``/``date``."""
        return (moment + LOCAL_OFFSET) // 86400 - self._base

    def day_text(self, day: int) -> str:
        return self._day_text[day]

    def date(self, day: int) -> date:
        return self._dates[day]

    def aware(self, day: date) -> datetime:
        """Return the local midnight starting ``day``."""
        return datetime.combine(day, time(0), tzinfo=LOCAL)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(LOCAL).date()

    def moment(self, seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, tz=UTC)

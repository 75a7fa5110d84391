"""The retirement age by law: Labour Code 2019 Art. 169, Decree 135/2020/NĐ-CP.

Labour Code 2019 (45/2019/QH14) Art. 169(2): from 2021 the retirement age
under normal working conditions is 60 years 3 months for men and 55 years
4 months for women, rising each year by 3 months for men until 62 (reached in
2028) and by 4 months for women until 60 (reached in 2035). Before 2021 the
Labour Code 2012 Art. 187 set 60 for men and 55 for women.

Decree 135/2020/NĐ-CP Art. 4 gives the age of each calendar year, and its
Appendix I matches each month of birth with the age that applies: the age of
the calendar year in which the person reaches it. A man born in 09/1961
reaches 60y3m in 12/2021, so retires at 60y3m; one born in 10/1961 would reach
60y3m in 01/2022, when 60y6m applies, so he retires at 60y6m in 04/2022.
Whoever reached the old age (60 / 55) before 2021 retired at it: a man born in
12/1960 turned 60 in 12/2020. Art. 3(1): the retirement date is the last day
of the month in which the person reaches the age; Art. 3(2): the pension is
paid from the first day of the next month.

Only the month of birth matters; the functions take dates so that callers can
pass a date of birth as stored (a record with the year only is read as 1
January, Art. 3(3)).
"""

import calendar
from datetime import date

ROADMAP_FROM = 2021
MALE, FEMALE = "male", "female"
# Ages in months: before the roadmap, in its first year, the yearly step, the end.
_AGES = {
    MALE: (60 * 12, 60 * 12 + 3, 3, 62 * 12),
    FEMALE: (55 * 12, 55 * 12 + 4, 4, 60 * 12),
}


def _rule(gender: str) -> tuple[int, int, int, int]:
    try:
        return _AGES[gender]
    except KeyError:
        raise ValueError(f"No retirement age for gender {gender!r}.") from None


def age_for_year(*, gender: str, year: int) -> tuple[int, int]:
    """Return the retirement age (years, months) in force in a calendar year.

    Decree 135/2020/NĐ-CP Art. 4(1): men 60y3m in 2021, +3 months a year to
    62 in 2028; women 55y4m in 2021, +4 months a year to 60 in 2035.
    """
    return divmod(_age_months(gender, year), 12)


def _age_months(gender: str, year: int) -> int:
    before, first, step, last = _rule(gender)
    if year < ROADMAP_FROM:
        return before
    return min(first + step * (year - ROADMAP_FROM), last)


def _month_reached(birth: date, months: int) -> tuple[int, int]:
    """Return (year, month) of the month in which ``birth`` is ``months`` old."""
    year, month0 = divmod(birth.year * 12 + birth.month - 1 + months, 12)
    return year, month0 + 1


def _retirement(gender: str, birth: date) -> tuple[int, tuple[int, int]]:
    """Return the age in months and the (year, month) in which it is reached."""
    months = _age_months(gender, ROADMAP_FROM - 1)
    reached = _month_reached(birth, months)
    if reached[0] < ROADMAP_FROM:
        return months, reached
    # Each year the age grows by less than a year, so the year of reaching it
    # moves by at most one a year: the first year that matches is the answer.
    year = ROADMAP_FROM
    while True:
        months = _age_months(gender, year)
        reached = _month_reached(birth, months)
        if reached[0] <= year:
            return months, reached
        year += 1


def retirement_age(*, gender: str, birth_date: date) -> tuple[int, int]:
    """Return the retirement age (years, months) of someone born on ``birth_date``.

    The age of the calendar year in which the person reaches it (Decree
    135/2020/NĐ-CP Art. 4 and Appendix I); 60 or 55 for whoever reached that
    before 2021. ``gender`` is "male" or "female"; anything else is a
    ValueError.
    """
    months, _reached = _retirement(gender, birth_date)
    return divmod(months, 12)


def retirement_date(*, gender: str, birth_date: date) -> date:
    """Return the retirement date: the last day of the month the age is reached.

    Decree 135/2020/NĐ-CP Art. 3(1). Someone who keeps working past it retires
    when the contract ends; the register does not know that, so this is the
    date by law.
    """
    _months, (year, month) = _retirement(gender, birth_date)
    return date(year, month, calendar.monthrange(year, month)[1])


def pension_start(*, gender: str, birth_date: date) -> date:
    """Return the first day of the pension: the day after the retirement date.

    Decree 135/2020/NĐ-CP Art. 3(2): the first day of the next month.
    """
    _months, (year, month) = _retirement(gender, birth_date)
    return date(year + month // 12, month % 12 + 1, 1)


def born_by_retirement(*, gender: str, on_or_before: date) -> date:
    """Return the last date of birth whose retirement date is on or before a day.

    A later birth never retires earlier, so everyone born on or before the
    returned date has retired by ``on_or_before`` and nobody born after has:
    a filter on the date of birth that a database can run.
    """
    before, _first, _step, last = _rule(gender)
    # Born at least the final age (plus a year) earlier: retired; born less
    # than the old age earlier: not yet.
    low = (on_or_before.year - last // 12 - 1) * 12
    high = (on_or_before.year - before // 12 + 1) * 12
    while low < high:  # the first month of birth that retires after the day
        middle = (low + high) // 2
        born = date(middle // 12, middle % 12 + 1, 1)
        if retirement_date(gender=gender, birth_date=born) <= on_or_before:
            low = middle + 1
        else:
            high = middle
    year, month0 = divmod(low - 1, 12)
    return date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])

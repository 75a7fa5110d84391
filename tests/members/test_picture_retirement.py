"""The retirement age by law, checked against Decree 135/2020/NĐ-CP Appendix I.

The expected rows were worked out by hand from the law, month by month: the
age of the calendar year in which a person reaches it applies (Art. 4 and
Appendix I); whoever turned 60 (men) or 55 (women) before 2021 retired at
that age; the retirement date is the last day of that month (Art. 3(1)) and
the pension starts on the first day of the next (Art. 3(2)).
"""

from datetime import date, timedelta

import pytest

from members.retirement import (
    age_for_year,
    born_by_retirement,
    pension_start,
    retirement_age,
    retirement_date,
)

# (born, retirement age, retirement date): Appendix I, men.
MEN = [
    # Turned 60 before 2021: the Labour Code 2012's age.
    (date(1960, 9, 14), (60, 0), date(2020, 9, 30)),
    (date(1960, 10, 1), (60, 0), date(2020, 10, 31)),
    (date(1960, 12, 31), (60, 0), date(2020, 12, 31)),
    # 2021: 60 years 3 months, born 01/1961 to 09/1961.
    (date(1961, 1, 1), (60, 3), date(2021, 4, 30)),
    (date(1961, 1, 31), (60, 3), date(2021, 4, 30)),
    (date(1961, 3, 15), (60, 3), date(2021, 6, 30)),
    (date(1961, 9, 30), (60, 3), date(2021, 12, 31)),
    # 2022: 60 years 6 months, born 10/1961 to 06/1962.
    (date(1961, 10, 1), (60, 6), date(2022, 4, 30)),
    (date(1962, 6, 30), (60, 6), date(2022, 12, 31)),
    # 2023: 60 years 9 months, born 07/1962 to 03/1963.
    (date(1962, 7, 1), (60, 9), date(2023, 4, 30)),
    (date(1963, 3, 31), (60, 9), date(2023, 12, 31)),
    # 2024: 61 years, born 04/1963 to 12/1963.
    (date(1963, 4, 1), (61, 0), date(2024, 4, 30)),
    (date(1963, 12, 31), (61, 0), date(2024, 12, 31)),
    # 2025: 61 years 3 months, born 01/1964 to 09/1964.
    (date(1964, 1, 1), (61, 3), date(2025, 4, 30)),
    (date(1964, 2, 29), (61, 3), date(2025, 5, 31)),
    (date(1964, 9, 30), (61, 3), date(2025, 12, 31)),
    # 2026: 61 years 6 months, born 10/1964 to 06/1965.
    (date(1964, 10, 1), (61, 6), date(2026, 4, 30)),
    (date(1965, 6, 30), (61, 6), date(2026, 12, 31)),
    # 2027: 61 years 9 months, born 07/1965 to 03/1966.
    (date(1965, 7, 1), (61, 9), date(2027, 4, 30)),
    (date(1966, 1, 10), (61, 9), date(2027, 10, 31)),
    (date(1966, 3, 31), (61, 9), date(2027, 12, 31)),
    # 2028 on: 62 years, from those born in 04/1966.
    (date(1966, 4, 1), (62, 0), date(2028, 4, 30)),
    (date(1966, 12, 15), (62, 0), date(2028, 12, 31)),
    (date(1990, 5, 20), (62, 0), date(2052, 5, 31)),
]

# (born, retirement age, retirement date): Appendix I, women.
WOMEN = [
    # Turned 55 before 2021.
    (date(1965, 9, 1), (55, 0), date(2020, 9, 30)),
    (date(1965, 12, 31), (55, 0), date(2020, 12, 31)),
    # 2021: 55 years 4 months, born 01/1966 to 08/1966.
    (date(1966, 1, 1), (55, 4), date(2021, 5, 31)),
    (date(1966, 8, 31), (55, 4), date(2021, 12, 31)),
    # 2022: 55 years 8 months, born 09/1966 to 04/1967.
    (date(1966, 9, 1), (55, 8), date(2022, 5, 31)),
    (date(1967, 4, 30), (55, 8), date(2022, 12, 31)),
    # 2023: 56 years, born 05/1967 to 12/1967.
    (date(1967, 5, 1), (56, 0), date(2023, 5, 31)),
    (date(1967, 12, 31), (56, 0), date(2023, 12, 31)),
    # 2024: 56 years 4 months, born 01/1968 to 08/1968.
    (date(1968, 1, 1), (56, 4), date(2024, 5, 31)),
    (date(1968, 8, 31), (56, 4), date(2024, 12, 31)),
    # 2025: 56 years 8 months; 2026: 57 years; 2027: 57 years 4 months.
    (date(1968, 9, 1), (56, 8), date(2025, 5, 31)),
    (date(1969, 5, 1), (57, 0), date(2026, 5, 31)),
    (date(1970, 1, 1), (57, 4), date(2027, 5, 31)),
    # 2028: 57 years 8 months, born 09/1970 to 04/1971.
    (date(1970, 9, 1), (57, 8), date(2028, 5, 31)),
    (date(1971, 1, 20), (57, 8), date(2028, 9, 30)),
    (date(1971, 4, 30), (57, 8), date(2028, 12, 31)),
    # 2029 to 2033.
    (date(1971, 5, 1), (58, 0), date(2029, 5, 31)),
    (date(1972, 1, 1), (58, 4), date(2030, 5, 31)),
    (date(1972, 9, 1), (58, 8), date(2031, 5, 31)),
    (date(1973, 5, 1), (59, 0), date(2032, 5, 31)),
    (date(1974, 1, 1), (59, 4), date(2033, 5, 31)),
    # 2034: 59 years 8 months, born 09/1974 to 04/1975.
    (date(1974, 9, 1), (59, 8), date(2034, 5, 31)),
    (date(1975, 1, 5), (59, 8), date(2034, 9, 30)),
    (date(1975, 4, 30), (59, 8), date(2034, 12, 31)),
    # 2035 on: 60 years, from those born in 05/1975.
    (date(1975, 5, 1), (60, 0), date(2035, 5, 31)),
    (date(1980, 12, 1), (60, 0), date(2040, 12, 31)),
]


@pytest.mark.parametrize(("born", "age", "retires"), MEN)
def test_men_retire_by_the_decrees_appendix(born, age, retires):
    assert retirement_age(gender="male", birth_date=born) == age
    assert retirement_date(gender="male", birth_date=born) == retires


@pytest.mark.parametrize(("born", "age", "retires"), WOMEN)
def test_women_retire_by_the_decrees_appendix(born, age, retires):
    assert retirement_age(gender="female", birth_date=born) == age
    assert retirement_date(gender="female", birth_date=born) == retires


@pytest.mark.parametrize(
    ("gender", "born", "pension"),
    [
        # Appendix I's "time of enjoying the pension" column.
        ("male", date(1961, 1, 1), date(2021, 5, 1)),
        ("male", date(1961, 9, 1), date(2022, 1, 1)),
        ("male", date(1966, 12, 1), date(2029, 1, 1)),
        ("female", date(1966, 1, 1), date(2021, 6, 1)),
        ("female", date(1966, 8, 1), date(2022, 1, 1)),
    ],
)
def test_the_pension_starts_on_the_first_of_the_next_month(gender, born, pension):
    assert pension_start(gender=gender, birth_date=born) == pension


@pytest.mark.parametrize(
    ("gender", "year", "age"),
    [
        ("male", 2020, (60, 0)),
        ("male", 2021, (60, 3)),
        ("male", 2024, (61, 0)),
        ("male", 2027, (61, 9)),
        ("male", 2028, (62, 0)),
        ("male", 2040, (62, 0)),
        ("female", 2020, (55, 0)),
        ("female", 2021, (55, 4)),
        ("female", 2023, (56, 0)),
        ("female", 2034, (59, 8)),
        ("female", 2035, (60, 0)),
        ("female", 2050, (60, 0)),
    ],
)
def test_the_age_of_each_year_follows_article_4(gender, year, age):
    assert age_for_year(gender=gender, year=year) == age


@pytest.mark.parametrize(
    ("gender", "day", "last_born"),
    [
        ("male", date(2020, 12, 31), date(1960, 12, 31)),
        # Nobody retires in 01/2021 to 03/2021: the 2021 age added 3 months.
        ("male", date(2021, 3, 31), date(1960, 12, 31)),
        ("male", date(2021, 4, 29), date(1960, 12, 31)),
        ("male", date(2021, 4, 30), date(1961, 1, 31)),
        ("male", date(2021, 12, 31), date(1961, 9, 30)),
        ("male", date(2022, 4, 15), date(1961, 9, 30)),
        ("male", date(2022, 4, 30), date(1961, 10, 31)),
        ("male", date(2028, 4, 30), date(1966, 4, 30)),
        ("female", date(2020, 12, 31), date(1965, 12, 31)),
        ("female", date(2021, 5, 31), date(1966, 1, 31)),
        ("female", date(2034, 12, 31), date(1975, 4, 30)),
        ("female", date(2035, 5, 31), date(1975, 5, 31)),
    ],
)
def test_born_by_retirement_gives_the_last_birth_date_retired(gender, day, last_born):
    assert born_by_retirement(gender=gender, on_or_before=day) == last_born


@pytest.mark.parametrize("gender", ["male", "female"])
def test_a_later_birth_never_retires_earlier(gender):
    months = [date(year, month, 1) for year in range(1955, 1991) for month in (1, 7)]
    months += [date(year, month, 28) for year in range(1955, 1991) for month in (3, 12)]
    months.sort()
    dates = [retirement_date(gender=gender, birth_date=born) for born in months]
    assert dates == sorted(dates)
    for born, retires in zip(months, dates, strict=True):
        last = born_by_retirement(gender=gender, on_or_before=retires)
        assert last >= born
        after = last + timedelta(days=1)
        assert retirement_date(gender=gender, birth_date=after) > retires


@pytest.mark.parametrize("gender", ["", "other", None])
def test_an_unknown_gender_has_no_retirement_age(gender):
    with pytest.raises(ValueError, match="gender"):
        retirement_age(gender=gender, birth_date=date(1970, 1, 1))

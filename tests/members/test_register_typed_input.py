"""Typed input: every parser returns a value or a Vietnamese ValidationError.

Property-based: hypothesis feeds the parsers of what staff and members type
(eligibility rules, CCCDs, phones, dates, money, the forms' fields) arbitrary
text, Unicode digits of every script, NUL bytes, huge numbers, dates at the
ends of the calendar. A parser either returns a value of the promised shape or
raises Django's ValidationError whose messages read in Vietnamese (each
differs from its English source, so it went through the catalogue); anything
else would be a 500 for the person who typed it.
"""

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from members import services
from members.admin.care import CareCaseForm
from members.admin.privacy import DataRightsRequestForm as StaffDataRightsRequestForm
from members.admin.programmes import (
    CareProgrammeForm,
    DeliveryRecordForm,
    FromTemplateForm,
    ProgrammeBudgetForm,
)
from members.admin.register import MemberForm
from members.eligibility import FIELDS, UNITS, Rule, rule_parse, years_before
from members.forms.consultations import ConsultationRequestForm
from members.forms.privacy import DataRightsRequestForm as PortalDataRightsRequestForm
from members.forms.register import RelativeForm
from members.hrm.values import date_clean
from members.identifiers import national_id_clean, phone_clean
from members.models import (
    CareCase,
    CareProgramme,
    ConsultationRequest,
    DataRightsRequest,
    Member,
    Relative,
    Unit,
    User,
)
from members.money import vnd
from tests.members.factories import (
    make_member,
    make_relative,
    make_staff,
    make_unit,
    reloaded,
)
from tests.members.factories_programmes import make_programme

# Bounded: a few hundred examples a property, no example database, no deadline
# (the first call of a parser loads the catalogue).
PURE = settings(max_examples=300, deadline=None, database=None)
WITH_DB = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# The largest amount a PositiveBigIntegerField column holds.
MAX_AMOUNT = 2**63 - 1

# "+84 912 345 678" as a phone's full-width keyboard types it.
FULLWIDTH_PHONE = "+84 912 345 678".translate(
    {ord(digit): 0xFF10 + int(digit) for digit in string.digits}
)

# What people type, and what their keyboards, phones and spreadsheets slip in.
SEPARATORS = " \t\n\x00.,;:/-+()"
unicode_digits = st.characters(categories=["Nd", "No", "Nl"])
digitish = st.text(
    alphabet=st.one_of(st.sampled_from(string.digits + SEPARATORS), unicode_digits),
    max_size=30,
)
typed = st.one_of(
    st.text(max_size=60),
    digitish,
    st.integers().map(str),
    # Past Python's 4,300-digit limit of int(str).
    st.text(alphabet=string.digits, min_size=4_000, max_size=5_000),
)


def refused_in_vietnamese(error: ValidationError, again: Callable) -> None:
    """Check that a refusal reads in Vietnamese, and differs from its English msgid."""
    with translation.override("vi"):
        vietnamese = list(error.messages)
    with translation.override("en"):
        try:
            again()
        except ValidationError as english_error:
            english = list(english_error.messages)
        else:  # pragma: no cover - the same input must be refused in any language
            pytest.fail("accepted in English what Vietnamese refused")
    assert vietnamese, "a refusal says why"
    assert len(vietnamese) == len(english)
    for vi, en in zip(vietnamese, english, strict=True):
        assert vi.strip()
        assert vi != en, f"not translated: {en!r}"


def parsed(call: Callable):
    """Return call()'s value, or None once its refusal is checked to be Vietnamese."""
    with translation.override("vi"):
        try:
            return call()
        except ValidationError as error:
            refused_in_vietnamese(error, call)
            return None


# Eligibility rules ------------------------------------------------------------

NO_DB_FIELDS = sorted(name for name, spec in FIELDS.items() if spec.kind != UNITS)
OPERATORS = sorted({op for spec in FIELDS.values() for op in spec.operators})


@PURE
@given(
    field=st.one_of(st.sampled_from(NO_DB_FIELDS), st.text(max_size=20)),
    operator=st.one_of(st.sampled_from(OPERATORS), st.text(max_size=10)),
    value=typed,
)
@example(field="age", operator="gte", value="²")
@example(field="relative_age", operator="lt", value="\u0661\u0665")  # Arabic-Indic 15
@example(field="age", operator="eq", value="9" * 5_000)
def test_a_rule_is_read_or_refused_in_vietnamese(field, operator, value):
    if field in FIELDS and FIELDS[field].kind == UNITS:
        return  # unit codes are looked up in the database: below
    rule = parsed(
        lambda: rule_parse({"field": field, "operator": operator, "value": value})
    )
    if rule is None:
        return
    assert isinstance(rule, Rule)
    if FIELDS[rule.field].kind == "years":
        assert isinstance(rule.value, int)
        assert 0 <= rule.value <= 150


@WITH_DB
@given(value=typed)
@example(value="VNPT\x00")
@example(value="²")
def test_a_unit_rule_is_read_or_refused_in_vietnamese(db, value):
    rule = parsed(
        lambda: rule_parse({"field": "unit", "operator": "in", "value": value})
    )
    assert rule is None or isinstance(rule.value, frozenset)


# Identifiers ----------------------------------------------------------------------

CCCD = re.compile(r"[0-9]{12}")
PHONE = re.compile(r"0[0-9]{9,10}")


@PURE
@given(
    value=st.one_of(typed, st.from_regex(r"0[0-9]{2}[0-3][0-9]{8}", fullmatch=True)),
    date_of_birth=st.none() | st.dates(),
    gender=st.sampled_from(["", "male", "female", "other"]),
)
@example(value="00120190000\u0661", date_of_birth=None, gender="")
@example(value="001\u066201900001", date_of_birth=None, gender="")
def test_a_cccd_is_twelve_ascii_digits_or_refused_in_vietnamese(
    value, date_of_birth, gender
):
    cccd = parsed(
        lambda: national_id_clean(value, date_of_birth=date_of_birth, gender=gender)
    )
    assert cccd is None or CCCD.fullmatch(cccd)


@PURE
@given(
    value=st.one_of(typed, st.from_regex(r"(\+84|84|0)?[0-9 .]{8,12}", fullmatch=True))
)
@example(value="09\u06612345678")
@example(value=FULLWIDTH_PHONE)
def test_a_phone_is_ascii_digits_or_refused_in_vietnamese(value):
    phone = parsed(lambda: phone_clean(value))
    assert phone is None or PHONE.fullmatch(phone)


# Dates ------------------------------------------------------------------------------


@PURE
@given(
    value=st.one_of(
        typed,
        st.from_regex(r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}", fullmatch=True),
        st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", fullmatch=True),
        st.integers(),
        st.floats(),
        st.dates(),
    )
)
@example(value="31/12/9999 23:59")
@example(value="00/00/0000")
def test_an_hrm_date_is_a_date_or_refused_in_vietnamese(value):
    parsed_date = parsed(lambda: date_clean(value))
    assert parsed_date is None or (
        isinstance(parsed_date, date) and parsed_date.year >= 1900
    )


# Forms ------------------------------------------------------------------------------


def form_checked(make_form: Callable):
    """Return the form if valid; otherwise check each error reads in Vietnamese."""

    def filled(language):
        with translation.override(language):
            form = make_form()
            form.is_valid()
            errors = {
                field: [str(message) for message in messages]
                for field, messages in form.errors.items()
            }
            return form, errors

    form, vietnamese = filled("vi")
    _english_form, english = filled("en")
    assert vietnamese.keys() == english.keys()
    for field, messages in vietnamese.items():
        for vi, en in zip(messages, english[field], strict=True):
            assert vi.strip()
            assert vi != en, f"{field}: not translated: {en!r}"
    return form if not vietnamese else None


def fields_of(**strategies) -> st.SearchStrategy[dict]:
    """Form data: each field typed freely, or left out."""
    return st.fixed_dictionaries({}, optional=strategies)


def one_of_or_typed(*values) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(value) for value in values]), typed)


dates_typed = st.one_of(
    typed,
    st.dates().map(lambda day: f"{day:%d/%m/%Y}"),
    st.from_regex(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{1,5}", fullmatch=True),
    st.from_regex(r"[0-9]{8}", fullmatch=True),
)
amounts_typed = st.one_of(
    typed,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@dataclass(frozen=True)
class Register:
    unit: Unit
    member: Member
    relative: Relative
    officer: User


@pytest.fixture
def register(db) -> Register:
    sector = make_unit(code="CDTT", name="Công đoàn TT&TT", level=Unit.Level.SECTOR)
    vnpt = make_unit(
        code="VNPT",
        name="Công đoàn VNPT",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    hanoi = reloaded(
        make_unit(
            code="VNPT-HN",
            name="CĐCS VNPT Hà Nội",
            level=Unit.Level.GRASSROOTS,
            parent=vnpt,
        )
    )
    member = make_member(unit=hanoi, full_name="Nguyễn Văn An")
    return Register(
        unit=hanoi,
        member=member,
        relative=make_relative(member=member, full_name="Trần Thị Hoa"),
        officer=make_staff(email="canbo@example.vn", name="Cán bộ", unit=hanoi),
    )


@WITH_DB
@given(
    data=fields_of(
        full_name=typed,
        relationship=one_of_or_typed(*Relative.Relationship.values),
        date_of_birth=dates_typed,
        phone=st.one_of(typed, st.from_regex(r"\+?84[0-9 ]{9,11}", fullmatch=True)),
        note=typed,
    )
)
@example(data={"full_name": "Na", "relationship": "child", "phone": "09\u06612345678"})
@example(data={"full_name": "Bé Na\x00", "relationship": "child"})
def test_a_member_adds_a_relative_or_is_told_why_in_vietnamese(register, data):
    def make_form():
        return RelativeForm(data=data, instance=Relative(member=register.member))

    form = form_checked(make_form)
    if form is None:
        return
    relative = parsed(
        lambda: services.relative_save(relative=form.instance, actor=None)
    )
    if relative is not None:
        assert relative.phone == "" or PHONE.fullmatch(relative.phone)


@WITH_DB
@given(
    data=fields_of(kind=one_of_or_typed(*DataRightsRequest.Kind.values), details=typed)
)
def test_a_data_rights_request_is_sent_or_refused_in_vietnamese(register, data):
    form = form_checked(lambda: PortalDataRightsRequestForm(data=data))
    if form is None:
        return
    parsed(
        lambda: services.data_rights_request_submit(
            member=register.member,
            kind=form.cleaned_data["kind"],
            details=form.cleaned_data["details"],
            actor=None,
        )
    )


@WITH_DB
@given(
    data=fields_of(
        topic=one_of_or_typed(*ConsultationRequest.Topic.values),
        mode=one_of_or_typed(*ConsultationRequest.Mode.values),
        subject=typed,
        preferred_times=typed,
    )
)
def test_a_consultation_request_form_reads_or_refuses_in_vietnamese(register, data):
    form_checked(lambda: ConsultationRequestForm(data=data))


@WITH_DB
@given(
    data=fields_of(
        full_name=typed,
        gender=one_of_or_typed(*Member.Gender.values),
        date_of_birth=dates_typed,
        national_id=st.one_of(
            typed, st.from_regex(r"0[0-9]{2}[0-3][0-9]{8}", fullmatch=True)
        ),
        phone=typed,
        email=typed,
        status=one_of_or_typed(*Member.Status.values),
        card_number=typed,
        union_joined_on=dates_typed,
        employee_code=typed,
        position=typed,
        employment_status=typed,
    ),
    pick_unit=st.booleans(),
)
def test_staff_enter_a_member_or_are_told_why_in_vietnamese(register, data, pick_unit):
    if pick_unit:
        data = {**data, "unit": str(register.unit.pk)}
    form_checked(lambda: MemberForm(data=data))


@WITH_DB
@given(
    data=fields_of(
        kind=one_of_or_typed(*CareCase.Kind.values),
        summary=typed,
        details=typed,
        opened_on=dates_typed,
        follow_up_on=dates_typed,
        relative=typed,
    ),
    pick_member=st.booleans(),
)
def test_staff_open_a_care_case_or_are_told_why_in_vietnamese(
    register, data, pick_member
):
    data = {**data, "member": str(register.member.pk) if pick_member else "x"}
    form_checked(lambda: CareCaseForm(data=data))


@WITH_DB
@given(
    data=fields_of(
        name=typed,
        description=typed,
        beneficiary=one_of_or_typed(*CareProgramme.Beneficiary.values),
        benefit=one_of_or_typed(*CareProgramme.Benefit.values),
        gift=typed,
        amount=amounts_typed,
        extra_amount=amounts_typed,
        period_start=dates_typed,
        period_end=dates_typed,
        reference_on=dates_typed,
    )
)
def test_staff_define_a_programme_or_are_told_why_in_vietnamese(register, data):
    data = {**data, "unit": str(register.unit.pk)}
    form_checked(lambda: CareProgrammeForm(data=data))


@WITH_DB
@given(amount=amounts_typed, unit=st.one_of(typed, st.just("")))
def test_staff_set_a_budget_or_are_told_why_in_vietnamese(register, amount, unit):
    data = {"amount": amount, "unit": unit or str(register.unit.pk)}
    form_checked(lambda: ProgrammeBudgetForm(data=data))


@PURE
@given(
    data=fields_of(
        delivered_on=dates_typed,
        delivered_by=typed,
        amount=amounts_typed,
        note=typed,
        confirm_over_budget=typed,
    ),
    single=st.booleans(),
    given_=st.booleans(),
)
@example(
    data={"delivered_on": "01/01/2025", "delivered_by": "Ban", "amount": "9" * 20},
    single=True,
    given_=True,
)
def test_a_delivery_record_form_reads_or_refuses_in_vietnamese(data, single, given_):
    form = form_checked(
        lambda: DeliveryRecordForm(data=data, single=single, given=given_)
    )
    if form is not None and form.cleaned_data.get("amount") is not None:
        assert 0 <= form.cleaned_data["amount"] <= MAX_AMOUNT


@WITH_DB
@given(
    data=fields_of(
        name=typed,
        period_start=dates_typed,
        period_end=dates_typed,
        reference_on=dates_typed,
        template=typed,
    )
)
def test_a_programme_from_a_template_form_reads_or_refuses_in_vietnamese(
    register, data
):
    data = {**data, "unit": str(register.unit.pk)}
    form_checked(lambda: FromTemplateForm(data=data, user=register.officer))


@WITH_DB
@given(
    data=fields_of(
        kind=one_of_or_typed(*DataRightsRequest.Kind.values),
        details=typed,
        response=typed,
        member=typed,
    )
)
def test_staff_record_a_data_rights_request_or_are_told_why_in_vietnamese(
    register, data
):
    form_checked(lambda: StaffDataRightsRequestForm(data=data))


# Ages far beyond a lifetime, money of any size ------------------------------------


@PURE
@given(day=st.dates(), years=st.integers(min_value=0, max_value=40_000))
@example(day=date(2025, 1, 1), years=32_767)
@example(day=date(1, 1, 1), years=151)
def test_a_date_years_before_is_always_a_date(day, years):
    earlier = years_before(day, years)
    assert earlier <= day
    if day.year - years >= date.min.year:
        assert earlier.year == day.year - years


def test_an_age_band_typed_far_beyond_a_lifetime_lists_nobody_in_it(register):
    """A band's "from age" is any small integer: 32767 must not crash the refresh."""
    programme = make_programme(
        unit=register.unit,
        name="Quà tặng",
        rules=(("age", "gte", "0"),),
        bands=((32_767, 1),),
        amount=500_000,
        reference_on=date(2025, 1, 1),
    )

    assert list(programme.eligibilities.values_list("member_id", "amount")) == [
        (register.member.pk, 500_000)
    ]


@PURE
@given(amount=st.integers(min_value=-MAX_AMOUNT - 1, max_value=MAX_AMOUNT))
def test_any_amount_a_column_holds_shows_as_dong(amount):
    with translation.override("vi"):
        shown = vnd(amount)
    assert shown.endswith("\u00a0₫")
    assert int(re.sub(r"[^0-9-]", "", shown)) == amount

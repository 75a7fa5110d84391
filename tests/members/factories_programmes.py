"""Builders of care programmes and consultations, and their canaries for the scope."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from members.models import (
    CareProgramme,
    ConsultationRequest,
    Member,
    ProgrammeAmountBand,
    ProgrammeBudget,
    ProgrammeDelivery,
    ProgrammeEligibility,
    ProgrammeRule,
    Unit,
)
from members.services import consultations as consultation_services
from members.services import programmes as services
from tests.members.factories import Canary, UnionTree


def make_programme(
    *,
    unit: Unit,
    name: str,
    rules: tuple[tuple[str, str, str], ...] = (),
    bands: tuple[tuple[int, int], ...] = (),
    budgets: tuple[tuple[Unit, int], ...] = (),
    beneficiary: str = CareProgramme.Beneficiary.MEMBER,
    amount: int = 500_000,
    extra_amount: int = 0,
    period_start: date | None = None,
    period_end: date | None = None,
    reference_on: date | None = None,
    gift: str = "",
    open_it: bool = True,
) -> CareProgramme:
    """Create a programme with its rules, amount bands and budgets, open by default."""
    today = timezone.localdate()
    programme = services.programme_save(
        programme=CareProgramme(
            unit=unit,
            name=name,
            beneficiary=beneficiary,
            benefit=CareProgramme.Benefit.GIFT if gift else CareProgramme.Benefit.CASH,
            gift=gift,
            amount=amount,
            extra_amount=extra_amount,
            period_start=period_start or today - timedelta(days=30),
            period_end=period_end or today + timedelta(days=60),
            reference_on=reference_on,
        )
    )
    for field, operator, value in rules:
        services.programme_part_save(
            part=ProgrammeRule(
                programme=programme, field=field, operator=operator, value=value
            )
        )
    for from_age, band_amount in bands:
        services.programme_part_save(
            part=ProgrammeAmountBand(
                programme=programme, from_age=from_age, amount=band_amount
            )
        )
    for budget_unit, budget_amount in budgets:
        services.programme_part_save(
            part=ProgrammeBudget(
                programme=programme, unit=budget_unit, amount=budget_amount
            )
        )
    if open_it:
        services.programme_open(programme=programme)
    else:
        services.programme_eligibility_refresh(programme_id=programme.pk)
    programme.refresh_from_db()
    return programme


def row_of(programme: CareProgramme, member: Member, relative=None):
    """Return the eligibility row of a member (or of one of their relatives)."""
    return ProgrammeEligibility.objects.select_related("unit").get(
        programme=programme,
        beneficiary_key=services.relative_key(relative.pk)
        if relative
        else services.member_key(member.pk),
    )


def deliver(
    programme: CareProgramme,
    member: Member,
    *,
    by: str = "Ban nữ công",
    note: str = "",
    outcome: str = ProgrammeDelivery.Outcome.GIVEN,
    actor=None,
    confirm: bool = False,
) -> ProgrammeDelivery:
    (delivery,) = services.programme_deliveries_record(
        eligibilities=[row_of(programme, member)],
        outcome=outcome,
        delivered_on=timezone.localdate(),
        delivered_by=by,
        note=note,
        confirm_over_budget=confirm,
        actor=actor,
    )
    return delivery


def make_consultation(
    member: Member,
    *,
    subject: str,
    adviser: str = "",
    place: str = "",
    topic: str = ConsultationRequest.Topic.POLICY,
    scheduled_at=None,
) -> ConsultationRequest:
    consultation = consultation_services.consultation_request(
        member=member,
        topic=topic,
        subject=subject,
        mode=ConsultationRequest.Mode.ONLINE,
        preferred_times="Tối các ngày trong tuần",
    )
    if adviser:
        consultation = consultation_services.consultation_schedule(
            consultation=consultation,
            scheduled_at=scheduled_at or timezone.now() + timedelta(days=3),
            adviser=adviser,
            place=place,
        )
    return consultation


@dataclass(frozen=True)
class ProgrammeCanary:
    """A unit's programme, budget, delivery and consultation: its scope's secrets."""

    programme: CareProgramme
    eligibility: ProgrammeEligibility
    delivery: ProgrammeDelivery
    budget: ProgrammeBudget
    consultation: ConsultationRequest
    strings: dict[str, str]

    @property
    def objects(self) -> list:
        return [
            self.programme,
            self.eligibility,
            self.delivery,
            self.budget,
            self.consultation,
        ]


@dataclass(frozen=True)
class ProgrammeTree:
    """Programmes over make_union_tree: one sector-wide, one per unit, canaries."""

    sector_programme: CareProgramme
    own_programme: CareProgramme
    own_consultation: ConsultationRequest
    own_delivery: ProgrammeDelivery
    sibling: ProgrammeCanary
    cousin: ProgrammeCanary


FEMALE_ACTIVE = (("gender", "eq", "female"), ("status", "in", "active"))


def _canary(
    tree: UnionTree, canary: Canary, sector: CareProgramme, label: str
) -> ProgrammeCanary:
    unit = canary.member.unit
    programme = make_programme(
        unit=unit,
        name=f"Canary {label} Programme",
        rules=FEMALE_ACTIVE,
        budgets=((unit, 1_000_000),),
    )
    delivery = deliver(
        sector,
        canary.member,
        by=f"Canary {label} Deliverer",
        note=f"Canary {label} delivery note",
    )
    consultation = make_consultation(
        canary.member,
        subject=f"Canary {label} Consultation",
        adviser=f"Canary {label} Adviser",
        place=f"Canary {label} Meeting Room",
    )
    return ProgrammeCanary(
        programme=programme,
        eligibility=row_of(programme, canary.member),
        delivery=delivery,
        budget=programme.budgets.get(),
        consultation=consultation,
        strings={
            "programme name": programme.name,
            "deliverer": delivery.delivered_by,
            "delivery note": delivery.note,
            "consultation subject": consultation.subject,
            "adviser": consultation.adviser,
            "meeting place": consultation.place,
        },
    )


def make_programme_tree(tree: UnionTree) -> ProgrammeTree:
    """Add a sector-wide women's programme and each unit's own to the union tree.

    The canaries' members are women: they are listed in the sector programme,
    where each has a delivery, and in their own unit's programme.
    """
    sector = make_programme(
        unit=tree.sector,
        name="Quà 8/3 toàn ngành",
        rules=FEMALE_ACTIVE,
        budgets=(
            (tree.vnpt_hn, 2_000_000),
            (tree.vnpt_hcm, 2_000_000),
            (tree.vtc_dt, 2_000_000),
        ),
    )
    own = make_programme(
        unit=tree.vnpt_hn,
        name="Khám sức khỏe nữ Hà Nội",
        rules=FEMALE_ACTIVE,
        bands=((40, 650_000),),
        amount=250_000,
    )
    return ProgrammeTree(
        sector_programme=sector,
        own_programme=own,
        own_consultation=make_consultation(
            tree.own_member, subject="Tư vấn chế độ bảo hiểm xã hội"
        ),
        own_delivery=deliver(sector, tree.group_member, by="Tổ nữ công Kỹ thuật"),
        sibling=_canary(tree, tree.sibling, sector, "Sibling"),
        cousin=_canary(tree, tree.cousin, sector, "Cousin"),
    )

"""Reads of care programmes for the admin and the portal."""

from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from members.models import (
    CareProgramme,
    ProgrammeBudget,
    ProgrammeDelivery,
    ProgrammeEligibility,
)
from members.scope import scoped


def delivery_of_row() -> QuerySet[ProgrammeDelivery]:
    """Return the delivery of the eligibility row in the outer query (0 or 1 row)."""
    return ProgrammeDelivery.objects.filter(
        programme=OuterRef("programme"), beneficiary_key=OuterRef("beneficiary_key")
    )


def eligibility_with_delivery(queryset: QuerySet) -> QuerySet[ProgrammeEligibility]:
    """Annotate eligibility rows with their delivery's outcome, date, amount, unit."""
    delivery = delivery_of_row().order_by()
    return queryset.annotate(
        delivery_outcome=Subquery(delivery.values("outcome")[:1]),
        delivery_on=Subquery(delivery.values("delivered_on")[:1]),
        delivery_amount=Subquery(delivery.values("amount")[:1]),
        delivery_unit_id=Subquery(delivery.values("unit_id")[:1]),
        delivery_unit_name=Subquery(delivery.values("unit__name")[:1]),
    )


def eligibility_undelivered(queryset: QuerySet) -> QuerySet[ProgrammeEligibility]:
    """Return the rows whose delivery, given or declined, is not recorded."""
    return queryset.exclude(Exists(delivery_of_row()))


def _rows_of_programme(model) -> Coalesce:
    """Return how many rows of ``model`` the programme in the outer query has."""
    count = (
        model.objects.filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(count), 0)


def programme_counts(queryset: QuerySet) -> QuerySet[CareProgramme]:
    """Annotate programmes with how many are listed and how many were reached."""
    return queryset.annotate(
        listed_count=_rows_of_programme(ProgrammeEligibility),
        reached_count=_rows_of_programme(ProgrammeDelivery),
    )


def budgets_with_spent(queryset: QuerySet) -> QuerySet[ProgrammeBudget]:
    """Annotate budgets with what the deliveries of their unit and below gave."""
    spent = (
        ProgrammeDelivery.objects.filter(
            programme=OuterRef("programme"),
            outcome=ProgrammeDelivery.Outcome.GIVEN,
            unit__path__startswith=OuterRef("unit__path"),
        )
        .order_by()
        .values("programme")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.annotate(
        spent=Coalesce(
            Subquery(spent, output_field=BigIntegerField()),
            Value(0, output_field=BigIntegerField()),
        )
    )


# The portal -----------------------------------------------------------------


@dataclass
class MyBenefit:
    """One beneficiary's place in a programme: the member or a relative."""

    name: str
    relationship: str
    amount: int
    delivery: ProgrammeDelivery | None = None


@dataclass
class MyProgramme:
    programme: CareProgramme
    benefits: list[MyBenefit] = field(default_factory=list)


def my_programmes(*, user) -> list[MyProgramme]:
    """Return the programmes the person and their relatives are listed in or got.

    Drafts stay with the staff. Open programmes come first, ending soonest first.
    """
    rows = (
        scoped(ProgrammeEligibility.objects.all(), user, portal=True)
        .exclude(programme__status=CareProgramme.Status.DRAFT)
        .select_related("programme", "relative", "member")
        # The member first, then their relatives, eldest first.
        .order_by("programme", F("relative__date_of_birth").asc(nulls_first=True), "pk")
    )
    deliveries = {
        (delivery.programme_id, delivery.beneficiary_key): delivery
        for delivery in scoped(
            ProgrammeDelivery.objects.all(), user, portal=True
        ).select_related("programme", "relative")
    }
    programmes: dict[int, MyProgramme] = {}

    def entry(programme):
        return programmes.setdefault(programme.pk, MyProgramme(programme))

    for row in rows:
        delivery = deliveries.pop((row.programme_id, row.beneficiary_key), None)
        relative = row.relative
        entry(row.programme).benefits.append(
            MyBenefit(
                name=relative.full_name if relative else row.member.full_name,
                relationship=relative.get_relationship_display() if relative else "",
                amount=delivery.amount if delivery else row.amount,
                delivery=delivery,
            )
        )
    # A delivery whose row left the list (a relative removed since) still shows.
    for delivery in deliveries.values():
        relative = delivery.relative
        entry(delivery.programme).benefits.append(
            MyBenefit(
                name=delivery.beneficiary_name,
                relationship=relative.get_relationship_display() if relative else "",
                amount=delivery.amount,
                delivery=delivery,
            )
        )
    is_open = CareProgramme.Status.OPEN
    return sorted(
        programmes.values(),
        key=lambda item: (
            item.programme.status != is_open,
            item.programme.period_end
            if item.programme.status == is_open
            else -item.programme.period_end.toordinal(),
            item.programme.pk,
        ),
    )


HOME_PROGRAMMES = 3


def programmes_home_block(*, user) -> dict | None:
    """Return the home's block of what the person and their relatives can receive.

    Rows of open programmes with no delivery recorded yet, ending soonest first.
    """
    rows = list(
        eligibility_undelivered(
            scoped(ProgrammeEligibility.objects.all(), user, portal=True).filter(
                programme__status=CareProgramme.Status.OPEN
            )
        )
        .select_related("programme", "relative")
        .order_by("programme__period_end", "programme", "pk")[:HOME_PROGRAMMES]
    )
    if not rows:
        return None
    return {"template": "members/programmes/home_block.html", "order": 30, "rows": rows}

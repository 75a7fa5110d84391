"""Reads of initiatives: the member's own, similar ones, co-authors, the dashboard."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractQuarter, Substr
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from feedback.models import BenefitFollowUp, Initiative, InitiativeTarget
from members.models import Member, Unit
from members.scope import scoped
from members.text import fold, nfc

# Titles of these are public within the union: anyone may see them exist.
PUBLIC_STATUSES = (Initiative.Status.RECOGNISED, Initiative.Status.APPLIED)
WAITING_STATUSES = (Initiative.Status.SUBMITTED, Initiative.Status.UNDER_REVIEW)
SIMILAR_LIMIT = 5
# Below this score (0-100) an initiative is not offered as similar.
SIMILAR_CUTOFF = 55
# How much of the folded text is stored, and how much the check reads of it
# (enough for the gist, little memory for ten thousand candidates).
TEXT_FOLDED_MAX = 2000
TEXT_COMPARED = 600
QUARTERS = (1, 2, 3, 4)
# Members who left or were erased cannot be named co-authors.
_GONE = Q(status=Member.Status.LEFT) | Q(erased_at__isnull=False)


def initiative_folded(*, title: str, problem: str, solution: str) -> tuple[str, str]:
    """Return the folded title and text the duplicates check compares."""
    text = fold(f"{title} {problem} {solution}")[:TEXT_FOLDED_MAX]
    return fold(title)[:255], text


# The member's own -------------------------------------------------------------


def my_initiatives(*, user) -> QuerySet:
    """Return the initiatives the person wrote or co-authored, newest first."""
    return scoped(Initiative.objects.all(), user, portal=True).select_related("unit")


def my_initiative_get(*, user, pk: int) -> Initiative | None:
    """Return one of the person's own initiatives with its history, or None."""
    return (
        my_initiatives(user=user)
        .select_related("member", "review_round")
        .prefetch_related(
            "coauthors__member__unit",
            "attachments",
            "status_changes",
            "follow_ups",
        )
        .filter(pk=pk)
        .first()
    )


def initiatives_home_block(*, user) -> dict | None:
    """Return the home's block of the person's initiatives, if they have any."""
    rows = list(my_initiatives(user=user).order_by("-updated_at", "-pk")[:3])
    if not rows:
        return None
    return {
        "template": "feedback/initiatives/home_block.html",
        "order": 45,
        "initiatives": rows,
    }


# Similar initiatives ------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    initiative: Initiative
    score: int
    own: bool


def initiatives_similar(
    *, user, title: str, text: str = "", limit: int = SIMILAR_LIMIT
) -> list[Similar]:
    """Return the initiatives most like the given title and text, best first.

    Compared without diacritics or case ("toi uu hoa quy trinh" finds "Tối
    ưu hóa quy trình"), among what the person may see: the recognised and
    applied initiatives of the whole union (their titles are public), and
    their own and co-authored ones in any state. Others' initiatives not yet
    recognised are never offered. Two queries whatever the number of rows.
    """
    title_folded = fold(title)
    if not title_folded:
        return []
    text_folded = fold(f"{title} {text}")[:TEXT_COMPARED]
    own = set(my_initiatives(user=user).values_list("pk", flat=True))
    rows = list(
        Initiative.objects.filter(Q(status__in=PUBLIC_STATUSES) | Q(pk__in=own))
        .annotate(gist=Substr("text_folded", 1, TEXT_COMPARED))
        .values_list("pk", "title_folded", "gist")
        .order_by("pk")
    )
    if not rows:
        return []
    titles = process.cdist(
        [title_folded], [row[1] for row in rows], scorer=fuzz.WRatio, workers=1
    )[0]
    texts = process.cdist(
        [text_folded],
        [row[2] for row in rows],
        scorer=fuzz.token_set_ratio,
        workers=1,
    )[0]
    scored = sorted(
        (
            (round(0.7 * float(t) + 0.3 * float(x)), row[0])
            for row, t, x in zip(rows, titles, texts, strict=True)
        ),
        key=lambda item: (-item[0], -item[1]),
    )
    best = [(score, pk) for score, pk in scored if score >= SIMILAR_CUTOFF][:limit]
    found = Initiative.objects.select_related("unit").in_bulk([pk for _s, pk in best])
    return [Similar(found[pk], score, pk in own) for score, pk in best]


# Co-authors ---------------------------------------------------------------------


def unit_grassroots(unit: Unit) -> Unit:
    """Return the grassroots union at or above the unit (the unit if none)."""
    lineage = Unit.lineage_paths(unit.path)
    found = (
        Unit.objects.filter(path__in=lineage, level=Unit.Level.GRASSROOTS)
        .order_by("-depth")
        .first()
    )
    return found or unit


def coauthor_find(*, member: Member, entry: str) -> Member:
    """Return the member an author names as co-author, or refuse (ValidationError).

    An entry is an exact e-mail or employee code (of any unit), or the full
    name of a member of the author's own grassroots union (diacritics and
    case ignored). Nothing else is searched, so the form lists nobody and a
    name alone never reaches beyond the author's union.
    """
    entry = nfc(entry)
    candidates = Member.objects.exclude(_GONE).exclude(pk=member.pk)
    if "@" in entry:
        found = list(candidates.filter(email__iexact=entry)[:2])
    else:
        found = list(candidates.filter(employee_code=entry)[:20])
        if len(found) > 1:
            # Codes collide between employers: the author's own comes first.
            found = [m for m in found if m.employer_id == member.employer_id] or found
        if not found:
            grassroots = unit_grassroots(member.unit)
            found = list(
                candidates.filter(
                    unit__path__startswith=grassroots.path,
                    full_name_folded=fold(entry),
                )[:2]
            )
            if len(found) > 1:
                raise ValidationError(
                    _(
                        "Several members of your union are named “%(entry)s”: "
                        "give the co-author's employee code or e-mail."
                    )
                    % {"entry": entry}
                )
    if len(found) != 1:
        raise ValidationError(
            _(
                "No co-author found for “%(entry)s”. Give a name of a member of "
                "your grassroots union, or the exact employee code or e-mail of "
                "a member of another unit."
            )
            % {"entry": entry}
        )
    return found[0]


# Staff --------------------------------------------------------------------------


def initiatives_waiting(*, user) -> QuerySet:
    """Return the initiatives in the user's scope that wait for a decision."""
    return scoped(Initiative.objects.all(), user).filter(status__in=WAITING_STATUSES)


def follow_ups_due(*, user, today: date) -> QuerySet:
    """Return the benefit follow-ups in the user's scope due and not recorded."""
    return scoped(BenefitFollowUp.objects.all(), user).filter(
        due_on__lte=today, recorded_at__isnull=True
    )


@dataclass
class UnitRow:
    unit_id: int
    name: str
    path: str
    submitted: dict[int, int] = field(default_factory=dict)
    recognised: dict[int, int] = field(default_factory=dict)
    benefit: dict[int, int] = field(default_factory=dict)
    rank: dict[int, int] = field(default_factory=dict)

    @property
    def submitted_total(self) -> int:
        return sum(self.submitted.values())

    @property
    def recognised_total(self) -> int:
        return sum(self.recognised.values())

    @property
    def benefit_total(self) -> int:
        return sum(self.benefit.values())

    def quarters(self) -> list[dict]:
        return [
            {
                "quarter": q,
                "submitted": self.submitted.get(q, 0),
                "recognised": self.recognised.get(q, 0),
                "benefit": self.benefit.get(q, 0),
                "rank": self.rank.get(q),
            }
            for q in QUARTERS
        ]


@dataclass
class TargetProgress:
    target: InitiativeTarget
    recognised: int
    benefit: int

    @property
    def count_percent(self) -> int:
        return _percent(self.recognised, self.target.recognised_count)

    @property
    def benefit_percent(self) -> int:
        return _percent(self.benefit, self.target.benefit_vnd)


def _percent(done: int, goal: int) -> int:
    return round(100 * done / goal) if goal else 0


@dataclass
class Dashboard:
    year: int
    units: list[UnitRow]
    targets: list[TargetProgress]

    def quarter_totals(self) -> list[dict]:
        return [
            {
                "quarter": q,
                "submitted": sum(u.submitted.get(q, 0) for u in self.units),
                "recognised": sum(u.recognised.get(q, 0) for u in self.units),
                "benefit": sum(u.benefit.get(q, 0) for u in self.units),
            }
            for q in QUARTERS
        ]

    def rankings(self) -> list[dict]:
        """Return each quarter's units by rank (recognised, then benefit)."""
        return [
            {
                "quarter": q,
                "units": [
                    {
                        "rank": u.rank[q],
                        "name": u.name,
                        "recognised": u.recognised.get(q, 0),
                        "benefit": u.benefit.get(q, 0),
                    }
                    for u in sorted(
                        (u for u in self.units if q in u.rank),
                        key=lambda u, q=q: (u.rank[q], u.name),
                    )
                ],
            }
            for q in QUARTERS
        ]


def programme_dashboard(*, user, year: int) -> Dashboard:
    """Return the programme's figures for a year in the user's scope.

    By grassroots union and quarter: initiatives submitted (by submission
    date), recognised and their evaluated money benefit (by recognition
    date, applied ones included); each quarter's ranking of the units by
    initiatives recognised, then by benefit; and the progress of each target
    in scope for the year. Three queries, whatever the number of rows.
    """
    base = scoped(Initiative.objects.all(), user).order_by()
    units: dict[int, UnitRow] = {}

    def row(values: dict) -> UnitRow:
        return units.setdefault(
            values["unit_id"],
            UnitRow(values["unit_id"], values["unit__name"], values["unit__path"]),
        )

    submitted = (
        base.filter(submitted_at__year=year)
        .annotate(quarter=ExtractQuarter("submitted_at"))
        .values("unit_id", "unit__name", "unit__path", "quarter")
        .annotate(count=Count("pk"))
    )
    for values in submitted:
        row(values).submitted[values["quarter"]] = values["count"]
    recognised = (
        base.filter(recognised_on__year=year, status__in=PUBLIC_STATUSES)
        .annotate(quarter=ExtractQuarter("recognised_on"))
        .values("unit_id", "unit__name", "unit__path", "quarter")
        .annotate(count=Count("pk"), benefit=Sum("evaluated_benefit_vnd"))
    )
    for values in recognised:
        unit = row(values)
        unit.recognised[values["quarter"]] = values["count"]
        unit.benefit[values["quarter"]] = values["benefit"] or 0
    for quarter in QUARTERS:
        ranked = sorted(
            (u for u in units.values() if u.recognised.get(quarter)),
            key=lambda u, q=quarter: (-u.recognised[q], -u.benefit.get(q, 0)),
        )
        for position, unit in enumerate(ranked, start=1):
            unit.rank[quarter] = position
    rows = sorted(units.values(), key=lambda u: (-u.benefit_total, u.name))
    targets = [
        TargetProgress(
            target,
            recognised=sum(
                u.recognised_total for u in rows if u.path.startswith(target.unit.path)
            ),
            benefit=sum(
                u.benefit_total for u in rows if u.path.startswith(target.unit.path)
            ),
        )
        for target in scoped(InitiativeTarget.objects.all(), user)
        .filter(year=year)
        .select_related("unit")
        .order_by("unit__path")
    ]
    return Dashboard(year=year, units=rows, targets=targets)

"""What the split page shows: the counts, the warnings and the chart's shapes."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from inspections.models import Mode
from inspections.selectors.split import QUARTERS, KindSplit, split_dashboard

# The chart: for each kind a row of five stacked bars (four quarters and the
# year), the share done online over the share done in person, and the target.
BAR_WIDTH = 44
BAR_GAP = 16
CHART_HEIGHT = 160
TOP = 24
LEFT = 40


@dataclass
class ChartBar:
    label: str
    x: int
    online_y: int
    online_height: int
    in_person_y: int
    in_person_height: int
    value: str
    empty: bool


@dataclass
class KindChart:
    kind: KindSplit
    width: int
    height: int
    target_y: int
    bars: list[ChartBar]
    axis: list[tuple[int, int]]


def _chart(kind: KindSplit) -> KindChart:
    cells = [(f"Q{q}", kind.quarters[q]) for q in QUARTERS]
    cells.append((_("Year"), kind.year))
    bars = []
    for index, (label, cell) in enumerate(cells):
        x = LEFT + index * (BAR_WIDTH + BAR_GAP)
        share = cell.online_percent
        online_height = round(CHART_HEIGHT * (share or 0) / 100)
        in_person_height = CHART_HEIGHT - online_height if share is not None else 0
        bars.append(
            ChartBar(
                label=label,
                x=x,
                online_y=TOP + CHART_HEIGHT - online_height,
                online_height=online_height,
                in_person_y=TOP,
                in_person_height=in_person_height,
                value="-" if share is None else f"{share:g}%",
                empty=share is None,
            )
        )
    return KindChart(
        kind=kind,
        width=LEFT + len(cells) * (BAR_WIDTH + BAR_GAP),
        height=TOP + CHART_HEIGHT + 40,
        target_y=TOP + CHART_HEIGHT - round(CHART_HEIGHT * kind.target_online / 100),
        bars=bars,
        axis=[
            (TOP + CHART_HEIGHT - round(CHART_HEIGHT * p / 100), p)
            for p in (0, 50, 100)
        ],
    )


def _warnings(kind: KindSplit) -> list[str]:
    messages = []
    projected = kind.year.projected_online_percent
    for mode in kind.warnings:
        if mode == Mode.ONLINE:
            messages.append(
                _(
                    "%(kind)s: with the rest of the plan, %(share)s%% will be "
                    "online; the target of %(target)s%% online can no longer be "
                    "reached."
                )
                % {"kind": kind.label, "share": projected, "target": kind.target_online}
            )
        else:
            messages.append(
                _(
                    "%(kind)s: with the rest of the plan, %(share)s%% will be in "
                    "person; the target of %(target)s%% in person can no longer "
                    "be reached."
                )
                % {
                    "kind": kind.label,
                    "share": round(100 - projected, 1),
                    "target": kind.target_in_person,
                }
            )
    return messages


@dataclass
class Row:
    label: str
    kind: KindSplit
    cell: object
    on_target: bool | None


def _rows(kind: KindSplit, periods) -> list[Row]:
    rows = [Row(label, kind, kind.quarters[q], None) for q, label in periods]
    if len(periods) > 1:
        rows.append(Row(_("Year"), kind, kind.year, None))
    for row in rows:
        row.on_target = kind.on_target(row.cell)
    return rows


def dashboard_context(user, *, year: int, unit=None, quarter: int | None) -> dict:
    """The split page's context: a table and a chart a kind, then a row a unit."""
    split = split_dashboard(user=user, year=year, inspecting_unit=unit)
    periods = [(q, f"Q{q}") for q in QUARTERS]
    if quarter is not None:
        periods = [(quarter, f"Q{quarter}")]
    unit_rows = []
    for inspecting, kinds in split.units:
        for kind in kinds:
            cell = kind.quarters[quarter] if quarter else kind.year
            unit_rows.append(
                (inspecting, Row(kind.label, kind, cell, kind.on_target(cell)))
            )
    return {
        "split": split,
        "year": year,
        "unit": unit,
        "quarter": quarter,
        "tables": [(kind, _rows(kind, periods)) for kind in split.kinds],
        "unit_rows": unit_rows,
        "charts": [_chart(kind) for kind in split.kinds],
        "warnings": [w for kind in split.kinds for w in _warnings(kind)],
        "years": list(range(year - 2, year + 2)),
        "quarters": QUARTERS,
    }

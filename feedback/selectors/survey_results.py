"""Survey results under k-suppression: the cube of counts, results, themes.

Results are computed from a cube of counts by unit (one aggregate query a
kind) and cut to the staff's scope and the chosen unit in Python. Both are
cached through members.cache under the survey's own family
(``survey_family``): a response (in its unit's subtree), a change of the
survey (k, k for free text, anonymity, title) or of a question bumps it after
commit (feedback.services.surveys, feedback.receivers), so results are never
shown under an old k; a renamed unit bumps ``members.cache.UNITS``. The cube
is the same for every viewer (raw counts, never shown as they are); results
are kept per scope signature, unit and language.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from feedback.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyTheme,
)
from feedback.suppression import suppressed_groups
from members.cache import PUBLIC, UNITS, scoped_cached
from members.db import report_db
from members.models import Unit
from members.scope import scoped, staff_unit_paths

CACHE_SECONDS = 24 * 3600  # the safety net: writes bump the cache


def survey_family(survey_id: int) -> str:
    """Return the cache family of one survey's cube and results."""
    return f"feedback.survey:{survey_id}"


# The cube ----------------------------------------------------------------------


@dataclass
class Cube:
    """Counts of a survey by the respondents' unit: the raw stuff of results."""

    paths: dict[int, str]
    responses: dict[int, int]
    # question id -> unit id -> respondents who answered it
    answered: dict[int, dict[int, int]]
    # question id -> unit id -> Counter of values ("c3": choice 3, "n4": number 4)
    values: dict[int, dict[int, Counter]]


def survey_cube(*, survey: Survey) -> Cube:
    """Return the survey's counts by unit, cached until its next response.

    The same for every viewer: only ``survey_results`` reads it, and cuts it
    to the viewer's scope.
    """
    return scoped_cached(
        survey_family(survey.pk),
        lambda: _cube_compute(survey=survey),
        user=PUBLIC,
        args=("cube", survey.pk),
        ttl=CACHE_SECONDS,
    )


def _cube_compute(*, survey: Survey) -> Cube:
    responses = dict(
        SurveyResponse.objects.using(report_db())
        .filter(survey=survey)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    paths = dict(Unit.objects.filter(pk__in=list(responses)).values_list("pk", "path"))
    answers = (
        SurveyAnswer.objects.using(report_db())
        .filter(response__survey=survey)
        .order_by()
    )
    answered: dict = defaultdict(dict)
    for question_id, unit_id, n in (
        answers.values_list("question_id", "response__unit_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    ):
        answered[question_id][unit_id] = n
    values: dict = defaultdict(lambda: defaultdict(Counter))
    for question_id, unit_id, choice, number, n in (
        answers.filter(text="")
        .values_list("question_id", "response__unit_id", "choice", "number")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        value = f"c{choice}" if choice is not None else f"n{number}"
        values[question_id][unit_id][value] += n
    return Cube(
        paths=paths,
        responses=responses,
        answered={q: dict(units) for q, units in answered.items()},
        values={q: dict(units) for q, units in values.items()},
    )


# Results -----------------------------------------------------------------------


@dataclass
class Group:
    """A part of the view: a unit under the chosen one, or a root of the scope."""

    path: str
    label: str
    unit_id: int | None
    responses: int = 0
    hidden: bool = False


@dataclass
class Option:
    label: str
    count: int | None
    percent: float | None


@dataclass
class GroupRow:
    group: Group
    answered: int
    hidden: bool
    percents: list[float | None] = field(default_factory=list)
    mean: float | None = None


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int
    hidden: bool
    k: int
    options: list[Option] = field(default_factory=list)
    mean: float | None = None
    rows: list[GroupRow] = field(default_factory=list)


@dataclass
class Results:
    survey: Survey
    unit: Unit | None
    responses: int
    hidden: bool
    groups: list[Group]
    questions: list[QuestionResult]
    k: int
    k_text: int
    participation: int | None = None


def _option_values(question: SurveyQuestion) -> list[tuple[str, str]]:
    kind = SurveyQuestion.Kind
    if question.kind in SurveyQuestion.CHOICE_KINDS:
        return [(f"c{i}", label) for i, label in enumerate(question.choice_list)]
    if question.kind == kind.SCALE:
        return [(f"n{i}", str(i)) for i in range(1, 6)]
    if question.kind == kind.YES_NO:
        return [("n1", _("Yes")), ("n0", _("No"))]
    return []


def _view_groups(*, roots: list[str], unit: Unit | None, paths) -> dict[str, str]:
    """Map each unit path of the cube in the view to its group's path."""
    step = Unit.steplen
    mapping = {}
    for path in paths:
        if unit is not None:
            if not path.startswith(unit.path):
                continue
            mapping[path] = path[: len(unit.path) + step]
        else:
            root = next((r for r in roots if path.startswith(r)), None)
            if root is not None:
                mapping[path] = root
    return mapping


def survey_results(*, survey: Survey, user, unit: Unit | None = None) -> Results:
    """Return the survey's results for the user's scope, under ``unit`` if given.

    ``unit`` must be in the user's scope (the caller checks). Cached per scope
    signature, unit and language until the survey's next write (a response,
    a change of k or of a question): members.cache.
    """
    scope = staff_unit_paths(user)
    if unit is None and scope is not None and len(scope) == 1:
        # One unit in scope: its results, broken down by the units under it.
        unit = Unit.objects.filter(path=scope[0]).first()
    path = unit.path if unit is not None else None
    return scoped_cached(
        survey_family(survey.pk),
        lambda: _results_compute(survey=survey, scope=scope, unit=unit),
        user=user,
        args=("results", survey.pk, path, get_language()),
        depends=(UNITS,),
        subtree=path,
        ttl=CACHE_SECONDS,
    )


def _results_compute(*, survey: Survey, scope, unit: Unit | None) -> Results:
    cube = survey_cube(survey=survey)
    if scope is None:
        roots = sorted({path[: Unit.steplen] for path in cube.paths.values()})
    else:
        roots = list(scope)
    in_scope = {
        unit_id: path
        for unit_id, path in cube.paths.items()
        if any(path.startswith(root) for root in roots)
    }
    group_of_path = _view_groups(roots=roots, unit=unit, paths=in_scope.values())
    group_of_unit = {
        u: group_of_path[p] for u, p in in_scope.items() if p in group_of_path
    }
    names = dict(
        Unit.objects.filter(path__in=set(group_of_unit.values())).values_list(
            "path", "name"
        )
    )
    ids = dict(
        Unit.objects.filter(path__in=set(group_of_unit.values())).values_list(
            "path", "pk"
        )
    )
    groups = {
        path: Group(
            path=path,
            label=(
                _("%(unit)s (directly)") % {"unit": names.get(path, "")}
                if unit is not None and path == unit.path
                else names.get(path, path)
            ),
            unit_id=ids.get(path),
        )
        for path in sorted(set(group_of_unit.values()))
    }
    for unit_id, group_path in group_of_unit.items():
        groups[group_path].responses += cube.responses.get(unit_id, 0)
    total = sum(group.responses for group in groups.values())
    k = survey.k_min
    whole_hidden = total < k
    hidden = suppressed_groups({p: g.responses for p, g in groups.items()}, k)
    for path, group in groups.items():
        group.hidden = whole_hidden or path in hidden
    questions = [
        _question_result(
            question=question,
            cube=cube,
            groups=groups,
            group_of_unit=group_of_unit,
            k=survey.k_text if question.is_text else k,
        )
        for question in survey.questions.order_by("order", "pk")
    ]
    return Results(
        survey=survey,
        unit=unit,
        responses=total,
        hidden=whole_hidden,
        groups=list(groups.values()),
        questions=questions,
        k=k,
        k_text=survey.k_text,
    )


def _question_result(
    *, question, cube: Cube, groups, group_of_unit, k
) -> QuestionResult:
    answered_by_group: Counter = Counter()
    values_by_group: dict[str, Counter] = defaultdict(Counter)
    for unit_id, n in cube.answered.get(question.pk, {}).items():
        if unit_id in group_of_unit:
            answered_by_group[group_of_unit[unit_id]] += n
    for unit_id, counter in cube.values.get(question.pk, {}).items():
        if unit_id in group_of_unit:
            values_by_group[group_of_unit[unit_id]].update(counter)
    answered = sum(answered_by_group.values())
    result = QuestionResult(
        question=question, answered=answered, hidden=answered < k, k=k
    )
    options = _option_values(question)
    whole: Counter = Counter()
    for counter in values_by_group.values():
        whole.update(counter)
    if not result.hidden:
        result.options = [
            Option(
                label=label,
                count=whole[value],
                percent=round(whole[value] * 100 / answered, 1) if answered else 0.0,
            )
            for value, label in options
        ]
        result.mean = _mean(question, whole)
    hidden = suppressed_groups({p: answered_by_group[p] for p in groups}, k)
    for path, group in groups.items():
        n = answered_by_group[path]
        row = GroupRow(group=group, answered=n, hidden=result.hidden or path in hidden)
        if not row.hidden:
            counter = values_by_group[path]
            row.percents = [
                round(counter[value] * 100 / n, 1) if n else None
                for value, _label in options
            ]
            row.mean = _mean(question, counter)
        result.rows.append(row)
    return result


def _mean(question: SurveyQuestion, counter: Counter) -> float | None:
    if question.kind != SurveyQuestion.Kind.SCALE:
        return None
    n = sum(counter[f"n{i}"] for i in range(1, 6))
    if not n:
        return None
    return round(sum(i * counter[f"n{i}"] for i in range(1, 6)) / n, 2)


# Themes ------------------------------------------------------------------------


@dataclass
class ThemeRow:
    theme: SurveyTheme
    count: int
    by_group: list[int | None]


@dataclass
class ThemesView:
    question: SurveyQuestion
    answered: int
    hidden: bool
    groups: list[Group]
    group_hidden: list[bool]
    themes: list[ThemeRow]
    unthemed: int


def question_themes(*, question: SurveyQuestion, results: Results, user) -> ThemesView:
    """Return the question's themes with their counts by group, k for free text."""
    k = question.survey.k_text
    qresult = next(q for q in results.questions if q.question.pk == question.pk)
    groups = results.groups
    answers = scoped(
        SurveyAnswer.objects.filter(question=question).exclude(text=""), user
    )
    if results.unit is not None:
        answers = answers.filter(response__unit__path__startswith=results.unit.path)
    counts = (
        answers.values_list("theme_id", "response__unit__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    step = Unit.steplen
    group_paths = [g.path for g in groups]

    def group_of(path: str) -> str | None:
        if results.unit is not None:
            return path[: len(results.unit.path) + step]
        return next((g for g in group_paths if path.startswith(g)), None)

    table: dict = defaultdict(Counter)
    texts_by_group: Counter = Counter()
    for theme_id, path, n in counts:
        group = group_of(path)
        table[theme_id][group] += n
        texts_by_group[group] += n
    hidden = suppressed_groups({g: texts_by_group[g] for g in group_paths}, k)
    view_hidden = qresult.answered < k
    group_hidden = [view_hidden or g in hidden for g in group_paths]
    rows = []
    for theme in question.themes.all():
        counter = table.get(theme.pk, Counter())
        rows.append(
            ThemeRow(
                theme=theme,
                count=sum(counter.values()),
                by_group=[
                    None if h else counter[g]
                    for g, h in zip(group_paths, group_hidden, strict=True)
                ],
            )
        )
    rows.sort(key=lambda row: (-row.count, row.theme.pk))
    return ThemesView(
        question=question,
        answered=qresult.answered,
        hidden=view_hidden,
        groups=groups,
        group_hidden=group_hidden,
        themes=rows if not view_hidden else [],
        unthemed=sum(table.get(None, Counter()).values()),
    )


def theme_texts(
    *, theme: SurveyTheme, user, unit: Unit | None, limit: int = 30
) -> list[str]:
    """Up to ``limit`` of a theme's answers in the view, masked, in random-key order."""
    from feedback.survey_themes import text_mask

    answers = scoped(SurveyAnswer.objects.filter(theme=theme), user)
    if unit is not None:
        answers = answers.filter(response__unit__path__startswith=unit.path)
    return [
        text_mask(text)
        for text in answers.order_by("pk").values_list("text", flat=True)[:limit]
    ]

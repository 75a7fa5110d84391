"""No page a member or an officer opens shows an English label in Vietnamese.

The pages are rendered in a browser in Vietnamese, and their visible text
(text, button values, placeholders, titles, options) is searched for two kinds
of English: a msgid of the project's catalogues whose Vietnamese differs (a
string that escaped translation), and a msgid of an installed package's
catalogues that no Vietnamese catalogue translates (django-import-export's
buttons and django-celery-beat's models were such; locale/thirdparty/ is the
project's catalogue for them).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils.translation import trans_real
from playwright.sync_api import Page

from members.models import Member, User
from members.scope import scoped
from tests.e2e.conftest import DESKTOP
from tests.e2e.site_tour import PUBLIC_PAGES, Tour, tour_build

ROOT = Path(__file__).resolve().parents[2]
PROJECT_CATALOGUES = [
    ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po",
    ROOT / "locale" / "thirdparty" / "vi" / "LC_MESSAGES" / "django.po",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\{ ?[\w.]+ ?\}\}|\{\w*\}")
LETTERS = re.compile(r"[A-Za-z]")
# Words the Vietnamese interface writes as English does: names and acronyms.
SAME_IN_VIETNAMESE = {"email", "ok", "id", "csv", "json", "xlsx", "url", "ip", "totp"}
# A msgid this long, in words, is also looked for inside longer text.
SENTENCE_WORDS = 4

VISIBLE_TEXT_JS = """() => {
  const found = new Set();
  const add = (text) => {
    text = (text || "").replace(/\\s+/g, " ").trim();
    if (text) found.add(text);
  };
  const shown = (element) => element.checkVisibility({visibilityProperty: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const blocks = new Set();
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    // translate="no": words shown as data (headers a file may carry), not labels.
    const skipped = "script, style, template, noscript, svg, [translate=no]";
    if (!parent || parent.closest(skipped)) continue;
    if (!walker.currentNode.data.trim() || !shown(parent)) continue;
    add(walker.currentNode.data);
    blocks.add(parent);
  }
  // An element's whole text too: a sentence with a bold word or a link in it.
  for (const element of blocks) add(element.innerText);
  const labelled = "[placeholder], [title], [aria-label], img[alt], "
    + 'input[type="submit"], input[type="button"], input[type="reset"]';
  for (const element of document.querySelectorAll(labelled)) {
    if (!shown(element)) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      add(element.getAttribute(name));
    }
    if (element.matches("input")) add(element.value);
  }
  for (const select of document.querySelectorAll("select")) {
    if (shown(select)) for (const option of select.options) add(option.text);
  }
  add(document.title);
  return [...found];
}"""


def normal(text: str) -> str:
    return " ".join(text.split()).strip(" :").casefold()


def package_catalogues() -> Iterator[tuple[str, Path]]:
    """Yield each installed package's catalogue (one language: the msgids)."""
    import django

    roots = [("django", Path(django.__file__).parent / "conf")]
    roots += [
        (config.label, Path(config.path))
        for config in apps.get_app_configs()
        if not Path(config.path).is_relative_to(ROOT)
    ]
    for label, root in roots:
        locale = root / "locale"
        languages = sorted(locale.glob("*/LC_MESSAGES/django.po"))
        english = locale / "en" / "LC_MESSAGES" / "django.po"
        if languages:
            yield label, english if english.exists() else languages[0]


def entry_texts(entry: polib.POEntry) -> list[tuple[str, str]]:
    """Return (msgid, msgstr) of an entry, each plural form on its own."""
    if entry.msgid_plural:
        strings = entry.msgstr_plural
        return [
            (entry.msgid, strings.get(0, "")),
            (entry.msgid_plural, strings.get(1, strings.get(0, ""))),
        ]
    return [(entry.msgid, entry.msgstr)]


def translated_in_vietnamese(entry: polib.POEntry, catalog) -> bool:
    key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
    return key in catalog or (key, 0) in catalog


def is_label(msgid: str) -> bool:
    """Return whether a msgid is words: of a template, four letters besides its slots.

    Fewer would find "{}st" (an English ordinal) in "Brazil/West".
    """
    letters = len(LETTERS.findall(PLACEHOLDER.sub("", msgid)))
    least = 4 if PLACEHOLDER.search(msgid) else 2
    return letters >= least and normal(msgid) not in SAME_IN_VIETNAMESE


@dataclass
class EnglishLabels:
    """The English texts that must not show, each with where it comes from."""

    exact: dict[str, str]
    sentences: dict[str, str]
    patterns: list[tuple[re.Pattern, str, str]]

    @classmethod
    def collect(cls) -> "EnglishLabels":
        labels = cls({}, {}, [])
        for path in PROJECT_CATALOGUES:
            for entry in polib.pofile(str(path)):
                for msgid, msgstr in entry_texts(entry):
                    if msgstr and normal(msgstr) != normal(msgid):
                        labels.add(msgid, f"project catalogue {path.parent.parent}")
        catalog = trans_real.translation("vi")._catalog
        for label, path in package_catalogues():
            for entry in polib.pofile(str(path)):
                if entry.obsolete or translated_in_vietnamese(entry, catalog):
                    continue
                for msgid, _msgstr in entry_texts(entry):
                    labels.add(msgid, f"untranslated, from {label}")
        return labels

    def add(self, msgid: str, source: str) -> None:
        if not is_label(msgid):
            return
        if PLACEHOLDER.search(msgid):
            # The words between the slots as written: "%(delta)s ago" is not
            # found in "America/Chicago".
            text = " ".join(msgid.split()).strip(" :").casefold()
            parts = [re.escape(part) for part in PLACEHOLDER.split(text)]
            pattern = re.compile("(.+?)".join(parts))
            self.patterns.append((pattern, msgid, source))
        else:
            self.exact.setdefault(normal(msgid), f"{msgid!r} ({source})")
            if len(msgid.split()) >= SENTENCE_WORDS:
                self.sentences.setdefault(normal(msgid), f"{msgid!r} ({source})")

    def found_in(self, text: str) -> list[str]:
        text = normal(text)
        found = []
        if text in self.exact:
            found.append(self.exact[text])
        found += [
            label
            for sentence, label in self.sentences.items()
            if len(sentence) < len(text) and sentence in text
        ]
        found += [
            f"{msgid!r} ({source})"
            for pattern, msgid, source in self.patterns
            if pattern.fullmatch(text)
        ]
        return found


@pytest.fixture(scope="module")
def english() -> EnglishLabels:
    return EnglishLabels.collect()


@pytest.fixture
def tour(live_server, superuser) -> Tour:
    return tour_build(superuser=superuser)


def admin_pages(user: User) -> list[str]:
    """Return every admin page the user may open: lists, forms, a record, history."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            pages.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
    for name in ("members_care_radar", "members_register_picture"):
        pages.append(reverse(f"admin:{name}"))
    if user.has_perm("members.add_importrun"):
        pages.append(reverse("admin:members_importrun_upload"))
    if user.has_perm("members.view_member"):
        pages.append(reverse("admin:members_member_export"))
    return pages


def app_indexes() -> list[str]:
    pages = []
    for config in apps.get_app_configs():
        try:
            pages.append(reverse("admin:app_list", args=[config.label]))
        except NoReverseMatch:
            continue
    return pages


def english_on(page: Page, paths: list[str], english: EnglishLabels) -> dict:
    """Visit the pages; return each English label found with the pages showing it."""
    texts: dict[str, set[str]] = {}
    for path in dict.fromkeys(paths):
        response = page.goto(path)
        assert response is not None
        if response.status in {403, 404}:
            continue  # an app index the user has no model of
        assert response.status == 200, f"{path} answered {response.status}"
        for text in page.evaluate(VISIBLE_TEXT_JS):
            texts.setdefault(text, set()).add(path)
    found: dict[str, set[str]] = {}
    for text, where in texts.items():
        for label in english.found_in(text):
            found.setdefault(f"{label} in {text[:80]!r}", set()).update(where)
    return {label: sorted(paths)[:3] for label, paths in found.items()}


def test_member_pages_show_no_english(page_at, signed_in, tour, english):
    page = page_at(DESKTOP)
    found = english_on(page, PUBLIC_PAGES, english)
    signed_in(page, tour.member.user)
    found |= english_on(page, tour.member_pages, english)

    assert found == {}


def test_officer_pages_show_no_english(page_at, signed_in, tour, english):
    officer = tour.officer
    assert scoped(Member.objects.all(), officer).exists()
    page = signed_in(page_at(DESKTOP), officer)
    pages = [*admin_pages(officer), *tour.staff_pages.values(), *app_indexes()]
    pages += [reverse("admin:password_change"), reverse("mfa_index")]

    found = english_on(page, pages, english)

    assert found == {}


def test_the_superusers_admin_index_names_every_app_and_model_in_vietnamese(
    page_at, signed_in, superuser, english
):
    """The index and app lists name the third-party models, celery-beat's too."""
    page = signed_in(page_at(DESKTOP), superuser)

    found = english_on(page, [reverse("admin:index"), *app_indexes()], english)

    assert found == {}

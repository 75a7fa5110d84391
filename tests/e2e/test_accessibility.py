"""Accessibility in the browser: axe-core and Lighthouse-style basics on every page.

axe-core comes from npm (package.json); Playwright adds it to every page of a
context as an init script, which the page's Content-Security-Policy does not
block, so the pages are checked with their real policy in force.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.conftest import require_service
from tests.e2e.conftest import (
    BROWSER_LOCALE,
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    VIEWPORTS,
)
from tests.e2e.site_tour import PUBLIC_PAGES, Tour, tour_build

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = pytest.mark.parametrize("width", [PHONE, DESKTOP])
FAILING_IMPACTS = {"critical", "serious"}
# WCAG 2.1 AA and axe's best practices, as Lighthouse's accessibility audit
# runs; text contrast AA is axe's color-contrast rule (serious).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
TAP_TARGET_PX = 44

AXE_RUN_JS = """async (runOnly) => {
  const results = await axe.run(document, {
    runOnly: runOnly,
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


@pytest.fixture
def tour(live_server, superuser) -> Tour:
    return tour_build(superuser=superuser)


@pytest.fixture
def axe_page(browser: Browser, live_server, signed_in) -> Iterator[Callable[..., Page]]:
    """Open a page at a width, with axe-core added to every document it loads."""
    require_service(AXE.exists(), f"axe-core is not installed at {AXE} (npm ci)")
    contexts: list[BrowserContext] = []

    def open_page(width: int, user=None) -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=BROWSER_LOCALE, **VIEWPORTS[width]
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(path=AXE)
        contexts.append(context)
        page = context.new_page()
        return signed_in(page, user) if user is not None else page

    yield open_page
    for context in contexts:
        context.close()


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    page.wait_for_load_state("load")


def axe_violations(page: Page) -> list[dict]:
    """Return axe's critical and serious violations on the page as it is now."""
    run_only = {"type": "tag", "values": AXE_TAGS}
    return [
        violation
        for violation in page.evaluate(AXE_RUN_JS, run_only)
        if violation["impact"] in FAILING_IMPACTS
    ]


def described(violation: dict) -> str:
    nodes = violation["nodes"]
    more = f" and {len(nodes) - 5} more" if len(nodes) > 5 else ""
    return (
        f"{violation['impact']} {violation['id']}: {violation['help']}"
        f" at {nodes[:5]}{more}"
    )


@WIDTHS
def test_staff_pages_have_no_serious_axe_violations(axe_page, tour, width):
    page = axe_page(width, tour.officer)
    found = {}
    for name, path in tour.staff_pages.items():
        visit(page, path)
        left = axe_violations(page)
        if left:
            found[name] = [described(violation) for violation in left]
    assert found == {}


# Lighthouse-style basics ------------------------------------------------------

# Every control a person can reach, and the box a finger taps: the label of a
# checkbox or radio button that sits inside one (tapping it ticks the box).
TAP_TARGETS_JS = """(minimum) => {
  const selector = 'a[href], button, input:not([type="hidden"]), select, '
    + 'textarea, summary, [role="button"], [tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const element of document.querySelectorAll(selector)) {
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    let box = element.getBoundingClientRect();
    if (element.matches('input[type="checkbox"], input[type="radio"]')) {
      for (const label of element.labels) {
        const area = label.getBoundingClientRect();
        if (area.height * area.width > box.height * box.width) box = area;
      }
    }
    if (element.matches("a") && element.closest("p, li, dd, td, small, span")) {
      // A link inside a sentence is exempt (WCAG 2.5.8); one standing alone is not.
      const parent = element.parentElement;
      const words = parent.textContent.replace(element.textContent, "").trim();
      if (words.length > 0) continue;
    }
    if (box.height < minimum || box.width < minimum) {
      const name = (element.textContent || element.value || element.name || "")
        .trim().slice(0, 40);
      small.push(`${element.tagName.toLowerCase()} "${name}" `
        + `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""

# Each control a keyboard can reach, in the page's order (the same selector as
# above, less what is disabled); radio buttons count once a group.
FOCUSABLE_JS = """() => {
  const selector = 'a[href], button, input:not([type="hidden"]), select, '
    + 'textarea, summary, [tabindex]:not([tabindex="-1"])';
  const seen = new Set();
  const found = [];
  for (const element of document.querySelectorAll(selector)) {
    if (element.disabled || element.closest("[inert]")) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    if (element.matches('input[type="radio"]')) {
      if (seen.has(element.name)) continue;
      seen.add(element.name);
    }
    found.push(element);
  }
  window.__reachable = found;
  return found.length;
}"""

# The focused element's look: what a visible focus indicator changes.
FOCUS_LOOK_JS = """(element) => {
  // Pico eases focus rings in: read the look the transition ends on.
  for (const animation of document.getAnimations()) animation.finish();
  const style = getComputedStyle(element);
  return [style.outlineStyle, style.outlineWidth, style.outlineColor,
          style.boxShadow, style.backgroundColor, style.borderColor,
          style.textDecorationLine, style.color].join("|");
}"""

TAB_STEP_JS = """(look) => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  window.__tabbed = window.__tabbed || [];
  const index = (window.__reachable || []).indexOf(element);
  const name = element.matches('input[type="radio"]') ? element.name : null;
  window.__tabbed.push({element, look: look(element), index, name});
  return window.__tabbed.length;
}"""

UNREACHED_AND_INVISIBLE_JS = """(look) => {
  const tabbed = window.__tabbed || [];
  const reached = new Set(tabbed.map((step) => step.element));
  const groups = new Set(tabbed.map((step) => step.name).filter(Boolean));
  const describe = (element) => `${element.tagName.toLowerCase()} "`
    + (element.textContent || element.value || element.name || "").trim().slice(0, 40)
    + '"';
  const unreached = window.__reachable.filter((element) => !reached.has(element)
    && !(element.matches('input[type="radio"]') && groups.has(element.name)));
  document.activeElement.blur();
  const invisible = tabbed.filter((step) => look(step.element) === step.look);
  return {
    unreached: unreached.map(describe),
    invisible: invisible.map((step) => describe(step.element)),
  };
}"""


def keyboard_report(page: Page) -> dict[str, list[str]]:
    """Tab through the page; return controls never reached or focused unseen."""
    count = page.evaluate(FOCUSABLE_JS)
    # Start from the top of the page, wherever autofocus put the focus.
    page.evaluate(
        "document.body.tabIndex = -1; document.body.focus();"
        " document.body.removeAttribute('tabindex')"
    )
    look = f"(element) => ({FOCUS_LOOK_JS})(element)"
    page.evaluate("window.__tabbed = []")
    for _step in range(count + 10):
        page.keyboard.press("Tab")
        if page.evaluate(f"({TAB_STEP_JS})({look})") is None:
            break
    return page.evaluate(f"({UNREACHED_AND_INVISIBLE_JS})({look})")


def basics_report(page: Page, width: int) -> list[str]:
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width + 1:
        problems.append(f"{scroll} px wide: scrolls sideways")
    if width == PHONE:
        small = page.evaluate(TAP_TARGETS_JS, TAP_TARGET_PX)
        problems += [f"tap target under {TAP_TARGET_PX} px: {s}" for s in small]
    keyboard = keyboard_report(page)
    problems += [f"not reachable by Tab: {c}" for c in keyboard["unreached"]]
    problems += [f"focus not visible on: {c}" for c in keyboard["invisible"]]
    return problems


@WIDTHS
def test_portal_pages_pass_axe_and_the_basics_of_phones_and_keyboards(
    axe_page, tour, width
):
    """Check every portal page as Lighthouse would, and with axe.

    No serious axe violation (AA contrast among them), no sideways scroll, tap
    targets of 44 px on a phone, every control reached by Tab and seen focused.
    """
    found = {}
    for user, paths in ((None, PUBLIC_PAGES), (tour.member.user, tour.member_pages)):
        page = axe_page(width, user)
        for path in paths:
            visit(page, path)
            problems = [described(violation) for violation in axe_violations(page)]
            problems += basics_report(page, width)
            if problems:
                found[path] = problems
    assert found == {}

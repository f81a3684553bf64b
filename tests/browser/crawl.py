"""One walk through every public page in one language, shared by the accessibility and network
tests: each page is loaded once, checked with axe-core, weighed, measured for sideways scrolling
and its requests recorded.

The walk uses a small phone's screen (320 CSS pixels, the width WCAG 1.4.10 reflow is judged at):
residents mostly come on phones. test_accessibility.py checks the desktop layout separately."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .support import AXE_JS, OUTSIDE, TIMEOUT_MS, public_pages

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """tags => axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
})"""
# Started without waiting; the result is collected later from window.__axe.
AXE_START = "tags => { window.__axe = (" + AXE_RUN + ")(tags).then(r => r.violations); }"
# What a first visit downloads for the page itself: the document, its style sheets and scripts
# (encodedBodySize is the size on the wire, before decompression; images are not counted).
PAGE_WEIGHT = """() => performance.getEntries()
    .filter(e => e.entryType === 'navigation'
        || (e.entryType === 'resource' && ['link', 'script', 'css'].includes(e.initiatorType)))
    .map(e => [e.name, e.encodedBodySize])"""
PHONE = {"width": 320, "height": 640}
# The innermost elements that stick out of the viewport (deliberately off-screen ones aside:
# the skip link until focused, the honeypot field for bots).
OVERFLOWING = """() => {
    const out = e => { const r = e.getBoundingClientRect();
                       return r.right > innerWidth + 1 || r.left < -1; };
    return [...document.querySelectorAll('main *, header *, footer *')]
        .filter(e => !e.closest('.skip, .hp, [aria-hidden=true]') && out(e)
                     && ![...e.children].some(out))
        .slice(0, 4)
        .map(e => `${e.tagName.toLowerCase()}${e.className ? '.' + e.className : ''}`
                  + ` "${e.textContent.trim().slice(0, 30)}"`);
}"""


@dataclass
class PageVisit:
    label: str
    path: str
    url: str
    status: int
    expected_status: int
    lang: str
    dir: str
    violations: list
    weight: list  # [(url, bytes)]
    scroll_width: int  # at PHONE width
    overflowing: list  # what sticks out, when the page is wider than the phone

    @property
    def bytes(self):
        return sum(size for _url, size in self.weight)


@dataclass
class Crawl:
    lang: str
    visits: list = field(default_factory=list)
    requests: list = field(default_factory=list)  # every URL the browser asked for


def describe_violations(visit):
    lines = [f"{visit.label} ({visit.path}):"]
    for v in visit.violations:
        lines.append(f"  [{v['id']}] {v['impact']}: {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:6]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"      {' > '.join(map(str, node['target']))}: {summary[:300]}")
        if len(v["nodes"]) > 6:
            lines.append(f"      … and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


def crawl(browser, site, lang, parallel=2):
    # axe is injected as a script of its own, which the site's CSP rightly forbids: bypass it.
    context = browser.new_context(
        base_url=site.url, bypass_csp=True, locale=lang, viewport=PHONE, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(path=str(AXE_JS))
    result = Crawl(lang)
    context.on("request", lambda request: result.requests.append(request.url))
    # Two tabs take turns: while axe checks one page, the other loads (axe is CPU-bound).
    tabs = [context.new_page() for _ in range(parallel)]

    def start_axe(page):
        page.evaluate(AXE_START, AXE_TAGS)

    def visit(page, label, path, status, expected):
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        result.visits.append(
            PageVisit(
                label=label,
                path=path,
                url=page.url,
                status=status,
                expected_status=expected,
                lang=page.locator("html").get_attribute("lang"),
                dir=page.locator("html").get_attribute("dir"),
                violations=page.evaluate("window.__axe"),
                weight=[tuple(e) for e in page.evaluate(PAGE_WEIGHT)],
                scroll_width=scroll_width,
                overflowing=page.evaluate(OVERFLOWING) if scroll_width > PHONE["width"] else [],
            )
        )

    try:
        todo = public_pages(site, lang)
        for start in range(0, len(todo), parallel):
            batch = list(zip(tabs, todo[start : start + parallel], strict=False))
            statuses = []
            for page, (_label, path, _expected) in batch:
                statuses.append(page.goto(path).status)
                start_axe(page)
            for (page, (label, path, expected)), status in zip(batch, statuses, strict=True):
                visit(page, label, path, status, expected)

        # States a resident reaches by doing something on a page.
        page = tabs[0]
        for label, choose in (("feedback: thank you", True), ("feedback: no choice", False)):
            page.goto(f"/{lang}/help/parenting/")
            with (
                page.expect_navigation(),
                page.expect_response(lambda r: r.request.method == "POST") as posted,
            ):
                submit_feedback(page, choose)
            start_axe(page)
            visit(page, label, urlsplit(page.url).path, posted.value.status, 302)
        social = next(c for c in site.centres if c.kind == "centre")
        page.goto(f"/{lang}/centres/{social.slug}/call-me/")
        with page.expect_navigation() as navigation:
            page.locator("main form[method=post] button[type=submit]").click()
        start_axe(page)
        status = navigation.value.status
        visit(page, "error: call-me form left empty", urlsplit(page.url).path, status, 400)
        page.goto(f"/{lang}/centres/{social.slug}/feedback/")
        with page.expect_navigation() as navigation:
            page.locator("main form[method=post] button[type=submit]").click()
        start_axe(page)
        status = navigation.value.status
        path = urlsplit(page.url).path
        visit(page, "error: feedback after a visit unanswered", path, status, 400)
        page.goto(f"/{lang}/")
        with page.expect_navigation() as navigation:
            submit_position(page, OUTSIDE["latitude"], OUTSIDE["longitude"])
        start_axe(page)
        status = navigation.value.status
        visit(page, "error: position outside the area", f"/{lang}/find/location/", status, 404)
        page.goto(f"/{lang}/")
        page.locator("[data-locate-error]").evaluate("el => { el.hidden = false; }")
        start_axe(page)
        visit(page, "error: position could not be read", f"/{lang}/", 200, 200)
    finally:
        context.close()
    return result


def submit_feedback(page, choose):
    """Answer "Did this page help you?"; without a choice as a browser without HTML validation
    would send it."""
    form = page.locator("form#feedback")
    if choose:
        form.locator("input[name=helpful][value=yes]").check()
    else:
        form.locator("input[name=helpful]").first.evaluate("el => el.removeAttribute('required')")
    form.locator("button[type=submit]").click()


def submit_position(page, lat, lon):
    """What the "use my location" script posts once the browser has given a position."""
    page.evaluate(
        """([lat, lon]) => {
            const form = document.querySelector('form.locate');
            form.lat.value = lat; form.lon.value = lon; form.submit();
        }""",
        [lat, lon],
    )

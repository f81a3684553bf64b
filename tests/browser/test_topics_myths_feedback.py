"""Help topics lead to centres, myths are answered, a resident can leave a sensitive page at once,
and "Did this page help you?" works."""

from urllib.parse import urlsplit

import pytest

from .crawl import submit_feedback
from .support import db_call, route_quick_exit, tr

pytestmark = pytest.mark.browser


def path_of(page):
    return urlsplit(page.url).path


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_topics_lead_to_centres(page, nara_site, lang):
    from nara.lib.topics import TOPIC_TITLES

    page.goto(f"/{lang}/")
    page.locator("nav.main-nav a", has_text=tr(lang, "Help topics")).click()
    page.wait_for_url(f"**/{lang}/help/")
    links = page.locator("main ul.topics a")
    assert links.evaluate_all("as => as.map(a => a.getAttribute('href'))") == [
        f"/{lang}/help/{slug}/" for slug, _sensitive in nara_site.topics
    ]
    links.first.click()
    page.wait_for_url(f"**/{lang}/help/{nara_site.topics[0][0]}/")
    for slug, _sensitive in nara_site.topics:
        page.goto(f"/{lang}/help/{slug}/")
        assert page.get_by_role("heading", level=1).inner_text() == tr(lang, TOPIC_TITLES[slug])
        # "Centres that can help": exactly the published centres offering help on the topic.
        centre_links = page.locator("main > ul:not(.services) a[href*='/centres/']")
        hrefs = set(centre_links.evaluate_all("as => as.map(a => a.getAttribute('href'))"))
        assert hrefs == {f"/{lang}/centres/{c}/" for c in nara_site.topic_centres[slug]}, slug
    # Following one of them reaches that centre.
    page.goto(f"/{lang}/help/parenting/")
    target = sorted(nara_site.topic_centres["parenting"])[0]
    page.locator(f"main > ul:not(.services) a[href='/{lang}/centres/{target}/']").click()
    page.wait_for_url(f"**/{lang}/centres/{target}/")
    assert page.get_by_role("heading", level=1).inner_text() == nara_site.centre(target).name


def test_unknown_topic_is_not_found(page):
    assert page.goto("/sv/help/no-such-topic/").status == 404


def test_myths_and_facts(page, nara_site):
    page.goto("/sv/")
    page.locator("nav.main-nav a", has_text=tr("sv", "Myths and facts")).click()
    page.wait_for_url("**/sv/myths-and-facts/")
    terms = page.locator("dl.myths dt")
    answers = page.locator("dl.myths dd")
    assert terms.count() == len(nara_site.myths_sv) > 0
    assert answers.count() == terms.count()
    for index, (myth, fact) in enumerate(nara_site.myths_sv):
        assert terms.nth(index).inner_text() == f"{tr('sv', 'Myth')}: {myth}"
        assert answers.nth(index).inner_text() == f"{tr('sv', 'Fact')}: {fact}"


SENSITIVE = ["violence", "youth-crime"]


@pytest.mark.parametrize("slug", SENSITIVE)
def test_quick_exit_link_leaves_and_back_does_not_return(page, nara_site, slug):
    route_quick_exit(page, nara_site)
    page.goto("/sv/help/")
    page.locator(f"main a[href='/sv/help/{slug}/']").click()
    page.wait_for_url(f"**/sv/help/{slug}/")
    exit_link = page.locator("a.quick-exit")
    assert exit_link.is_visible()
    assert exit_link.get_attribute("href") == nara_site.quick_exit_url
    assert exit_link.get_attribute("rel") == "noreferrer"
    # It stays in view while the resident scrolls.
    page.mouse.wheel(0, 2000)
    assert exit_link.bounding_box()["y"] <= 1
    exit_link.click()
    page.wait_for_url(nara_site.quick_exit_url)
    page.go_back()
    # Back goes to the page before the sensitive one: the help topic list, not the topic.
    assert path_of(page) == "/sv/help/"
    assert page.locator("a.quick-exit").count() == 0


def test_escape_three_times_leaves(page, nara_site):
    route_quick_exit(page, nara_site)
    page.goto("/sv/")
    page.goto("/sv/help/violence/")
    page.locator("main").click()  # focus in the page, as when someone reads it
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert path_of(page) == "/sv/help/violence/", "two presses must not leave yet"
    page.keyboard.press("Escape")
    page.wait_for_url(nara_site.quick_exit_url)
    page.go_back()
    assert path_of(page) == "/sv/"


def test_escape_presses_far_apart_do_not_leave(page, nara_site):
    route_quick_exit(page, nara_site)
    page.goto("/sv/help/violence/")
    for _ in range(3):
        page.keyboard.press("Escape")
        page.wait_for_timeout(800)
    assert path_of(page) == "/sv/help/violence/"


def test_no_quick_exit_on_ordinary_pages(page, nara_site):
    route_quick_exit(page, nara_site)
    for path in ["/sv/", "/sv/help/", "/sv/help/parenting/", "/sv/areas/"]:
        page.goto(path)
        assert page.locator("a.quick-exit, [data-quick-exit-link]").count() == 0
        assert page.locator("body").get_attribute("data-quick-exit") is None
        for _ in range(3):
            page.keyboard.press("Escape")
        page.wait_for_timeout(200)
        assert path_of(page) == path


def _stored_feedback(path):
    def query():
        from nara.core.models import PageFeedback

        return list(PageFeedback.objects.filter(path=path).values_list("helpful", "comment"))

    return db_call(query)


def test_feedback_yes_with_comment(page, feedback_quota):
    path = "/sv/help/money/"
    page.goto(path)
    form = page.locator("form#feedback")
    assert form.locator("legend").inner_text() == tr("sv", "Did this page help you?")
    form.get_by_label(tr("sv", "Yes")).check()
    comment = "Bra att veta var centret ligger."
    form.get_by_label(tr("sv", "What can we do better? (optional, do not write your name)")).fill(
        comment
    )
    with page.expect_navigation():
        form.get_by_role("button", name=tr("sv", "Send")).click()
    # Back on the same page, at the form, with a thank-you read out by screen readers.
    assert path_of(page) == path
    assert urlsplit(page.url).fragment == "feedback"
    messages = page.locator(".messages[role=status]")
    assert messages.inner_text() == tr("sv", "Thank you for your answer.")
    assert (True, comment) in _stored_feedback(path)
    # The message is shown once, not on the next page.
    page.goto(path)
    assert page.locator(".messages").count() == 0


def test_feedback_without_a_choice(page, feedback_quota):
    path = "/sv/help/housing/"
    page.goto(path)
    form = page.locator("form#feedback")
    # The browser itself asks for a choice first.
    form.locator("button[type=submit]").click()
    assert form.locator("input[name=helpful]").first.evaluate("el => el.validity.valueMissing")
    assert path_of(page) == path and page.locator(".messages").count() == 0
    # A browser that does not check (or a crafted request) gets a clear message from the server.
    with page.expect_navigation():
        submit_feedback(page, choose=False)
    assert path_of(page) == path
    assert page.locator(".messages .message.error").inner_text() == tr(
        "sv", "Choose yes or no before you send."
    )
    assert _stored_feedback(path) == []


def test_feedback_cannot_redirect_elsewhere(page, nara_site, feedback_quota):
    """The hidden return path is checked: a forged one does not send the resident off-site."""
    page.goto("/sv/help/loneliness/")
    form = page.locator("form#feedback")
    form.locator("input[name=path]").evaluate("el => { el.value = '//evil.example/'; }")
    form.locator("input[name=helpful][value=no]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert urlsplit(page.url).netloc == nara_site.host and path_of(page) == "/sv/"
    assert page.locator(".messages").inner_text() == tr("sv", "Thank you for your answer.")

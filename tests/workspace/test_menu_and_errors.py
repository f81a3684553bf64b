"""The staff menu offers each role only what it may open; staff errors keep the staff layout."""

import re

import pytest

from tests.workspace.test_authorization_matrix import personas  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ROLES = ["admin", "manager", "worker", "other_worker", "analyst", "partner"]


def menu_and_card_links(html):
    nav = re.search(r'<nav aria-label="[^"]*" class="main-nav">(.*?)</nav>', html, re.S).group(1)
    cards = re.search(r'<ul class="cards">(.*?)</ul>', html, re.S).group(1)
    return set(re.findall(r'href="(/staff/[^"]*)"', nav + cards))


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_link_opens(personas, role):  # noqa: F811
    client = personas[role]
    links = menu_and_card_links(client.get("/staff/").content.decode())
    assert "/staff/services/" in links
    refused = {link: client.get(link).status_code for link in links}
    assert {link: code for link, code in refused.items() if code != 200} == {}


def test_menu_shows_what_the_role_needs(personas):  # noqa: F811
    nav = menu_and_card_links(personas["analyst"].get("/staff/").content.decode())
    assert "/staff/planning/" in nav
    assert "/staff/centres/" not in nav
    assert "/staff/audit/" not in nav
    assert "/staff/centres/" in menu_and_card_links(
        personas["worker"].get("/staff/").content.decode()
    )


def test_staff_403_uses_the_staff_layout(personas):  # noqa: F811
    page = personas["analyst"].get("/staff/centres/")
    html = page.content.decode()
    assert page.status_code == 403
    assert "Du har inte tillgång till den här sidan" in html
    assert 'class="main-nav"' in html
    assert 'id="feedback"' not in html
    assert "/staff/planning/" in html


def test_staff_404_uses_the_staff_layout(personas):  # noqa: F811
    page = personas["manager"].get("/staff/centres/999999/")
    html = page.content.decode()
    assert page.status_code == 404
    assert "Sidan hittades inte" in html
    assert 'class="main-nav"' in html
    assert 'id="feedback"' not in html


def test_public_404_keeps_the_resident_layout(resident):
    page = resident.get("/sv/centres/no-such-centre/")
    assert page.status_code == 404
    assert 'id="feedback"' in page.content.decode()

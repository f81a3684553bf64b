"""The whole-suite leak scan is wired in and catches each kind of leak (tests/leak_scan.py)."""

import logging

import pytest
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from nara.core.actions.journal import do_write_note
from nara.core.actions.people import do_create_person
from nara.core.models import Center
from tests.conftest import shared_file
from tests.leak_scan import LEAKS, LeakScanner, number_forms
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def caught():
    """Findings made during the test (a function), taken out of the run's report afterwards."""
    before = len(LEAKS.found)
    yield lambda: LEAKS.found[before:]
    del LEAKS.found[before:]


def test_numbers_are_known_in_every_written_form():
    shared_file("test_personnummer.txt")
    assert {"191212121212", "1212121212", "19121212-1212", "121212-1212"} <= LEAKS.numbers
    assert number_forms("992004391013") <= LEAKS.numbers  # a reservnummer


def test_a_number_in_a_url_a_redirect_a_log_line_or_an_attribute_is_found(caught):
    shared_file("test_personnummer.txt")
    logging.getLogger("nara.test").warning("looked up 121212-1212")
    assert caught() == [("log record of nara.test", "a test personnummer or reservnummer")]
    scanner = LeakScanner(LEAKS.numbers)
    request = RequestFactory().get("/staff/people/", {"q": "191212121212"})
    page = HttpResponseRedirect("/staff/people/?pnr=19121212-1212")
    scanner.response(request, page, from_browser=True)
    scanner.response(request, HttpResponse('<input value="1212121212">'), from_browser=False)
    assert [where for where, _kind in scanner.found] == [
        "URL /staff/people/",
        "redirect from /staff/people/",
        "HTML attribute on /staff/people/",
    ]
    assert LeakScanner(LEAKS.numbers).secret_in("order 1191212121212 shipped") is None


def test_journal_text_in_a_log_line_or_an_audit_entry_is_found(demo, caught):
    centre = Center.objects.filter(kind="centre").order_by("pk").first()
    person = do_create_person(actor=user("anna"), center=centre, first_name="A", last_name="B")
    do_write_note(actor=user("anna"), person=person, text="The family spoke about the rent debt")
    logging.getLogger("nara.test").error("note: The family spoke about the rent debt")
    assert ("log record of nara.test", "journal text") in caught()

"""Unique reach from January to a month is the sum of the year's first appearances
(ReachRollup), kept by the actions that register contacts and link or unlink aliases: checked
against hand-counted figures and against COUNT(DISTINCT) on the raw contacts."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from nara.core.actions import contacts
from nara.core.actions.aliases import do_link_alias, do_unlink_alias
from nara.core.models import Alias, Center, Household, Person, Service
from nara.insights import kpis
from nara.insights.kpis import Filters
from nara.insights.models import REACH_KINDS
from tests.workspace.conftest import user

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1


def day(month, d=10):
    return dt.date(YEAR, month, d)


@pytest.fixture
def centres(demo):
    """Two centres, on the last day of YEAR (visits may be registered up to a year back)."""
    a, b = Center.objects.filter(kind="centre").order_by("pk")[:2]
    end_of_year = dt.datetime(YEAR, 12, 31, 12, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(end_of_year, tick=False):
        yield a, b


def reach(last_month, *centres, first_month=1):
    filters = Filters(
        start=day(first_month, 1),
        end=day(last_month, 1),
        centers=tuple(c.pk for c in centres) or None,
    )
    figures = kpis.reach(filters)
    counted = kpis._reach_counted(filters)
    assert {kind: figures[kind] for kind in REACH_KINDS} == counted  # both ways agree
    return (
        kpis._reach_adds_up(filters),
        figures["people"],
        figures["households"],
        figures["aliases"],
    )


def test_first_appearances_add_up_to_unique_reach(centres):
    a, b = centres
    anna = user("anna")
    p = Person.objects.create(center=a, first_name="Pia", last_name="Test")
    q = Person.objects.create(center=b, first_name="Qasim", last_name="Test")
    home = Household.objects.create(center=a, name="Familjen Test")

    def contact(centre, when, **subject):
        level = "full" if subject.keys() & {"person", "household"} else "no_identity"
        service = Service.objects.filter(centers=centre, documentation_level=level).first()
        return contacts.do_register_contact(
            actor=anna if centre == a else user("omar"),
            center=centre,
            service=service,
            channel="drop_in",
            occurred_on=when,
            **subject,
        )

    contact(a, day(3), person=p)
    contact(a, day(3, 20), person=p)
    contact(a, day(6), person=p)
    contact(a, day(5, 1), household=home)
    first_alias = contact(a, day(2, 2), alias_name="Sol-2231")
    alias = Alias.objects.get(pk=first_alias.alias_id)
    contact(a, day(8, 8), alias=alias)
    contact(b, day(7, 1), person=q)

    # (read from first appearances, people, households, aliases)
    assert reach(2, a) == (True, 0, 0, 1)
    assert reach(3, a) == (True, 1, 0, 1)  # Pia twice in March: once
    assert reach(12, a) == (True, 1, 1, 1)
    assert reach(12, a, b) == (True, 2, 1, 1)
    assert reach(12) == (True, 2, 1, 1)  # every centre
    assert reach(6, a, b) == (True, 1, 1, 1)  # Qasim first came in July

    # A visit in January registered late moves Pia's first appearance to January.
    contact(a, day(1, 15), person=p)
    assert reach(1, a) == (True, 1, 0, 0)
    assert reach(12, a) == (True, 1, 1, 1)

    # Linking the alias to a new person gives that person the alias's February and August.
    sol = Person.objects.create(center=a, first_name="Sol", last_name="Test")
    do_link_alias(
        actor=anna,
        alias=alias,
        person=sol,
        consent_given=True,
        given_how="verbal",
        given_by="person",
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    assert reach(2, a) == (True, 2, 0, 1)
    assert reach(12, a) == (True, 2, 1, 1)
    do_unlink_alias(actor=anna, alias=Alias.objects.get(pk=alias.pk), reason="The wrong person")
    assert reach(2, a) == (True, 1, 0, 1)

    # A period that does not start in January, or a filter, counts the raw rows.
    assert reach(6, a, first_month=3) == (False, 1, 1, 0)  # the alias came in Feb and Aug
    topic = Filters(start=day(1, 1), end=day(12, 1), centers=(a.pk,), channel="drop_in")
    assert not kpis._reach_adds_up(topic)
    assert kpis.reach(topic)["people"] == 1

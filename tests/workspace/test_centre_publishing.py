"""A new centre stays off the public site until it is published, an explicit audited step."""

import pytest
from django.test import Client

from nara.core.models import AuditEvent, Center

pytestmark = pytest.mark.django_db

NEW_CENTRE = {
    "name": "Socialt center Nyby",
    "slug": "nyby",
    "code": "nyby",
    "kind": "centre",
    "neutral_display_name": "Mötesplats Nyby",
    "street_address": "Nybytorget 1",
    "postal_code": "360 20",
    "city": "Exempelstad",
    "lon": 15.0,
    "lat": 59.0,
    "co_location": "",
    "co_location_name": "",
    "phone": "",
    "email": "",
    "is_published": "on",  # no longer a field of the form: ignored
}


def public_pages(slug):
    resident = Client()
    listed = slug in resident.get("/sv/centres/").content.decode()
    return listed, resident.get(f"/sv/centres/{slug}/").status_code


def test_a_new_centre_is_hidden_until_published(as_admin, as_manager):
    assert as_admin.post("/staff/centres/new/", NEW_CENTRE).status_code == 302
    centre = Center.objects.get(slug="nyby")
    assert not centre.is_published
    assert public_pages("nyby") == (False, 404)
    assert Client().get("/sv/centres/nyby/book/").status_code == 404
    assert (
        "Visas ännu inte på den publika webbplatsen."
        in as_admin.get(f"/staff/centres/{centre.pk}/").content.decode()
    )

    assert (
        as_admin.post(f"/staff/centres/{centre.pk}/publish/", {"published": "1"}).status_code == 302
    )
    assert public_pages("nyby") == (True, 200)
    event = AuditEvent.objects.get(action="center.publish", object_id=str(centre.pk))
    assert event.changes == {"is_published": [False, True]}

    as_admin.post(f"/staff/centres/{centre.pk}/publish/", {"published": "0"})
    assert public_pages("nyby") == (False, 404)
    assert AuditEvent.objects.filter(action="center.unpublish").count() == 1


def test_a_manager_publishes_only_their_own_centre(as_manager, centres):
    own, other = centres[0], centres[1]
    assert (
        as_manager.post(f"/staff/centres/{own.pk}/publish/", {"published": "0"}).status_code == 302
    )
    assert public_pages(own.slug)[1] == 404
    refused = as_manager.post(f"/staff/centres/{other.pk}/publish/", {"published": "0"})
    assert refused.status_code == 403
    assert Center.objects.get(pk=other.pk).is_published


def test_the_demo_centres_are_published(centres):
    assert all(c.is_published for c in Center.objects.all())

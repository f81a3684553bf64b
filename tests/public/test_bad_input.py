"""No input gives a server error: odd, long, binary and hostile values on every public form."""

import pytest
from django.test import Client

from nara.core.models import Center

pytestmark = pytest.mark.django_db

ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "١٢٣",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "-1",
    "1e309",
    "NaN",
    "../../etc/passwd",
    "%00",
]


@pytest.fixture
def centre(demo):
    return Center.objects.filter(kind="centre").first()


@pytest.mark.parametrize("value", ODD)
def test_odd_query_values(centre, value):
    client = Client()
    for path, params in [
        ("/sv/find/", {"q": value}),
        ("/sv/find/", {"postcode": value}),
        ("/sv/find/", {"area": value}),
        (f"/sv/centres/{centre.slug}/book/", {"mode": value}),
        (f"/sv/centres/{centre.slug}/ask/", {"topic": value}),
        ("/language/sv/", {"next": value}),
        ("/sv/statistics/", {"year": value}),
        (f"/sv/statistics/centres/{centre.slug}/", {"year": value}),
    ]:
        assert client.get(path, params).status_code < 500, (path, value)


@pytest.mark.parametrize("value", ODD)
def test_odd_form_values(centre, value):
    client = Client()
    for path, fields in [
        ("/sv/find/location/", ["lat", "lon"]),
        (
            f"/sv/centres/{centre.slug}/book/",
            [
                "slot",
                "mode",
                "alias",
                "phone",
                "email",
                "language",
                "interpreter",
                "topic",
                "shown",
            ],
        ),
        (f"/sv/centres/{centre.slug}/call-me/", ["alias", "phone", "when", "shown"]),
        (f"/sv/centres/{centre.slug}/ask/", ["question", "topic", "shown"]),
        ("/sv/booking/", ["code", "shown"]),
        ("/sv/answers/", ["code", "shown"]),
        ("/sv/feedback/", ["path", "helpful", "comment"]),
        ("/staff/login/", ["username", "password"]),
    ]:
        response = client.post(path, dict.fromkeys(fields, value))
        assert response.status_code < 500, (path, value)


@pytest.mark.parametrize("token", ["x", "A" * 300, "%00", "..%2F..", "€"])
def test_odd_booking_links(demo, token):
    client = Client()
    for suffix in ("", "cancel/", "rebook/"):
        method = client.post if suffix == "cancel/" else client.get
        assert method(f"/sv/booking/{token}/{suffix}").status_code < 500

"""API test fixtures: the HSDS 3.0 schemas from ../shared as jsonschema validators (a
`referencing` registry over the folder, skipping cleanly where ../shared is absent), and the
partner API personas: tokens of the demo's school with each scope, revoked and expired ones,
and a token of another partner; referrals addressed to each."""

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from django.test import Client
from django.utils import timezone
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from nara.api.actions import do_issue_token, do_revoke_token
from nara.api.models import ApiToken
from nara.core.actions.people import do_create_person
from nara.core.actions.referrals import do_send_referral
from nara.core.models import Alias, Center, Consent, Partner, PartnerService
from tests.workspace.conftest import user

HSDS = Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "hsds" / "schema"
# The HSDS OpenAPI document names the compiled schemas by their published address.
PUBLISHED = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


class Hsds:
    """Validators for the HSDS schema files, by file name ("service.json",
    "compiled/service_list.json")."""

    def __init__(self, folder):
        self.folder = folder
        resources = []
        for path in sorted(folder.rglob("*.json")):
            relative = path.relative_to(folder).as_posix()
            contents = json.loads(path.read_text())
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            # Files refer to each other by bare file name ("phone.json"); also register the
            # published address the HSDS OpenAPI document uses.
            for uri in {relative, path.name, PUBLISHED + relative, path.as_uri()}:
                resources.append((uri, resource))
        self.registry = Registry().with_resources(resources)

    def schema(self, name):
        return json.loads((self.folder / name).read_text())

    def validator(self, name):
        return jsonschema.Draft202012Validator(
            self.schema(name),
            registry=self.registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )

    def check(self, name, instance):
        errors = sorted(self.validator(name).iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{name}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
        )


@pytest.fixture(scope="session")
def hsds():
    if not (HSDS / "service.json").exists():
        pytest.skip(f"{HSDS} is absent: the HSDS 3.0 schemas live in ../shared beside the repo")
    return Hsds(HSDS)


@pytest.fixture
def api(resident):
    """GET an API address as JSON, asserting 200."""

    def get(path, **headers):
        response = resident.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return response.json()

    return get


def every_page(api, path, per_page=3):
    """All items of a paginated list, page by page (checks the envelope on the way)."""
    items, page = [], 1
    while True:
        sep = "&" if "?" in path else "?"
        body = api(f"{path}{sep}page={page}&per_page={per_page}")
        assert body["page_number"] == page and body["size"] == len(body["contents"])
        items += body["contents"]
        if body["last_page"]:
            assert len(items) == body["total_items"]
            return items
        page += 1


ALL = ["referrals:read", "referrals:write", "referrals:status"]


class Api:
    """A partner's system: the test client with `Authorization: Bearer <token>` (or none)."""

    def __init__(self, token=None):
        self.token, self.client = token, Client()

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, headers=self.headers())

    def post(self, path, data=None, *, raw=None, content_type="application/json"):
        body = raw if raw is not None else data
        return self.client.post(path, body, content_type=content_type, headers=self.headers())


def issue(partner, scopes, *, days=30, name="Test system"):
    _token, raw = do_issue_token(
        actor=user("admin"),
        partner=partner,
        name=name,
        scopes=scopes,
        expires_on=timezone.localdate() + dt.timedelta(days=days),
    )
    return raw


@pytest.fixture
def school(demo):
    """Petra's school: a partner organisation with a partner-portal user."""
    return Partner.objects.get(memberships__user__username="petra")


@pytest.fixture
def other_partner(demo, school):
    partner = Partner.objects.create(municipality=school.municipality, name="Andra", kind="ngo")
    PartnerService.objects.create(partner=partner, name="Andras stöd")
    return partner


@pytest.fixture
def home(demo):
    return Center.objects.filter(kind="centre").order_by("pk").first()


def send_to(partner, home, **subject):
    if not subject:
        alias, _new = Alias.objects.get_or_create(center=home, name="Api")
        subject = {"alias": alias}
    return do_send_referral(
        actor=user("anna"),
        center=home,
        service=partner.services.first(),
        topic="school-absence",
        **subject,
    )


@pytest.fixture
def addressed(school, home):
    """A referral from the first centre to the school, about an alias."""
    return send_to(school, home)


@pytest.fixture
def named(school, home):
    """A referral to the school that names a person, with their consent to share identity and
    contact details with the school."""
    person = do_create_person(
        actor="test", center=home, first_name="Sara", last_name="Api", phone="+46701112233"
    )
    Consent.objects.create(
        center=home,
        person=person,
        scope=["identity", "contact_details"],
        recipient_partner=school,
        purpose="Api",
        given_how="verbal",
        given_by="person",
        given_on=timezone.localdate(),
        valid_until=timezone.localdate() + dt.timedelta(days=90),
    )
    return do_send_referral(
        actor=user("anna"),
        center=home,
        service=school.services.first(),
        topic="school-absence",
        person=person,
        shared=["identity", "contact_details"],
    )


@pytest.fixture
def elsewhere(other_partner, home):
    """A referral to the other partner."""
    return send_to(other_partner, home)


@pytest.fixture
def apis(school, other_partner):
    """Every token persona: anonymous, one per scope, all scopes, revoked, expired, and a token
    of another partner with every scope."""
    revoked = issue(school, ALL, name="Revoked")
    do_revoke_token(actor=user("admin"), token=ApiToken.objects.get(name="Revoked"))
    expired = issue(school, ALL, name="Expired")
    ApiToken.objects.filter(name="Expired").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    return {
        "anonymous": Api(),
        "read": Api(issue(school, ["referrals:read"])),
        "write": Api(issue(school, ["referrals:write"])),
        "status": Api(issue(school, ["referrals:status"])),
        "all": Api(issue(school, ALL)),
        "revoked": Api(revoked),
        "expired": Api(expired),
        "other": Api(issue(other_partner, ALL)),
    }

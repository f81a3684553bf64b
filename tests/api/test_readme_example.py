"""The README's curl example for sending a family works as written (with the demo's centre)."""

import json
import re
from pathlib import Path

import pytest

from nara.core.models import Referral
from tests.api.conftest import Api, issue

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


def curl_example():
    text = README.read_text()
    section = text[text.index("## The partner API") :]
    block = re.search(r"```sh\n(curl -X POST .*?)```", section, re.S).group(1)
    return block, json.loads(re.search(r"-d '(.*?)'", block, re.S).group(1))


def test_the_readme_curl_sends_a_family(school, home):
    block, body = curl_example()
    path = re.search(r"https://[^/]+(/api/\S+)", block).group(1)
    assert '"Authorization: Bearer $NARA_TOKEN"' in block
    body["centre"] = body["consent"]["recipient_centre"] = home.pk
    response = Api(issue(school, ["referrals:write"])).post(path, body)
    assert response.status_code == 201, response.content
    assert Referral.objects.get(pk=response.json()["id"]).partner == school

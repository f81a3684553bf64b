"""Capacity in manage.py plan: exactly enough staff posts, shares of the average, one language."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from nara.core.models import Area

pytestmark = pytest.mark.django_db


def plan_json(demo, *args):
    out = io.StringIO()
    with translation.override("en"):
        call_command("plan", "--municipality", demo.code, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_twelve_posts_over_four_bases_of_three_are_accepted(demo):
    results = plan_json(
        demo, "--model", "catchments", "--k", "4", "--capacity", "3", "--capacity-on", "staff",
        "--staff", "12", "--min-posts", "3",
    )  # fmt: skip
    assert [site["posts"] for site in results["sites"]] == [3, 3, 3, 3]
    assert results["capacity"] == {"per_base": 3.0, "unit": "posts", "share_of_average": 1.0}


def test_capacity_as_a_share_of_the_average_is_stated_in_the_result(demo):
    total = sum(Area.objects.filter(municipality=demo).values_list("population", flat=True))
    results = plan_json(
        demo, "--model", "catchments", "--k", "3", "--capacity", "1.25", "--capacity-on", "average",
    )  # fmt: skip
    assert results["capacity"]["share_of_average"] == pytest.approx(1.25)
    assert results["capacity"]["per_base"] == pytest.approx(1.25 * total / 3)
    assert max(site["residents"] for site in results["sites"]) <= 1.25 * total / 3


def test_an_infeasible_capacity_is_reported_in_swedish_only(demo):
    with translation.override("sv"), pytest.raises(CommandError) as caught:
        call_command(
            "plan", "--model", "catchments", "--k", "4", "--capacity", "0.9",
            "--capacity-on", "average", "--municipality", demo.code, stdout=io.StringIO(),
        )  # fmt: skip
    message = str(caught.value)
    assert message.startswith("Ogenomförbart:")
    assert "does not fit" not in message and "capacity" not in message

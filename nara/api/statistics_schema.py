"""The OpenAPI description of the open statistics (nara/api/statistics_views.py): the query and
the response shapes as REST framework serializers, for drf-spectacular only (the views build
plain dicts; the schemathesis run in tests/api/test_openapi.py checks they match).

Every published number is a *figure*: {"value", "status", "suppressed"}. `status` is "shown"
(the value is the number), "few" (fewer than 5: the value is null) or "hidden" (not shown so
that a "fewer than 5" cell cannot be worked out from the others: the value is null);
`suppressed` is true exactly when the value is null. The same figures as the public statistics
pages, from nara.insights.open_statistics.published().
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nara.core.models import FeedbackQuestion

STATUSES = ("shown", "few", "hidden")
PERIOD_PATTERN = r"^([0-9]{4}-(0[1-9]|1[0-2])|year)$"


class StatisticsQuery(serializers.Serializer):
    year = serializers.RegexField(
        r"^[0-9]{4}$",
        required=False,
        error_messages={"invalid": _("Give the year as four digits.")},
        help_text="The year, four digits (default: the newest published year).",
    )

    def validate(self, data):
        # An empty ?year= is a mistake, as on the public pages, not "no year".
        if self.initial_data.get("year", None) == "":
            raise serializers.ValidationError({"year": [_("Give the year as four digits.")]})
        return data


class StatisticsCount(serializers.Serializer):
    """A count: shown, or suppressed (value null) as "few" (fewer than 5) or "hidden"."""

    value = serializers.IntegerField(allow_null=True, min_value=0)
    status = serializers.ChoiceField(choices=STATUSES)
    suppressed = serializers.BooleanField(help_text="True exactly when value is null.")


class StatisticsRate(serializers.Serializer):
    """A share between 0 and 1, shown only when both of its counts are shown."""

    value = serializers.FloatField(allow_null=True, min_value=0, max_value=1)
    status = serializers.ChoiceField(choices=STATUSES)
    suppressed = serializers.BooleanField(help_text="True exactly when value is null.")


@extend_schema_field({"type": "string", "pattern": PERIOD_PATTERN, "example": "2025-03"})
class PeriodField(serializers.CharField):
    pass


class StatisticsAreaRow(serializers.Serializer):
    """One month ("YYYY-MM") or the year ("year") of an area."""

    period = PeriodField(help_text='A month as "YYYY-MM", or "year" for the months together.')
    contacts = StatisticsCount()
    people = StatisticsCount(
        allow_null=True,
        help_text="People reached (distinct); null for the area 'other' (not counted).",
    )
    answered = StatisticsCount(help_text="Offers answered (accepted + declined).")
    accepted = StatisticsCount()
    declined = StatisticsCount()
    acceptance = StatisticsRate(help_text="accepted / answered.")


class StatisticsQuestion(serializers.Serializer):
    yes = StatisticsCount(help_text="Answers 'yes'.")
    share = StatisticsRate(help_text="yes / feedback.")


StatisticsFeedbackYes = type(
    "StatisticsFeedbackYes",
    (serializers.Serializer,),
    {question: StatisticsQuestion() for question in FeedbackQuestion.values},
)


class StatisticsCentreRow(StatisticsAreaRow):
    """One month or the year of a centre or the municipality: also visits and feedback."""

    visits = StatisticsCount(help_text="Booked visits that took place or were missed.")
    attended = StatisticsCount()
    no_show = StatisticsCount()
    no_show_rate = StatisticsRate(help_text="no_show / visits.")
    feedback = StatisticsCount(help_text="Feedback answers after visits.")
    feedback_yes = StatisticsFeedbackYes(
        help_text="Per question: the answers 'yes' and their share."
    )


class StatisticsUnit(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField(allow_null=True, help_text="Its statistics in this API.")
    page_url = serializers.URLField(allow_null=True, help_text="Its public statistics page.")


class StatisticsCentre(StatisticsUnit):
    slug = serializers.CharField()
    rows = StatisticsCentreRow(many=True)


class StatisticsArea(StatisticsUnit):
    code = serializers.CharField(allow_null=True, help_text="Null for 'other'.")
    rows = StatisticsAreaRow(many=True)


class StatisticsMunicipality(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StatisticsYear(serializers.Serializer):
    municipality = StatisticsMunicipality()
    years = serializers.ListField(
        child=serializers.IntegerField(), help_text="The published years, newest first."
    )
    year = serializers.IntegerField()
    months = serializers.ListField(
        child=PeriodField(), help_text="The whole months of the year published so far."
    )
    complete = serializers.BooleanField(help_text="True when all 12 months are published.")
    threshold = serializers.IntegerField(help_text="Counts below this are suppressed ('few').")


class Statistics(StatisticsYear):
    rows = StatisticsCentreRow(
        many=True, help_text="The municipality: its published centres together."
    )
    centres = StatisticsCentre(many=True)
    areas = StatisticsArea(
        many=True,
        help_text="The areas, and last 'other' (not stated, outside, not the municipality's).",
    )


class StatisticsOfCentre(StatisticsYear):
    centre = StatisticsCentre()


class StatisticsOfArea(StatisticsYear):
    area = StatisticsArea()

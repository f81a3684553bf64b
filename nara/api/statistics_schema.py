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
from rest_framework.fields import empty

from nara.core.models import FeedbackQuestion
from nara.lib.years import EARLIEST_YEAR, LATEST_YEAR, parse_year

STATUSES = ("shown", "few", "hidden")
PERIOD_PATTERN = r"^([0-9]{4}-(0[1-9]|1[0-2])|year)$"
YEAR_PATTERN = r"^(20[0-9]{2}|21[0-9]{2})$"  # nara.lib.years: 2000 to 2199


def _year_message():
    return _("Give the year as four digits, from %(first)d to %(last)d.") % {
        "first": EARLIEST_YEAR,
        "last": LATEST_YEAR,
    }


@extend_schema_field({"type": "string", "pattern": YEAR_PATTERN, "example": "2025"})
class YearField(serializers.CharField):
    """A year read by nara.lib.years.parse_year, as the public pages read it: exactly four
    ASCII digits in range, nothing stripped (REST framework would trim " 2025" to a year)."""

    def __init__(self, **kwargs):
        # allow_blank: so that an empty ?year= reaches to_internal_value (and is refused there)
        super().__init__(allow_blank=True, trim_whitespace=False, **kwargs)

    def run_validation(self, data=empty):
        if data is empty:  # not asked: the newest year
            return super().run_validation(data)
        return self.to_internal_value(data)

    def to_internal_value(self, data):
        year = parse_year(data)
        if year is None:  # also "", which is a mistake, as on the public pages, not "no year"
            raise serializers.ValidationError(_year_message(), code="invalid")
        return year


class StatisticsQuery(serializers.Serializer):
    year = YearField(
        required=False,
        help_text=(
            f"The year, four digits from {EARLIEST_YEAR} to {LATEST_YEAR} (default: the newest "
            "published year)."
        ),
    )


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

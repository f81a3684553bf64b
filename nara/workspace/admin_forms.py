"""Forms for the administration pages. Validation here; writes go through core actions."""

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from i18nfield.forms import I18nModelForm

from nara.core.models import Area, Center, Schedule, ScheduleException, Service, StaffMember
from nara.core.queries import area_kind_in_use
from nara.lib import calendar
from nara.lib.dates import WEEKDAY_NAMES
from nara.lib.languages import SPOKEN_LANGUAGES

from .words import split_byday

FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2199, 12, 31)
LOCALES = [code for code, _name in settings.LANGUAGES]
LANGUAGE_CHOICES = list(SPOKEN_LANGUAGES.items())


class LocalisedForm(I18nModelForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("locales", LOCALES)
        super().__init__(*args, **kwargs)


class LanguagesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=LANGUAGE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, **kwargs
        )


class CenterForm(LocalisedForm):
    languages = LanguagesField(label=_("languages spoken"))

    class Meta:
        model = Center
        fields = [
            "name",
            "slug",
            "code",
            "kind",
            "neutral_display_name",
            "street_address",
            "postal_code",
            "city",
            "lon",
            "lat",
            "co_location",
            "co_location_name",
            "phone",
            "email",
            "languages",
            "accessibility",
            "directions",
            "opened_on",
            "annual_budget_sek",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]  # set at creation, never edited: role claims use it

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if lon is not None and not 9 <= lon <= 26:
            self.add_error("lon", _("Longitude in Sweden is between 9 and 26."))
        if lat is not None and not 54 <= lat <= 70:
            self.add_error("lat", _("Latitude in Sweden is between 54 and 70."))
        return data


class CatchmentForm(forms.Form):
    areas = forms.ModelMultipleChoiceField(
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Areas served"),
    )

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        municipality = center.municipality
        self.fields["areas"].queryset = Area.objects.filter(
            municipality=municipality, kind=area_kind_in_use(municipality)
        )


WEEKDAY_CHOICES = list(zip(calendar.WEEKDAYS, WEEKDAY_NAMES, strict=True))
WEEK_OF_MONTH_CHOICES = [
    ("", _("every week")),
    ("1", _("the first")),
    ("2", _("the second")),
    ("3", _("the third")),
    ("4", _("the fourth")),
    ("-1", _("the last")),
]


class WeekdaysField(forms.MultipleChoiceField):
    """Ticked weekdays; also takes "mo,we" as typed before there were checkboxes."""

    def to_python(self, value):
        values = super().to_python(value)
        return [code.strip().upper() for item in values for code in item.split(",") if code.strip()]


class ScheduleForm(LocalisedForm):
    """Weekdays are ticked and the week of the month chosen; stored as iCal BYDAY ("1MO,1WE")."""

    byday = WeekdaysField(
        label=_("weekdays"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Use weekdays like MO,WE,FR or 1TU.")},
    )
    week_of_month = forms.ChoiceField(
        label=_("Which week of the month (monthly rules only)"),
        choices=WEEK_OF_MONTH_CHOICES,
        required=False,
    )
    field_order = ["kind", "title", "freq", "interval", "byday", "week_of_month"]

    class Meta:
        model = Schedule
        fields = [
            "kind",
            "title",
            "freq",
            "interval",
            "byday",
            "bymonthday",
            "opens_at",
            "closes_at",
            "valid_from",
            "valid_to",
            "notes",
        ]
        labels = {"interval": _("Every how many weeks or months")}
        help_texts = {"bymonthday": _("Instead of weekdays: days of the month, e.g. 1,15.")}
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}),
            "closes_at": forms.TimeInput(attrs={"type": "time"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.byday:
            days, ordinal = split_byday(self.instance.byday)
            self.initial["byday"], self.initial["week_of_month"] = days, ordinal

    def clean_byday(self):
        ordinal = self.data.get(self.add_prefix("week_of_month"), "")
        if ordinal not in dict(WEEK_OF_MONTH_CHOICES):
            ordinal = ""
        value = ",".join(f"{ordinal}{day}" for day in self.cleaned_data["byday"])
        try:
            calendar.parse_byday(value, self.cleaned_data.get("freq", "MONTHLY"))
        except calendar.ScheduleRuleError:
            raise forms.ValidationError(_("Use weekdays like MO,WE,FR or 1TU.")) from None
        return value

    def clean_bymonthday(self):
        value = self.cleaned_data["bymonthday"].replace(" ", "")
        try:
            calendar.parse_bymonthday(value)
        except calendar.ScheduleRuleError:
            raise forms.ValidationError(_("Use days of the month 1–31, e.g. 1,15.")) from None
        return value

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Closing time must be after opening time."))
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date must be after the start date."))
        if data.get("freq") == "WEEKLY" and not data.get("byday"):
            self.add_error("byday", _("Choose at least one weekday."))
        if data.get("freq") == "WEEKLY" and data.get("week_of_month"):
            self.add_error("week_of_month", _("A week of the month only goes with monthly rules."))
        interval, freq = data.get("interval"), data.get("freq")
        if interval is not None and not 1 <= interval <= calendar.MAX_INTERVAL.get(freq, 12):
            self.add_error("interval", _("Repeat every 1–52 weeks or 1–12 months."))
        for name in ("valid_from", "valid_to"):
            if data.get(name) and not FIRST_DATE <= data[name] <= LAST_DATE:
                self.add_error(name, _("Use a date between 2000 and 2199."))
        return data


class ExceptionForm(LocalisedForm):
    class Meta:
        model = ScheduleException
        fields = ["date", "closed", "opens_at", "closes_at", "reason"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "opens_at": forms.TimeInput(attrs={"type": "time"}),
            "closes_at": forms.TimeInput(attrs={"type": "time"}),
        }

    def clean(self):
        data = super().clean()
        if not data.get("closed"):
            opens, closes = data.get("opens_at"), data.get("closes_at")
            if not (opens and closes):
                self.add_error("opens_at", _("Give the hours, or tick closed all day."))
            elif closes <= opens:
                self.add_error("closes_at", _("Closing time must be after opening time."))
        return data


class DirectoryForm(LocalisedForm):
    languages = LanguagesField(label=_("languages"))

    class Meta:
        model = StaffMember
        fields = ["first_name", "role_title", "languages", "order"]


class ServiceForm(LocalisedForm):
    class Meta:
        model = Service
        fields = [
            "name",
            "slug",
            "topic",
            "target_group",
            "min_age",
            "max_age",
            "description",
            "needs_assessed",
            "decision_reference",
            "decision_date",
            "decision_conditions",
            "documentation_level",
            "centers",
        ]
        widgets = {
            "decision_date": forms.DateInput(attrs={"type": "date"}),
            "centers": forms.CheckboxSelectMultiple,
        }

    def clean(self):
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and high < low:
            self.add_error("max_age", _("The upper age must not be below the lower age."))
        return data


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["name", "population", "population_0_17"]

    def clean(self):
        data = super().clean()
        total, children = data.get("population"), data.get("population_0_17")
        if total is not None and children is not None and children > total:
            self.add_error("population_0_17", _("Children cannot outnumber the population."))
        return data

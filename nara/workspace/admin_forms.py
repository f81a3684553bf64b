"""Forms for the administration pages. Validation here; writes go through core actions."""

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from i18nfield.forms import I18nModelForm

from nara.core.models import Area, Center, Schedule, ScheduleException, Service, StaffMember
from nara.lib import calendar
from nara.lib.languages import SPOKEN_LANGUAGES

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
            "is_published",
        ]

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
        self.fields["areas"].queryset = Area.objects.filter(municipality=center.municipality)


class ScheduleForm(LocalisedForm):
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
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}),
            "closes_at": forms.TimeInput(attrs={"type": "time"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_byday(self):
        value = self.cleaned_data["byday"].upper().replace(" ", "")
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

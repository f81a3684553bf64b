"""Forms of the partner directory: search, partners, their services, opening hours, capacity,
legal bases. Validation here; writes go through nara.core.actions.directory."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core.actions import directory
from nara.core.actions.directory import FIRST_DATE, MAX_AGE
from nara.core.models import (
    AgeBand,
    Capacity,
    LegalBasis,
    Partner,
    PartnerService,
    PartnerServiceSchedule,
)
from nara.lib.topics import TOPIC_CHOICES

from .admin_forms import LANGUAGE_CHOICES, LanguagesField, ScheduleForm

AGE_BANDS = [(value, label) for value, label in AgeBand.choices if value != AgeBand.UNKNOWN]
# An age band as the age range it covers, to compare with a service's eligibility.
BAND_RANGES = {"0-5": (0, 5), "6-12": (6, 12), "13-17": (13, 17), "18-25": (18, 25)}
BAND_RANGES |= {"26-64": (26, 64), "65+": (65, MAX_AGE)}


class TopicsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(
            choices=TOPIC_CHOICES,
            error_messages={"invalid_choice": _("Choose help topics from the list.")},
            **kwargs,
        )


class DirectorySearchForm(forms.Form):
    """A GET form: every field optional; unknown values are refused with a message."""

    q = forms.CharField(label=_("Words in the name or description"), required=False, max_length=100)
    topic = TopicsField(label=_("Help topics"), required=False)
    age = forms.IntegerField(
        label=_("Age of the person"),
        required=False,
        min_value=0,
        max_value=MAX_AGE,
        error_messages={
            "invalid": _("Give the age in whole years."),
            "min_value": _("An age is between 0 and 120."),
            "max_value": _("An age is between 0 and 120."),
        },
    )
    band = forms.ChoiceField(
        label=_("or age group"),
        required=False,
        choices=[("", _("any age"))] + AGE_BANDS,
        error_messages={"invalid_choice": _("Choose an age group from the list.")},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("any language"))] + LANGUAGE_CHOICES,
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
    taking = forms.BooleanField(label=_("Only services taking referrals now"), required=False)

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].replace("\x00", "").split())

    def age_range(self):
        """(low, high) the search asks for, or None."""
        age, band = self.cleaned_data.get("age"), self.cleaned_data.get("band")
        if age is not None:
            return age, age
        return BAND_RANGES.get(band)


class PartnerForm(forms.ModelForm):
    website = forms.URLField(
        label=_("website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Partner
        fields = list(directory.PARTNER_FIELDS)
        help_texts = {
            "latitude": _("Decimal degrees (WGS84), e.g. 58.41. Used on maps and by the API."),
        }

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if lat is not None and not 54 <= lat <= 70:
            self.add_error("latitude", _("Latitude in Sweden is between 54 and 70."))
        if lon is not None and not 9 <= lon <= 26:
            self.add_error("longitude", _("Longitude in Sweden is between 9 and 26."))
        if (lat is None) != (lon is None) and not self.errors:
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        return data


class PartnerServiceForm(forms.ModelForm):
    topics = TopicsField(label=_("Help topics"), required=False)
    languages = LanguagesField(
        label=_("Languages the service is given in"),
        error_messages={"invalid_choice": _("Choose languages from the list.")},
    )
    url = forms.URLField(label=_("web page"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = PartnerService
        fields = list(directory.SERVICE_FIELDS)
        widgets = {
            "capacity_confirmed_on": forms.DateInput(attrs={"type": "date"}),
            "capacity": forms.RadioSelect,
        }
        help_texts = {
            "target_group": _("Who the service is for, e.g. parents of children 0–5."),
            "how_to_apply": _("What the family or the centre does to get the service."),
        }

    def clean(self):
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and high < low:
            self.add_error("age_max", _("The upper age must not be below the lower age."))
        confirmed = data.get("capacity_confirmed_on")
        if confirmed and confirmed > timezone.localdate():
            self.add_error(
                "capacity_confirmed_on", _("A capacity cannot be confirmed in the future.")
            )
        elif confirmed and confirmed < FIRST_DATE:
            self.add_error("capacity_confirmed_on", _("Use a date between 2000 and 2199."))
        return data


class PartnerHoursForm(ScheduleForm):
    """The centre schedule form (weekday boxes, week of the month, checks) for a partner's
    service."""

    field_order = ["freq", "interval", "byday", "week_of_month", "bymonthday"]

    class Meta(ScheduleForm.Meta):
        model = PartnerServiceSchedule
        fields = list(directory.HOURS_FIELDS)

    def clean(self):
        data = super().clean()
        interval = data.get("interval")
        if interval and interval > 1 and not data.get("valid_from") and not self.errors:
            self.add_error(
                "valid_from", _("A rule that skips weeks or months needs the date it starts from.")
            )
        return data


class CapacityForm(forms.Form):
    capacity = forms.ChoiceField(
        label=_("Takes referrals"),
        choices=Capacity.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose whether the service takes referrals.")},
    )
    confirmed_on = forms.DateField(
        label=_("Confirmed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Give a date, e.g. 2026-03-01.")},
    )

    def clean_confirmed_on(self):
        day = self.cleaned_data["confirmed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A capacity cannot be confirmed in the future."))
        if day < FIRST_DATE:
            raise forms.ValidationError(_("Use a date between 2000 and 2199."))
        return day


class LegalBasisForm(forms.ModelForm):
    class Meta:
        model = LegalBasis
        fields = list(directory.LEGAL_BASIS_FIELDS)
        help_texts = {"provision": _("e.g. 10 kap. 21 § OSL")}

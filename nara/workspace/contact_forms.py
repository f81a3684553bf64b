"""Forms for quick contact registration, drop-in headcounts and support offers."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core.actions.contacts import ALLOWED, MAX_HEADCOUNT, MAX_MINUTES, NOTE_MAX
from nara.core.models import AgeBand, Area, Channel, Gender, SupportOffer, YesNoUnknown
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.topics import TOPIC_CHOICES

OUTSIDE = "outside"
# Fields that carry who the contact was with; sent by a browser only when the level allows.
SUBJECT_FIELDS = {
    "person": "person",
    "household": "household",
    "alias_name": "alias",
    "generate_alias": "alias",
    "note": "note",
}
# Names a crafted request might use for a person; never form fields, always refused.
FOREIGN_NAME_FIELDS = ("name", "first_name", "last_name", "personnummer", "alias", "phone")


class TopicCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose first box takes the focus when the page opens (keyboard-first)."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["index"] == "0" or option["index"] == 0:
            option["attrs"]["autofocus"] = True
        return option


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("How did you meet?"), choices=Channel.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    duration_minutes = forms.IntegerField(
        label=_("Minutes (optional)"), required=False, min_value=1, max_value=MAX_MINUTES
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=TOPIC_CHOICES,
        required=False,
        widget=TopicCheckboxes,
    )
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices, initial=AgeBand.UNKNOWN)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.NOT_STATED)
    area = forms.ChoiceField(label=_("Lives in"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    interpreter_used = forms.BooleanField(label=_("Interpreter used"), required=False)
    previously_known = forms.ChoiceField(
        label=_("Previously known to social services"),
        choices=YesNoUnknown.choices,
        initial=YesNoUnknown.UNKNOWN,
    )
    first_contact = forms.BooleanField(label=_("First contact with this centre"), required=False)
    alias_name = forms.CharField(
        label=_("Alias chosen by the resident (optional)"),
        max_length=40,
        required=False,
        help_text=_("A returning visitor gives the same alias again."),
    )
    generate_alias = forms.BooleanField(label=_("Give a generated alias"), required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Short note (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    offer_service = forms.ChoiceField(
        label=_("Support offered (optional)"), required=False, widget=forms.RadioSelect
    )
    offer_answer = forms.ChoiceField(
        label=_("Answer"),
        choices=SupportOffer.Answer.choices,
        initial=SupportOffer.Answer.NO_ANSWER,
        widget=forms.RadioSelect,
    )
    service = forms.IntegerField(widget=forms.HiddenInput)
    appointment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    callback = forms.IntegerField(required=False, widget=forms.HiddenInput)
    question = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, centre, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        allowed = ALLOWED[service.documentation_level]
        # Only what the service's documentation level allows is shown.
        for name, kind in SUBJECT_FIELDS.items():
            if kind not in allowed:
                del self.fields[name]
        areas = Area.objects.filter(catchments__center=centre).order_by("name")
        self.fields["area"].choices = [
            ("", _("not stated")),
            *[(str(a.pk), a.name) for a in areas],
            (OUTSIDE, _("outside the centre's catchment")),
        ]
        self.fields["language"].choices = [("", _("not stated")), *SPOKEN_LANGUAGES.items()]
        offered = centre.services.order_by("topic", "slug")
        self.fields["offer_service"].choices = [
            ("", _("none")),
            *[(str(s.pk), str(s.name)) for s in offered],
        ]
        self.fields["occurred_on"].initial = timezone.localdate()
        self.fields["service"].initial = service.pk

    @property
    def shows_alias(self):
        return "alias_name" in self.fields

    @property
    def shows_note(self):
        return "note" in self.fields

    def area_value(self):
        """(area id or None, outside?) from the chosen option."""
        value = self.cleaned_data.get("area") or ""
        if value == OUTSIDE:
            return None, True
        return (int(value) if value.isdigit() else None), False


class HeadcountForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    count = forms.IntegerField(
        label=_("Visitors at the drop-in"), min_value=0, max_value=MAX_HEADCOUNT
    )


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"), choices=SupportOffer.Answer.choices, widget=forms.RadioSelect
    )
    answered_on = forms.DateField(label=_("Date"), widget=DATE)


class OfferStartForm(forms.Form):
    started_on = forms.DateField(label=_("Started on"), widget=DATE)


class OfferEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[c for c in SupportOffer.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
    )


class OfferAnotherForm(forms.Form):
    """One more support offer in a saved contact: which service of the centre, and the answer."""

    service = forms.ChoiceField(label=_("Service offered"), widget=forms.RadioSelect)
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=SupportOffer.Answer.choices,
        initial=SupportOffer.Answer.NO_ANSWER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, prefix="offer", **kwargs)
        offered = centre.services.order_by("topic", "slug")
        self.fields["service"].choices = [(str(s.pk), str(s.name)) for s in offered]

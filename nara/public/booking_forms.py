from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from nara.core.models import CallbackRequest, Mode
from nara.lib.languages import SPOKEN_LANGUAGES
from nara.lib.messaging import normalise_phone as normalise_mobile
from nara.lib.phone import normalise_phone
from nara.lib.topics import TOPIC_CHOICES

from .guard import HumanForm

TOPIC_OPTIONAL = [("", _("I would rather not say"))] + list(TOPIC_CHOICES)
PHONE_ERROR = _("Write a Swedish phone number, for example 070-123 45 67.")
MOBILE_ERROR = _("Write a Swedish mobile number, for example 070-123 45 67.")


class PhoneField(forms.CharField):
    """Any Swedish number (we call it); reminders need a mobile, see MobileField."""

    normalise, message = staticmethod(normalise_phone), PHONE_ERROR

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            return self.normalise(value)
        except ValueError:
            raise forms.ValidationError(self.message) from None


class MobileField(PhoneField):
    normalise, message = staticmethod(normalise_mobile), MOBILE_ERROR


class BookingForm(HumanForm):
    slot = forms.IntegerField(
        min_value=1,
        label=_("Choose a time"),
        error_messages={"required": _("Choose a time."), "invalid": _("Choose a time.")},
    )
    mode = forms.ChoiceField(choices=Mode.choices, label=_("How do you want to meet?"))
    topic = forms.ChoiceField(
        choices=TOPIC_OPTIONAL,
        required=False,
        label=_("What do you want to talk about? (optional)"),
    )
    alias = forms.CharField(
        max_length=40,
        label=_("First name or a made-up name"),
        error_messages={"required": _("Write a first name or a made-up name.")},
    )
    phone = MobileField(
        required=False, max_length=20, label=_("Mobile number for a reminder (optional)")
    )
    email = forms.EmailField(
        required=False, max_length=120, label=_("E-mail for a reminder (optional)")
    )
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Language for the reminder"))
    interpreter = forms.ChoiceField(required=False, label=_("Do you need an interpreter?"))

    def __init__(self, *args, interpreter_languages=None, **kwargs):
        """interpreter_languages: the codes some free time offers (None: every language)."""
        super().__init__(*args, **kwargs)
        self.fields["interpreter"].choices = [("", _("No"))] + [
            (code, name)
            for code, name in SPOKEN_LANGUAGES.items()
            if code != "sv" and (interpreter_languages is None or code in interpreter_languages)
        ]

    def clean_alias(self):
        alias = " ".join(self.cleaned_data["alias"].split())
        if any(ch.isdigit() for ch in alias):
            raise forms.ValidationError(_("Only a first name or a made-up name, please."))
        return alias


class CodeForm(HumanForm):
    code = forms.CharField(
        max_length=12,
        label=_("Your code"),
        error_messages={"required": _("Write the code you got.")},
    )


class CallbackForm(HumanForm):
    alias = forms.CharField(max_length=40, label=_("First name or a made-up name"))
    phone = PhoneField(
        max_length=20,
        label=_("Phone number we should call"),
        error_messages={"required": PHONE_ERROR},
    )
    when = forms.ChoiceField(choices=CallbackRequest.When.choices, label=_("When suits you?"))
    topic = forms.ChoiceField(
        choices=TOPIC_OPTIONAL, required=False, label=_("What is it about? (optional)")
    )


class QuestionForm(HumanForm):
    question = forms.CharField(
        max_length=2000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Your question. Do not write your name or other details about who you are."),
        error_messages={
            "required": _("Write your question."),
            "min_length": _("Write your question in a few words."),
        },
    )
    topic = forms.ChoiceField(choices=TOPIC_OPTIONAL, required=False, label=_("Topic (optional)"))

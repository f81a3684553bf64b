from django import forms
from django.utils.translation import gettext_lazy as _

from nara.core.actions.areas import normalise_postcode


class FindForm(forms.Form):
    q = forms.CharField(label=_("Your area"), max_length=80, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)

    def clean_postcode(self):
        raw = self.cleaned_data["postcode"].strip()
        if not raw:
            return ""
        postcode = normalise_postcode(raw)
        if postcode is None:
            raise forms.ValidationError(
                _("A postcode has five digits, for example 602 21."), code="format"
            )
        return postcode

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("q") and not data.get("postcode"):
            raise forms.ValidationError(
                _("Write the name of your area or your postcode."), code="empty"
            )
        return data


class LocationForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)


class FeedbackForm(forms.Form):
    path = forms.CharField(max_length=200, widget=forms.HiddenInput)
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=_("Did this page help you?"),
    )
    comment = forms.CharField(
        label=_("What can we do better? (optional, do not write your name)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

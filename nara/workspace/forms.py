from django import forms
from django.utils.translation import gettext_lazy as _
from i18nfield.forms import I18nModelForm

from nara.core.models import MythFact


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class MythFactForm(I18nModelForm):
    class Meta:
        model = MythFact
        fields = ["myth", "fact", "order", "is_published"]


def forget(data, name):
    """The posted data without `name`: a refused value that may be an identity number is not
    written back into the page (an HTML attribute)."""
    data = data.copy()
    data[name] = ""
    return data


def refuse_identity_number(form, name):
    """A form's clean_<name>: refuse an identity number in free text, and do not write the
    refused value back into the page."""
    from django.forms import ValidationError

    from nara.core.actions.free_text import identity_number_problem

    value = form.cleaned_data[name]
    problem = identity_number_problem(value)
    if problem:
        form.data = forget(form.data, form.add_prefix(name))
        raise ValidationError(problem)
    return value

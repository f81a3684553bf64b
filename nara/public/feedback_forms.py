from django import forms
from django.utils.translation import gettext_lazy as _

from nara.core.actions.feedback import COMMENT_MAX_LENGTH
from nara.core.models import FeedbackAnswer, FeedbackQuestion

from .guard import HumanForm


def _question(question):
    return forms.ChoiceField(
        choices=FeedbackAnswer.choices,
        widget=forms.RadioSelect,
        label=FeedbackQuestion(question).label,
        error_messages={
            "required": _("Choose yes, partly or no."),
            "invalid_choice": _("Choose yes, partly or no."),
        },
    )


class VisitFeedbackForm(HumanForm):
    """Three questions, each yes / partly / no, and an optional text."""

    welcome = _question(FeedbackQuestion.WELCOME)
    listened = _question(FeedbackQuestion.LISTENED)
    again = _question(FeedbackQuestion.AGAIN)
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Anything else you want to tell us? (optional)"),
        error_messages={
            "max_length": _("Your text is too long. Write at most %(limit_value)d characters.")
        },
    )

    @property
    def questions(self):
        return [self[name] for name in FeedbackQuestion.values]

    def answers(self):
        return {name: self.cleaned_data[name] for name in FeedbackQuestion.values}

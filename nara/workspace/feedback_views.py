"""Residents' feedback after a visit, for staff: figures per centre and month with small
counts suppressed, the moderation queue of free text, and the QR code poster for a centre."""

import io

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nara.core import access
from nara.core.actions import feedback as actions
from nara.core.models import (
    Center,
    FeedbackAnswer,
    FeedbackQuestion,
    Role,
    VisitFeedbackComment,
    VisitFeedbackTally,
)

from .decorators import staff_view

SMALLEST_SHOWN = 5
FIGURE_ROLES = (Role.ADMINISTRATOR, Role.ANALYST, Role.CENTRE_MANAGER)


def _figure_centres(user):
    """Managers: their centres; analysts and administrators: every centre."""
    if access.has_role(user, Role.ADMINISTRATOR, Role.ANALYST):
        return Center.objects.all()
    return access.manageable_centres(user)


def suppressed_cells(counts, total):
    """{answer: count or None}: None where the count is below 5 — and, when only one cell
    of a question would be hidden, the next smallest too, so that it cannot be recovered
    by subtracting the others from the total."""
    if total < SMALLEST_SHOWN:
        return dict.fromkeys(counts)
    hidden = {answer for answer, n in counts.items() if n < SMALLEST_SHOWN}
    if len(hidden) == 1:
        shown = sorted((n, answer) for answer, n in counts.items() if answer not in hidden)
        hidden.add(shown[0][1])
    return {answer: None if answer in hidden else n for answer, n in counts.items()}


def figure_rows(centres):
    """One row per centre and month: answers (None when below 5) and, per question, the share
    of each answer in per cent (None where suppressed)."""
    sums = (
        VisitFeedbackTally.objects.filter(center__in=centres)
        .values("center_id", "center__name", "month", "question", "answer")
        .annotate(n=Sum("count"))
        .order_by()
    )
    cells = {}
    for row in sums:
        key = (row["center__name"], row["center_id"], row["month"])
        question = cells.setdefault(key, {}).setdefault(row["question"], {})
        question[row["answer"]] = row["n"]
    rows = []
    for (name, _pk, month), questions in sorted(cells.items(), key=lambda i: (i[0][0], i[0][2])):
        # Every answer answers each question once: a question's cells add up to the answers.
        total = sum(questions.get(FeedbackQuestion.WELCOME, {}).values())
        shares = []
        for question in FeedbackQuestion:
            counts = {a: questions.get(question, {}).get(a, 0) for a in FeedbackAnswer.values}
            shown = suppressed_cells(counts, total)
            shares.append(
                {
                    "question": question.label,
                    "cells": [
                        (
                            FeedbackAnswer(a).label,
                            None if shown[a] is None else round(100 * shown[a] / total),
                        )
                        for a in FeedbackAnswer.values
                    ],
                }
            )
        rows.append(
            {
                "centre": name,
                "month": month,
                "answers": total if total >= SMALLEST_SHOWN else None,
                "shares": shares,
            }
        )
    rows.sort(key=lambda r: (r["centre"], -r["month"].toordinal()))
    return rows


@staff_view(*FIGURE_ROLES)
def visit_feedback(request):
    centres = _figure_centres(request.user)
    approved = VisitFeedbackComment.objects.filter(
        center__in=centres, status=VisitFeedbackComment.Status.APPROVED
    ).select_related("center")
    comments = [
        {"centre": c.center.name, "month": c.month, "text": actions.comment_text(c)}
        for c in approved.order_by("-month", "center__name")[:100]
    ]
    context = {
        "rows": figure_rows(centres),
        "comments": comments,
        "answers": [label for _value, label in FeedbackAnswer.choices],
        "smallest": SMALLEST_SHOWN,
        "can_moderate": access.has_role(request.user, Role.CENTRE_MANAGER),
    }
    return render(request, "workspace/visit_feedback.html", context)


class ModerationForm(forms.Form):
    comment = forms.UUIDField(
        error_messages={
            "required": gettext_lazy("Choose a text."),
            "invalid": gettext_lazy("Choose a text."),
        }
    )
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        error_messages={
            "required": gettext_lazy("Choose approve or reject."),
            "invalid_choice": gettext_lazy("Choose approve or reject."),
        },
    )


def _moderated_centres(user):
    return Center.objects.filter(pk__in=access.centre_ids(user, wanted=[Role.CENTRE_MANAGER]))


@staff_view(Role.CENTRE_MANAGER)
def moderation(request):
    """Texts waiting at the centres the user manages: approve or reject (deleted)."""
    centres = _moderated_centres(request.user)
    pending = VisitFeedbackComment.objects.filter(
        center__in=centres, status=VisitFeedbackComment.Status.PENDING
    ).select_related("center")
    form = ModerationForm(request.POST or None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            comment = pending.filter(pk=form.cleaned_data["comment"]).first()
            if comment is None:
                error = _("This text has already been moderated or is not at your centres.")
            else:
                try:
                    approve = form.cleaned_data["decision"] == "approve"
                    actions.do_moderate_comment(
                        actor=request.user, comment=comment, approve=approve
                    )
                except actions.FeedbackError:
                    error = _("This text has already been moderated or is not at your centres.")
                else:
                    messages.success(
                        request,
                        _("Approved: staff see it beside the figures.")
                        if approve
                        else _("Rejected: the text is deleted."),
                    )
                    return redirect("workspace:visit-feedback-moderation")
        else:
            error = next(iter(form.errors.values()))[0]
    items = [
        {"id": c.pk, "centre": c.center.name, "month": c.month, "text": actions.comment_text(c)}
        for c in pending.order_by("month", "center__name")[:200]
    ]
    context = {
        "items": items,
        "error": error,
        "retention_days": settings.NARA_FEEDBACK_TEXT_RETENTION_DAYS,
    }
    return render(
        request, "workspace/visit_feedback_moderation.html", context, status=400 if error else 200
    )


def feedback_address(centre):
    """What the QR code holds: no language in it, so each phone opens its own language."""
    path = reverse("public:centre-feedback", kwargs={"slug": centre.slug})
    path = path.split("/", 2)[2]  # drop the language prefix: "/sv/centres/..." → "centres/..."
    return f"{settings.NARA_PUBLIC_URL.rstrip('/')}/{path}"


def _qr(centre):
    return segno.make(feedback_address(centre), error="m")


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def feedback_poster(request, pk):
    """A printable page with the centre's QR code and the invitation in every language."""
    centre = access.get_centre(request.user, pk, manage=True)
    title = _("QR code for feedback: %(name)s") % {"name": centre.name}
    context = {
        "centre": centre,
        "address": feedback_address(centre),
        "svg": _qr(centre).svg_inline(scale=8, title=title, svgclass="qr", omitsize=True),
        "languages": settings.LANGUAGES,
    }
    return render(request, "workspace/feedback_poster.html", context)


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def feedback_qr_svg(request, pk):
    return _qr_file(request, pk, "svg", "image/svg+xml")


@staff_view(Role.ADMINISTRATOR, Role.CENTRE_MANAGER)
def feedback_qr_png(request, pk):
    return _qr_file(request, pk, "png", "image/png")


def _qr_file(request, pk, kind, content_type):
    centre = access.get_centre(request.user, pk, manage=True)
    buffer = io.BytesIO()
    _qr(centre).save(buffer, kind=kind, scale=12, border=4)
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="feedback-{centre.slug}.{kind}"'
    return response

"""The partner API: what a partner user does in the portal, for the organisation's own system.

Each call acts as the token's organisation through its API account (nara/api/models.py), so
the portal's access helper (access.get_partner_referral: another organisation's referral is the
same 404 as one that does not exist) and the portal's actions and form decide, not a copy of
their rules. Every successful call leaves an audit entry naming the account and the token; a
refused one changes nothing.
"""

import datetime as dt

from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from nara.core import access
from nara.core.actions.incoming import partner_status
from nara.core.actions.referrals import (
    ReferralRefused,
    do_send_incoming_referral,
    do_set_referral_status,
    family_for_partner,
    record_partner_view,
)
from nara.core.models import Referral, ReferralStatus
from nara.workspace.portal_views import IncomingReferralForm

from . import partner_serializers as shapes
from . import schema_extensions  # noqa: F401  (registers the token scheme)
from .actions import record_api_read
from .hsds_schema import PROBLEM
from .limits import LimitedJSONParser, body_too_large, max_body_bytes
from .models import Scope
from .problems import Conflict, Unprocessable
from .tokens import BearerTokenAuthentication, HasScope, TokenRateThrottle

Direction = Referral.Direction
NOT_YOURS = gettext_noop("No referral with this id is addressed to your organisation.")


def problems(*statuses):
    """OpenAPI responses: a problem document (nara/api/problems.py) for each status."""
    return {
        (status, PROBLEM): OpenApiResponse({"$ref": "#/components/schemas/Problem"})
        for status in statuses
    }


def described(**kwargs):
    """extend_schema on drf-spectacular's AutoSchema, whatever the project's default class."""

    def decorate(method):
        method.schema = AutoSchema
        return extend_schema(**kwargs)(method)

    return decorate


class PartnerAPIView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [TokenRateThrottle]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    schema = AutoSchema()
    required_scopes = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            raise body_too_large()

    @property
    def actor(self):
        return self.request.user

    @property
    def partner(self):
        return self.request.auth.partner

    def addressed_referral(self, pk):
        try:
            return access.get_partner_referral(self.actor, pk, direction=Direction.OUTGOING)
        except Http404:
            raise Http404(_(NOT_YOURS)) from None


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _since(request):
    """?modified_since= as an aware datetime; None when absent; ValueError when malformed."""
    raw = request.query_params.get("modified_since")
    if raw is None:
        return None
    try:
        moment = parse_datetime(raw.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


class ReferralCollection(PartnerAPIView):
    required_scopes = {"GET": Scope.READ, "POST": Scope.WRITE}

    @described(
        operation_id="partner_referrals_list",
        parameters=[
            OpenApiParameter(
                "modified_since",
                str,
                description="ISO 8601 time: only referrals whose status changed at or after it.",
            ),
            OpenApiParameter("status", str, enum=ReferralStatus.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 200 (default 50)."),
        ],
        responses={200: shapes.ReferralPageOut, **problems(400, 401, 403, 429)},
    )
    def get(self, request):
        """The referrals addressed to the organisation, oldest change first."""
        referrals = (
            access.partner_referrals(self.actor)
            .filter(direction=Direction.OUTGOING)
            .select_related("center", "service")
            .order_by("status_changed_at", "pk")
        )
        try:
            since = _since(request)
        except ValueError:
            return _query_problem("modified_since", _("Give an ISO 8601 time with a time zone."))
        if since is not None:
            referrals = referrals.filter(status_changed_at__gte=since)
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in ReferralStatus.values:
                return _query_problem("status", _("Choose one of the statuses."))
            referrals = referrals.filter(status=wanted)
        pages = Pages()
        page = pages.paginate_queryset(referrals, request, view=self)
        record_api_read(
            actor=self.actor,
            action="api.referral.list",
            changes={"shown": [r.pk for r in page]},
        )
        return pages.get_paginated_response(shapes.ReferralSummaryOut(page, many=True).data)

    @described(
        operation_id="partner_referrals_send",
        request=shapes.IncomingReferralIn,
        responses={201: shapes.SentReferralOut, **problems(400, 401, 403, 413, 415, 422, 429)},
    )
    def post(self, request):
        """Send a family to a centre, with the family's consent (as the portal's form)."""
        incoming = shapes.IncomingReferralIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if data["consent"]["recipient_centre"] != data["centre"]:
            raise Unprocessable(
                {
                    "consent": {
                        "recipient_centre": [
                            _("The family's consent names another centre than the one you send to.")
                        ]
                    }
                }
            )
        form = _portal_form(data, self.partner)
        if not form.is_valid():
            raise_form_errors(form)
        try:
            referral = do_send_incoming_referral(
                actor=self.actor,
                partner=self.partner,
                center=form.cleaned_data["center"],
                topic=form.cleaned_data["topic"],
                family_name=form.cleaned_data["family_name"],
                family_contact=form.family_contact,
                consent_given_by=form.cleaned_data["consent_given_by"],
                consent_given_how=form.cleaned_data["consent_given_how"],
                consent_scope=form.cleaned_data["consent_scope"],
            )
        except ReferralRefused as refused:
            raise Unprocessable(refused.message) from None
        referral.partner_status = partner_status(referral)
        return Response(shapes.SentReferralOut(referral).data, status=status.HTTP_201_CREATED)


# The API's field names for the portal form's fields, for error messages.
FORM_FIELDS = {
    "center": "centre",
    "topic": "topic",
    "family_name": "family.name",
    "phone": "family.phone",
    "email": "family.email",
    "consent_given_by": "consent.given_by",
    "consent_given_how": "consent.given_how",
    "consent_scope": "consent.scope",
}


def _portal_form(data, partner):
    family, consent = data["family"], data["consent"]
    return IncomingReferralForm(
        {
            "center": str(data["centre"]),
            "topic": data["topic"],
            "family_name": family["name"],
            "phone": family["phone"],
            "email": family["email"],
            "consent_given_by": consent["given_by"],
            "consent_given_how": consent["given_how"],
            "consent_scope": list(consent["scope"]),
        },
        partner=partner,
    )


def raise_form_errors(form):
    """The portal form's messages under the API's field names (a 400 problem)."""
    from rest_framework.exceptions import ValidationError

    errors = {}
    for name, messages in form.errors.items():
        errors[FORM_FIELDS.get(name, "non_field_errors")] = [str(m) for m in messages]
    raise ValidationError(errors)


def _query_problem(name, message):
    from rest_framework.exceptions import ValidationError

    raise ValidationError({name: [message]})


class ReferralItem(PartnerAPIView):
    required_scopes = {"GET": Scope.READ}

    @described(
        operation_id="partner_referral_read",
        responses={200: shapes.ReferralOut, **problems(401, 403, 404, 429)},
    )
    def get(self, request, pk):
        """One referral addressed to the organisation; the family as far as their consent
        lets the organisation see them (that read is audited as the portal's)."""
        referral = self.addressed_referral(pk)
        family = family_for_partner(referral)
        if family:
            record_partner_view(actor=self.actor, referral=referral)
        else:
            record_api_read(actor=self.actor, action="api.referral.read", referral=referral)
        return Response(shapes.ReferralOut(referral, context={"family": family}).data)


class ReferralStatusChange(PartnerAPIView):
    required_scopes = {"POST": Scope.STATUS}

    @described(
        operation_id="partner_referral_status",
        request=shapes.StatusIn,
        responses={200: shapes.StatusOut, **problems(400, 401, 403, 404, 409, 413, 422, 429)},
    )
    def post(self, request, pk):
        """Move a referral addressed to the organisation to its next status (a decline needs
        a reason); out of order is a 409 and nothing changes."""
        referral = self.addressed_referral(pk)
        step = shapes.StatusIn(data=request.data)
        step.is_valid(raise_exception=True)
        try:
            referral = do_set_referral_status(
                actor=self.actor,
                referral=referral,
                status=step.validated_data["status"],
                by_partner=True,
                reason=step.validated_data.get("reason", ""),
            )
        except ReferralRefused as refused:
            if refused.field == "status":
                raise Conflict(refused.message) from None
            raise Unprocessable({refused.field or "non_field_errors": [refused.message]}) from None
        return Response(shapes.StatusOut(referral).data)

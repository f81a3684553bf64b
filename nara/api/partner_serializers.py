"""The partner API's shapes: strict about types and refusing unknown fields (a typo must not
pass silently), and showing a partner only what the portal shows a partner user."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nara.core.actions.referrals import allowed_steps
from nara.core.models import Consent, Referral, ReferralStatus
from nara.lib.topics import TOPIC_CHOICES


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error, not ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field.")] for name in unknown}, code="unknown_field"
                )
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string, nothing else (DRF's CharField would take 42 as "42")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, nothing else (not "42", not true, not 4.0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input="…")
        return super().to_internal_value(data)


class FamilyIn(StrictSerializer):
    name = StrictCharField(max_length=120, help_text="The name of the person the centre contacts.")
    phone = StrictCharField(max_length=30, required=False, allow_blank=True, default="")
    email = StrictCharField(max_length=120, required=False, allow_blank=True, default="")


class ConsentIn(StrictSerializer):
    recipient_centre = StrictIntegerField(
        help_text="The centre the family agreed may receive them: the referral's centre."
    )
    given_by = StrictChoiceField(choices=Consent.GivenBy.choices)
    given_how = StrictChoiceField(choices=Consent.GivenHow.choices)
    scope = serializers.ListField(
        child=StrictChoiceField(choices=Consent.Scope.choices), max_length=len(Consent.Scope)
    )


class IncomingReferralIn(StrictSerializer):
    """A family the partner sends to a centre, with the family's consent."""

    centre = StrictIntegerField(help_text="The id of a published centre (see the directory).")
    topic = StrictChoiceField(choices=TOPIC_CHOICES)
    family = FamilyIn()
    consent = ConsentIn()


class StatusIn(StrictSerializer):
    status = StrictChoiceField(choices=ReferralStatus.choices)
    reason = StrictChoiceField(
        choices=Referral.DeclineReason.choices,
        required=False,
        help_text="Required when declining.",
    )


class Named(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CentreOut(Named):
    address = serializers.SerializerMethodField()
    phone = serializers.CharField()
    email = serializers.CharField()

    def get_address(self, centre) -> str:
        return f"{centre.street_address}, {centre.postal_code} {centre.city}".strip(" ,")


class ReferralSummaryOut(serializers.Serializer):
    """One referral addressed to the partner, in a list: no one is named here."""

    id = serializers.IntegerField()
    centre = Named(source="center")
    service = Named(allow_null=True)
    topic = serializers.CharField()
    status = serializers.CharField()
    decline_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()


class FamilyOut(serializers.Serializer):
    name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    email = serializers.CharField(required=False)


class ReferralOut(ReferralSummaryOut):
    """One referral addressed to the partner: who only as far as the consent covers it."""

    centre = CentreOut(source="center")
    alias = serializers.SerializerMethodField()
    family = serializers.SerializerMethodField()
    next_statuses = serializers.SerializerMethodField()

    def get_alias(self, referral) -> str:
        return referral.alias.name if referral.alias_id else ""

    @extend_schema_field(FamilyOut(allow_null=True))
    def get_family(self, referral):
        return self.context.get("family")

    def get_next_statuses(self, referral) -> list[str]:
        return allowed_steps(referral, by_partner=True)


class StatusOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_changed_at = serializers.DateTimeField()


class SentReferralOut(serializers.Serializer):
    """A family the partner sent: the status as the partner sees it."""

    id = serializers.IntegerField()
    centre = Named(source="center")
    topic = serializers.CharField()
    status = serializers.CharField(source="partner_status")
    created_at = serializers.DateTimeField()


class ReferralPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReferralSummaryOut(many=True)

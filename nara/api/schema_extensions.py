"""How drf-spectacular describes the partner API's bearer tokens in the OpenAPI document."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "nara.api.tokens.BearerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A partner organisation's token (nara_pat_…), issued by the municipality's "
                "administrator with the rights referrals:read, referrals:write and/or "
                "referrals:status. Only in the Authorization header."
            ),
        }

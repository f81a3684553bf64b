"""Which database the insights read from: the read replica when one is configured
(DATABASE_REPLICA_URL), so reports never load the primary that takes the casework writes."""

from django.conf import settings

REPLICA = "replica"


def reporting_alias():
    return REPLICA if REPLICA in settings.DATABASES else "default"

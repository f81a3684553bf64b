"""Which database the insights read from: the read replica when one is configured
(DATABASE_REPLICA_URL), so reports never load the primary that takes the casework writes.

The replica trails the primary by the replication lag (normally well under a second, more
while it replays a large change), so a figure read there may miss the last moments' writes.
That is fine for dashboards and statistics, never for code that writes: inside a transaction
on the default database (every do_* action, the rollup upserts and rebuilds, the audit trail)
reads stay on default, where they see the transaction's own changes and the rows it locked.
Raw-table reads for reports use `.using(reporting_alias())`; the insights' own models (the
rollups) are sent the same way by the router (routers.py).
"""

from django.conf import settings
from django.db import connections

REPLICA = "replica"


def reporting_alias():
    if REPLICA not in settings.DATABASES or connections["default"].in_atomic_block:
        return "default"
    return REPLICA

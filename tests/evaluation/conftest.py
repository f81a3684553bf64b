"""The workspace's signed-in personas, for the evaluation pages."""

from tests.workspace.conftest import (  # noqa: F401  (fixtures)
    as_admin,
    as_analyst,
    as_manager,
    as_no_role,
    as_other_worker,
    as_partner,
    as_worker,
    centres,
)

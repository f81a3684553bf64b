"""The PostgreSQL role the application runs as: not the owner of the tables.

The owner (which runs migrate) can disable the audit trail's triggers or truncate it; the
application role cannot, and is not even granted UPDATE, DELETE or TRUNCATE on the trail.
"""

AUDIT_TABLE = "core_auditevent"
HEAD_TABLE = "core_audithead"


def app_role_grants(role, quote):
    """SQL giving `role` what the application needs, and nothing to rewrite the audit trail."""
    role = quote(role)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {AUDIT_TABLE} FROM {role}",
        f"REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON {HEAD_TABLE} FROM {role}",
    ]

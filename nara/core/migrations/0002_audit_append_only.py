"""On PostgreSQL the audit table refuses UPDATE and DELETE at the database level.

TRUNCATE stays possible for the table owner (test databases are flushed with it); emptying the
table is still detected by verify_audit through the separately kept chain head.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION nara_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER nara_audit_no_update_delete BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION nara_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS nara_audit_no_update_delete ON core_auditevent;
DROP FUNCTION IF EXISTS nara_audit_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

"""On PostgreSQL the audit table refuses UPDATE, DELETE and TRUNCATE at the database level."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION nara_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER nara_audit_no_update_delete BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION nara_audit_append_only();
CREATE TRIGGER nara_audit_no_truncate BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION nara_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS nara_audit_no_update_delete ON core_auditevent;
DROP TRIGGER IF EXISTS nara_audit_no_truncate ON core_auditevent;
DROP FUNCTION IF EXISTS nara_audit_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

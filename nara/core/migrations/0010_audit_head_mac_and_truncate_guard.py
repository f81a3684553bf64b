"""The audit chain head gets its own MAC; PostgreSQL also refuses TRUNCATE of the trail.

TRUNCATE fires no row triggers, so a statement trigger refuses it. Only a session that sets
`nara.allow_audit_truncate = on` gets through: the test suite, which flushes its databases.
A role owning the table can still disable triggers; run the application as a role that does
not own it (manage.py grant_app_role, docs/operations.md).
"""

from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION nara_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('nara.allow_audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only (TRUNCATE refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER nara_audit_no_truncate BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION nara_audit_no_truncate();
CREATE TRIGGER nara_audit_head_no_truncate BEFORE TRUNCATE ON core_audithead
    FOR EACH STATEMENT EXECUTE FUNCTION nara_audit_no_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS nara_audit_no_truncate ON core_auditevent;
DROP TRIGGER IF EXISTS nara_audit_head_no_truncate ON core_audithead;
DROP FUNCTION IF EXISTS nara_audit_no_truncate();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def sign_head(apps, schema_editor):
    # Signs the head as found: run verify_audit before upgrading (docs/operations.md).
    from nara.core.audit import head_mac

    AuditHead = apps.get_model("core", "AuditHead")
    for head in AuditHead.objects.using(schema_editor.connection.alias).all():
        head.mac = head_mac(head.last_id, head.last_hash)
        head.save(update_fields=["mac"])


class Migration(migrations.Migration):
    dependencies = [("core", "0009_casework")]

    operations = [
        migrations.AddField(
            model_name="audithead",
            name="mac",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.RunPython(sign_head, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]

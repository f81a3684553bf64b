"""The database router (settings.DATABASE_ROUTERS): reads of the insights' models go to the
read replica when one is configured and no transaction is open on default (db.py says why);
every write and every migration go to default. Other models' reads are left to Django: default,
or the database a related instance came from (a report's raw row read with
`.using(reporting_alias())` follows its foreign keys on the replica). The replica is a physical
copy of default made by PostgreSQL, so it is never migrated and the rows of both are the same."""

from .db import reporting_alias

INSIGHTS = "insights"


class ReportingRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label == INSIGHTS:
            return reporting_alias()
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"

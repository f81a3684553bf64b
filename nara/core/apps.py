from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nara.core"
    label = "core"
    verbose_name = "Nära core"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import audit, content_version, lookups, sqlite_files

        content_version.connect_signals()
        post_migrate.connect(audit.ensure_head, sender=self)
        connection_created.connect(sqlite_files.owner_only)
        lookups.register()

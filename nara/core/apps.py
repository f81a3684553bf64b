from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nara.core"
    label = "core"
    verbose_name = "Nära core"

    def ready(self):
        from . import content_version, lookups

        content_version.connect_signals()
        lookups.register()

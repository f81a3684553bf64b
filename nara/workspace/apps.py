from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "nara.workspace"
    label = "workspace"

from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "nara.public"
    label = "public"

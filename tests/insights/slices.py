"""Tests that write cube rows directly (known datasets) derive the slices from them the way
the slices' migration does, so pages reading either table see the same counts."""

import importlib
import types

from django.apps import apps
from django.db import connection

from nara.insights.models import ContactSlice, OfferSlice

MIGRATION = importlib.import_module("nara.insights.migrations.0002_slices")


def slices_from_cube():
    ContactSlice.objects.all().delete()
    OfferSlice.objects.all().delete()
    # The migration only uses the editor's connection (SQLite allows no schema editor inside
    # a test's transaction).
    MIGRATION.slices_from_cube(apps, types.SimpleNamespace(connection=connection))

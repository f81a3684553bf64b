"""API URLs (filled in by their module)."""

urlpatterns = []

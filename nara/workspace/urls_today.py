"""Staff URLs for casework: today (in the workspace namespace)."""

urlpatterns = []

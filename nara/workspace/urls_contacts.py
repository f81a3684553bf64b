"""Staff URLs for casework: contacts (in the workspace namespace)."""

urlpatterns = []

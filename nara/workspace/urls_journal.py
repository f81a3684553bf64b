"""Staff URLs for casework: journal (in the workspace namespace)."""

urlpatterns = []

"""Staff URLs for casework: households (in the workspace namespace)."""

urlpatterns = []

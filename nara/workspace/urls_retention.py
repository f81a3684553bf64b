"""Staff URLs for casework: retention (in the workspace namespace)."""

urlpatterns = []

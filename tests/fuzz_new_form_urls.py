"""The project's URLs plus one form nobody told the fuzz test about, with a planted 500."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from nara.urls import urlpatterns as project_urls

PAGE = """<!doctype html><title>New</title>
<form method="post"><input name="age" value="30"><textarea name="note"></textarea>
<button>Send</button></form>"""


@csrf_exempt
def new_form(request):
    if request.method == "POST":
        int(request.POST.get("age", "0"))  # the planted bug: "x" or "" is a 500
        return HttpResponse("thanks")
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [*project_urls, path("fuzz-new-form/", new_form, name="fuzz-new-form")]

"""The project's URLs plus one view that fails, for the request-error tests."""

from django.http import HttpRequest
from django.urls import path

from shop.urls import urlpatterns as project_urlpatterns


def broken_view(request: HttpRequest):
    raise RuntimeError("the view has a bug")


urlpatterns = [*project_urlpatterns, path("broken/", broken_view)]

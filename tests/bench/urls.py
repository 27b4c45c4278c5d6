"""The API's routes plus the benchmark's floor views, as `make bench` serves them."""
from django.urls import include, path

from mirror.urls import urlpatterns as api_urlpatterns

urlpatterns = [*api_urlpatterns, path("bench/", include("bench.urls"))]

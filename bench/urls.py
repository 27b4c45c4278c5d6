"""Floor routes, mounted under /bench/ by mirror/urls.py only when MIRROR_BENCH=1."""
from django.urls import path

from bench import floor, floor_detail

urlpatterns = [
    path("floor/sessions", floor.sessions, name="floor-sessions"),
    path("floor/sessions/<uuid:pk>", floor_detail.session_detail, name="floor-session"),
    path("floor/datasets", floor.datasets, name="floor-datasets"),
]

"""The benchmark app: the seeding command and the floor views, never in a production deploy."""
from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "bench"
    verbose_name = "Benchmarks"

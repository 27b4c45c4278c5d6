from django.apps import AppConfig


class OneCacheConfig(AppConfig):
    name = "mirror.onecache"
    label = "onecache"
    verbose_name = "ONE cache tables"

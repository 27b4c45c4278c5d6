"""Shared building blocks of every app: base model, API plumbing, the `django=` filter."""
from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def restore_sqlite_triggers(using: str, **kwargs) -> None:
    """After every migrate and flush, once all tables exist: SQLite's triggers that a rebuilt or
    new table lacks (row counts, data version). PostgreSQL keeps triggers through ALTER TABLE."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        from mirror.core import data_version, rowcount

        rowcount.restore_sqlite_triggers(connection)
        data_version.install_sqlite_triggers(connection)


class CoreConfig(AppConfig):
    name = "mirror.core"
    label = "core"
    verbose_name = "Mirror core"

    def ready(self):
        post_migrate.connect(restore_sqlite_triggers, sender=self,
                             dispatch_uid="mirror.core.sqlite_triggers")
        from mirror.core import client_address  # noqa: F401  (registers its deploy check)
        from mirror.core.statement_timeout import install_sqlite_handler

        connection_created.connect(install_sqlite_handler,
                                   dispatch_uid="mirror.core.statement_timeout")

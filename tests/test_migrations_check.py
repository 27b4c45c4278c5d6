"""Import commands on a database behind the code stop with the command that fixes it."""
import pytest
from django.core.management import CommandError, call_command
from django.db.migrations.executor import MigrationExecutor


def test_an_unmigrated_database_names_migrate(db, monkeypatch):
    real_plan = MigrationExecutor.migration_plan

    def behind(self, targets, clean_start=False):
        plan = real_plan(self, targets, clean_start)
        node = self.loader.graph.leaf_nodes()[0]
        return plan or [(self.loader.graph.nodes[node], False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", behind)
    for command in (["mirror_import", "anything"], ["mirror_connection", "--list"]):
        with pytest.raises(CommandError, match=r"run `manage.py migrate` first"):
            call_command(*command)

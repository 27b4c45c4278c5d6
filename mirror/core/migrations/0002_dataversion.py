"""The data's version on SQLite (mirror.core.data_version); its triggers come with post_migrate."""
from django.db import migrations, models

from mirror.core import data_version


def first_version(apps, schema_editor):
    apps.get_model("core", "DataVersion").objects.using(
        schema_editor.connection.alias).create(id=1, version=data_version.random_start())


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_rowcount"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True,
                                                        serialize=False)),
                ("version", models.BigIntegerField()),
            ],
            options={
                "db_table": "core_dataversion",
            },
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]

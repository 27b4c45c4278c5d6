"""Row counts of the big tables kept by triggers (mirror.core.rowcount)."""
from django.db import migrations, models

from mirror.core import rowcount

# The tables as of this migration (a table added to rowcount.COUNTED_TABLES later gets its own).
TABLES = ("actions_session", "data_dataset", "data_filerecord")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in rowcount.functions_sql(vendor):
        schema_editor.execute(statement)
    for table in TABLES:
        for statement in rowcount.install_sql(vendor, table):
            schema_editor.execute(statement)
        # Counted in the migration's transaction, after the triggers exist: exact from here on.
        schema_editor.execute(
            f"INSERT INTO core_rowcount (table_name, row_count) "
            f"SELECT '{table}', COUNT(*) FROM {schema_editor.quote_name(table)}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        for statement in rowcount.uninstall_sql(vendor, table):
            schema_editor.execute(statement)
    for statement in rowcount.drop_functions_sql(vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("actions", "0003_bounded_integers"),
        ("data", "0003_dataset_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RowCount",
            fields=[
                ("table_name", models.CharField(max_length=63, primary_key=True,
                                                serialize=False)),
                ("row_count", models.BigIntegerField()),
            ],
            options={"db_table": "core_rowcount"},
        ),
        migrations.RunPython(install, uninstall),
    ]

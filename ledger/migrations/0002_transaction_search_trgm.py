"""A trigram index for the free-text search (`?q=`) over payee, description and notes.

The filter uses `icontains`, which Django writes on PostgreSQL as
`UPPER("col"::text) LIKE UPPER('%word%')`; a GIN index with `gin_trgm_ops` on exactly those
expressions serves that (one bitmap scan per column, OR-ed), so a search no longer reads
every row of the user. PostgreSQL only (pg_trgm is a trusted extension: the database owner
may create it); other databases skip it and search as before.
"""

from django.db import migrations

INDEX = "txn_search_trgm"
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"""CREATE INDEX IF NOT EXISTS {INDEX} ON ledger_transaction USING gin (
        UPPER("payee"::text) gin_trgm_ops,
        UPPER("description"::text) gin_trgm_ops,
        UPPER("notes"::text) gin_trgm_ops
    )""",
]
DROP = [f"DROP INDEX IF EXISTS {INDEX}"]  # the extension stays: others may use it


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]

"""Trigram indexes for the list's search (`?q=`) on PostgreSQL: number, name and location.

Django writes `icontains` as `UPPER(column::text) LIKE UPPER('%jalan%')`, so each index is a GIN over that very
expression with `gin_trgm_ops`; the planner then answers a search from the three indexes (a BitmapOr) instead of
reading every proposal. SQLite has no pg_trgm: there the search stays a plain scan, and these operations do nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = ("number", "name", "location")


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL alone."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0008_proposal_total_amount_number_counter"),
    ]

    operations = [
        TrigramExtension(),
        *(
            PostgreSQLOnly(
                sql=(
                    f"CREATE INDEX programs_proposal_{column}_trgm ON programs_proposal "
                    f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
                ),
                reverse_sql=f"DROP INDEX programs_proposal_{column}_trgm",
            )
            for column in COLUMNS
        ),
    ]

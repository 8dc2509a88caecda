"""Area search by name, tolerant of spelling: pg_trgm and trigram indexes on the Thai and English
names of provinces, districts and sub-districts (``boundaries.selectors.area_search``)."""

from django.db import migrations

TABLES = ("boundaries_province", "boundaries_district", "boundaries_subdistrict")


def index_sql(table, column):
    return (
        f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm "
        f"ON {table} USING gin ({column} gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("boundaries", "0004_lookup_version_token")]

    operations = [
        # Another app may create it too (duplicate detection): IF NOT EXISTS either way.
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            reverse_sql=migrations.RunSQL.noop,
        ),
        *(
            migrations.RunSQL(
                index_sql(table, column),
                reverse_sql=f"DROP INDEX IF EXISTS {table}_{column}_trgm",
            )
            for table in TABLES
            for column in ("name_th", "name_en")
        ),
    ]

"""The case history is append-only: the database itself refuses UPDATE and DELETE on it."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION layers_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'layers_complainthistory is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER layers_history_no_update_delete
    BEFORE UPDATE OR DELETE ON layers_complainthistory
    FOR EACH ROW EXECUTE FUNCTION layers_history_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS layers_history_no_update_delete ON layers_complainthistory;
DROP FUNCTION IF EXISTS layers_history_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0002_seed_categories")]
    operations = [migrations.RunSQL(SQL, REVERSE)]

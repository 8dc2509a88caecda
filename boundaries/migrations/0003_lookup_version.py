"""A version stamp for the subdivided lookup table, kept by the database itself.

Each process keeps the lookup pieces in memory (``boundaries.point_index``) and must learn when
they change, whoever changed them: the loader in another process, a rolled-back dry run, a test
transaction. A statement-level trigger on ``boundaries_subdistrictpiece`` writes a new number,
drawn from a sequence, into the one-row table ``boundaries_lookup_version`` in the same
transaction as the change. The stamp becomes visible together with the pieces it describes
(never before them), and a number is never used twice, even when a transaction rolls back.
"""

from django.db import migrations

FORWARD = """
CREATE SEQUENCE boundaries_lookup_version_seq;
CREATE TABLE boundaries_lookup_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO boundaries_lookup_version (id, version)
VALUES (1, nextval('boundaries_lookup_version_seq'));

CREATE FUNCTION boundaries_lookup_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO boundaries_lookup_version (id, version, changed_at)
    VALUES (1, nextval('boundaries_lookup_version_seq'), now())
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;

CREATE TRIGGER boundaries_subdistrictpiece_version
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON boundaries_subdistrictpiece
FOR EACH STATEMENT EXECUTE FUNCTION boundaries_lookup_version_bump();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS boundaries_subdistrictpiece_version ON boundaries_subdistrictpiece;
DROP FUNCTION IF EXISTS boundaries_lookup_version_bump();
DROP TABLE IF EXISTS boundaries_lookup_version;
DROP SEQUENCE IF EXISTS boundaries_lookup_version_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("boundaries", "0002_subdistrictpiece_names")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

"""The lookup table's stamp gets a random token and the id of the transaction that wrote it.

The sequence number alone repeats across databases (a database dropped and created again, a
restore with triggers disabled, a test database) while the pieces differ, so a process could
take new pieces for the ones it holds. A random token per change cannot repeat. The writer's
transaction id lets a look-up tell that its own transaction changed the pieces and has not
committed: it then asks PostGIS and keeps no copy of a state other connections cannot see.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE boundaries_lookup_version
    ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN writer_xid bigint;

CREATE OR REPLACE FUNCTION boundaries_lookup_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO boundaries_lookup_version (id, version, token, writer_xid, changed_at)
    VALUES (1, nextval('boundaries_lookup_version_seq'), gen_random_uuid(), txid_current(), now())
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, token = EXCLUDED.token,
        writer_xid = EXCLUDED.writer_xid, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION boundaries_lookup_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO boundaries_lookup_version (id, version, changed_at)
    VALUES (1, nextval('boundaries_lookup_version_seq'), now())
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;
ALTER TABLE boundaries_lookup_version DROP COLUMN token, DROP COLUMN writer_xid;
"""


class Migration(migrations.Migration):
    dependencies = [("boundaries", "0003_lookup_version")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

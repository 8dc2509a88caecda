-- Helpers of the demo statements, as temporary functions (raw SQL: the ORM has no functions;
-- gone with the transaction if it fails, dropped at the end otherwise; called as
-- pg_temp.demo_*). Each is one SQL expression, marked as stable as its body (IMMUTABLE, or
-- STABLE where it adds an interval to a timestamptz), so the planner inlines it: it costs what
-- the expression written out in place would (tests/layers/test_demo.py checks the plans).

-- A uniform number in [0, 1) from the i-th 32 bits (i = 0..3) of an md5 hex string.
CREATE OR REPLACE FUNCTION pg_temp.demo_u(h text, i int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ('x' || substr(h, i * 8 + 1, 8))::bit(32)::bigint::float8 / 4294967296.0::float8
$$;

-- A uniformly chosen element of a non-empty array, from a uniform number u in [0, 1).
CREATE OR REPLACE FUNCTION pg_temp.demo_pick(a text[], u float8) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT a[1 + floor(u * cardinality(a))::int]
$$;

-- Twelve digits and their check digit: the rule of layers.validators.citizen_id_check_digit.
CREATE OR REPLACE FUNCTION pg_temp.demo_citizen_id(d text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT d || mod(11 - mod(
        substr(d, 1, 1)::int * 13 + substr(d, 2, 1)::int * 12 + substr(d, 3, 1)::int * 11
        + substr(d, 4, 1)::int * 10 + substr(d, 5, 1)::int * 9 + substr(d, 6, 1)::int * 8
        + substr(d, 7, 1)::int * 7 + substr(d, 8, 1)::int * 6 + substr(d, 9, 1)::int * 5
        + substr(d, 10, 1)::int * 4 + substr(d, 11, 1)::int * 3 + substr(d, 12, 1)::int * 2,
        11), 10)::text
$$;

-- When the step number i (1..k) of the work on a case happened: spread between receipt and
-- the last step (which is at `changed`), each step in its own k-th of the time with some
-- jitter (u), and at least a minute after the one before (intake's routing is at 2 minutes).
CREATE OR REPLACE FUNCTION pg_temp.demo_step_at(
    received timestamptz, changed timestamptz, i int, k int, u float8
) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN i >= k THEN changed
                ELSE GREATEST(received + (2 + i) * interval '1 minute',
                              received + (changed - received)
                                * ((i - 0.75 + 0.5 * (u + i * 0.618034 - floor(u + i * 0.618034))) / k))
           END
$$;

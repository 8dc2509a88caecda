-- The incident points. Raw SQL: ST_GeneratePoints with a seed per sub-district (its code), so
-- the points are the same every run; numbered in code order, then in the order generated. On a
-- multipolygon (islands) it shares the points out by area and rounds, so it may return one or
-- two fewer or more than asked: ask a few more and keep the first k.
CREATE TEMP TABLE demo_pt AS
SELECT (row_number() OVER (ORDER BY a.code, d.path[1]))::int AS n,
       d.geom::geometry(Point, 4326) AS location,
       NULL::varchar(6) AS subdistrict_code,
       NULL::varchar(6) AS district_code,
       NULL::varchar(6) AS province_code
FROM unnest(%(codes)s::text[], %(ks)s::int[]) AS a(code, k)
JOIN boundaries_subdistrict s ON s.code = a.code
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
    s.geom,
    a.k + 5 + a.k / 50,
    1 + mod(%(seed)s::bigint * 1000003 + a.code::bigint, 2147483000)::int
)) AS d
WHERE d.path[1] <= a.k

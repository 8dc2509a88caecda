-- Everything about every complaint, in one statement over the points: category, people,
-- channel, dates, its path through the workflow and the times of its steps. Raw SQL because it
-- is set-based work on temporary tables that the ORM cannot express.
--
-- Each row draws its randomness from md5(seed, row number): five hashes give twenty uniform
-- numbers (u0..u19), a person hash (hp) the complainant, an accused hash (hx) the accused party.
CREATE TEMP TABLE demo_stage AS
WITH h AS MATERIALIZED (
    SELECT p.n, p.location, p.subdistrict_code, p.district_code, p.province_code,
           md5(%(seed)s || ':a:' || p.n) AS ha,
           md5(%(seed)s || ':b:' || p.n) AS hb,
           md5(%(seed)s || ':c:' || p.n) AS hc,
           md5(%(seed)s || ':d:' || p.n) AS hd,
           md5(%(seed)s || ':e:' || p.n) AS he
    FROM demo_pt p
    WHERE p.subdistrict_code IS NOT NULL
), u AS MATERIALIZED (
    SELECT h.n, h.location, h.subdistrict_code, h.district_code, h.province_code,
           pg_temp.demo_u(h.ha, 0) AS u0, pg_temp.demo_u(h.ha, 1) AS u1,
           pg_temp.demo_u(h.ha, 2) AS u2, pg_temp.demo_u(h.ha, 3) AS u3,
           pg_temp.demo_u(h.hb, 0) AS u4, pg_temp.demo_u(h.hb, 1) AS u5,
           pg_temp.demo_u(h.hb, 2) AS u6, pg_temp.demo_u(h.hb, 3) AS u7,
           pg_temp.demo_u(h.hc, 0) AS u8, pg_temp.demo_u(h.hc, 1) AS u9,
           pg_temp.demo_u(h.hc, 2) AS u10, pg_temp.demo_u(h.hc, 3) AS u11,
           pg_temp.demo_u(h.hd, 0) AS u12, pg_temp.demo_u(h.hd, 1) AS u13,
           pg_temp.demo_u(h.hd, 2) AS u14, pg_temp.demo_u(h.hd, 3) AS u15,
           pg_temp.demo_u(h.he, 0) AS u16, pg_temp.demo_u(h.he, 1) AS u17,
           pg_temp.demo_u(h.he, 2) AS u18, pg_temp.demo_u(h.he, 3) AS u19
    FROM h
), pace AS MATERIALIZED (
    -- Each district works at its own pace: its share of closed cases varies.
    SELECT code, 0.78 + 0.22 * pg_temp.demo_u(md5(%(seed)s || ':district:' || code), 0) AS pace
    FROM boundaries_district
), d AS MATERIALIZED (
    SELECT u.*, cs.choice, c.sla, c.accused_rate, ch.channel, ch.office,
           t.id AS team_id, pace.pace,
           (%(until)s::date - 1 - floor(u.u0 * %(days)s)::int) AS day0,
           1 + floor(u.u10 * 12)::int AS moo,
           -- Some people complain more than once: 6 rows in 100 draw from a small pool.
           md5(%(seed)s || ':p:' || CASE WHEN u.u8 < 0.06
                THEN 'r' || floor(u.u8 / 0.06 * %(repeat_pool)s)::bigint
                ELSE 'u' || u.n END) AS hp
    FROM u
    JOIN demo_choice_slot cs ON cs.slot = floor(u.u2 * 1000)::int
    JOIN demo_choice c ON c.choice = cs.choice
    JOIN demo_channel ch ON ch.slot = floor(u.u4 * 100)::int
    JOIN pace ON pace.code = u.district_code
    LEFT JOIN layers_team t ON t.subdistrict_id = u.subdistrict_code AND t.is_active
), r AS (
    SELECT d.*,
           -- Walk-ins, letters and calls come on weekdays in office hours.
           CASE WHEN d.office AND extract(isodow FROM d.day0) > 5
                THEN d.day0 - (extract(isodow FROM d.day0)::int - 5) ELSE d.day0 END AS day
    FROM d
), s AS MATERIALIZED (
    SELECT r.*,
           date_trunc('minute', (
               CASE WHEN r.office
                    THEN r.day + time '08:30' + r.u1 * interval '8 hours'
                    ELSE r.day + r.u1 * interval '24 hours' END
           ) AT TIME ZONE 'Asia/Bangkok') AS received_at,
           extract(year FROM r.day)::int + 543 AS year,
           md5(r.hp) AS hp2
    FROM r
), a AS MATERIALIZED (
    -- Numbered per B.E. year in order of receipt (the tracking numbers), and the complaint's
    -- id taken from its sequence in that order (volatile, so evaluated after the window's
    -- sort): the history statement then needs no join back to the complaints.
    SELECT s.*,
           row_number() OVER (PARTITION BY s.year ORDER BY s.received_at, s.n) AS rn,
           nextval(pg_get_serial_sequence('layers_complaint', 'id')) AS id,
           extract(epoch FROM (%(until_ts)s::timestamptz - s.received_at))::float8 / 86400.0
               AS age_days,
           -- The first twelve digits of the complainant's citizen ID (1: Thai by birth,
           -- 3: registered later).
           CASE WHEN pg_temp.demo_u(s.hp, 3) < 0.6 THEN '1' ELSE '3' END
               || lpad(mod(('x' || substr(s.hp2, 1, 15))::bit(60)::bigint, 100000000000)::text,
                       11, '0') AS first12
    FROM s
), st AS (
    -- Closed by now or not (the older the case, the likelier, at its district's pace), then a
    -- path of that group by weight: the paths of a case with a team start with the routing to it.
    SELECT a.*, p.path, p.status, p.closed, p.work_steps, p.history_rows, p.reopened_at,
           p.forwarded AS forwarded_at_end,
           -- Days to close: mostly inside the SLA, a tail beyond it (overdue); without an SLA
           -- as long as the case's age allows.
           CASE WHEN a.sla IS NULL THEN a.age_days * (0.2 + 0.75 * a.u19)
                ELSE LEAST(a.sla * (0.05 + 1.5 * a.u7 * a.u7), a.age_days * (0.2 + 0.75 * a.u19))
           END AS close_days
    FROM a
    JOIN demo_path_slot ps ON ps.team = (a.team_id IS NOT NULL)
        AND ps.closed = (a.u5 < 0.95 * (1 - exp(-a.age_days / 40.0)) * a.pace)
        AND ps.slot = floor(a.u6 * %(path_slots)s)::int
    JOIN demo_path p ON p.path = ps.path
), w AS (
    -- The last status change: intake's own time for a case nobody has worked on yet (received,
    -- or routed two minutes later); else the closing, or a point of the case's age, before the
    -- end date and late enough for every step to have its minute.
    SELECT st.*,
           CASE WHEN st.work_steps = 0
                THEN st.received_at
                     + CASE WHEN st.team_id IS NULL THEN interval '0' ELSE interval '2 minutes' END
                ELSE GREATEST(
                    LEAST(st.received_at + interval '1 day' * CASE
                              WHEN st.closed THEN st.close_days
                              WHEN st.status = 'forwarded' THEN st.age_days * (0.3 + 0.6 * st.u19)
                              ELSE st.age_days * 0.8 * st.u19 END,
                          %(until_ts)s::timestamptz - interval '1 minute'),
                    st.received_at + (2 + st.work_steps) * interval '1 minute')
           END AS status_changed_at
    FROM st
)
SELECT w.id, w.n, w.location, w.subdistrict_code, w.district_code, w.province_code,
       w.year, w.received_at, w.rn,
       c.main_id, c.sub_id, c.sub_text, c.title, w.sla, w.channel, w.team_id,
       w.path, w.status, w.closed, w.work_steps, w.history_rows, w.status_changed_at,
       w.reopened_at, w.u14 AS step_u,
       fw.target AS forward_target,
       CASE WHEN fw.target = 'agency' THEN pg_temp.demo_pick(fw.agencies, w.u16) ELSE '' END
           AS forward_agency,
       CASE WHEN fw.target = 'agency' THEN pg_temp.demo_pick(fw.agencies, w.u16)
            ELSE fw.label END AS forward_value,
       w.forwarded_at_end,
       rs.result, pg_temp.demo_pick(rs.notes, w.u17) AS close_note,
       replace(replace(replace(pg_temp.demo_pick(c.templates, w.u15),
                               '{moo}', w.moo::text), '{tambon}', sd.name_th),
               '{amphoe}', di.name_th) AS description,
       CASE WHEN w.province_code = '10'
            THEN 'หมู่ที่ ' || w.moo || ' แขวง' || sd.name_th
            ELSE 'หมู่ที่ ' || w.moo || ' ต.' || sd.name_th END AS location_note,
       CASE WHEN pg_temp.demo_u(w.hp, 0) < 0.5 THEN 'นาย'
            WHEN pg_temp.demo_u(w.hp, 1) < 0.55 THEN 'นาง' ELSE 'นางสาว' END
           || CASE WHEN pg_temp.demo_u(w.hp, 0) < 0.5
                   THEN pg_temp.demo_pick(%(male)s::text[], pg_temp.demo_u(w.hp, 2))
                   ELSE pg_temp.demo_pick(%(female)s::text[], pg_temp.demo_u(w.hp, 2)) END
           || ' ' || pg_temp.demo_pick(%(last)s::text[], pg_temp.demo_u(w.hp2, 2))
           AS complainant_name,
       -- Some callers to the hotline do not give their citizen ID.
       CASE WHEN w.channel IN ('hotline_1567', 'phone', 'online') AND w.u11 < 0.25 THEN ''
            ELSE pg_temp.demo_citizen_id(w.first12) END AS complainant_citizen_id,
       CASE WHEN w.u11 > 0.95 THEN ''
            ELSE '0' || (ARRAY['6', '8', '9'])[1 + floor(pg_temp.demo_u(w.hp2, 3) * 3)::int]
                 || lpad(mod(('x' || substr(w.hp2, 17, 8))::bit(32)::bigint, 100000000)::text,
                         8, '0')
       END AS complainant_phone,
       CASE WHEN w.province_code = '10'
            THEN 'บ้านเลขที่ ' || (1 + floor(w.u3 * 250)::int) || ' แขวง' || sd.name_th
                 || ' ' || di.name_th || ' ' || pr.name_th
            ELSE 'บ้านเลขที่ ' || (1 + floor(w.u3 * 250)::int) || ' หมู่ที่ ' || w.moo
                 || ' ต.' || sd.name_th || ' อ.' || di.name_th || ' จ.' || pr.name_th
       END AS complainant_address,
       CASE WHEN w.u9 < w.accused_rate
            THEN md5(%(seed)s || ':x:'
                     || floor(w.u9 / w.accused_rate * %(accused_pool)s)::bigint)
       END AS hx,
       CASE WHEN w.u9 < w.accused_rate THEN pg_temp.demo_pick(c.accused, w.u18) ELSE '' END
           AS accused_detail
FROM w
JOIN demo_choice c ON c.choice = w.choice
JOIN demo_forward_slot fws ON fws.slot = floor(w.u12 * 100)::int
JOIN demo_forward fw ON fw.forward_no = fws.forward_no
JOIN demo_result_slot rss ON rss.slot = floor(w.u13 * 100)::int
JOIN demo_result rs ON rs.result_no = rss.result_no
JOIN boundaries_subdistrict sd ON sd.code = w.subdistrict_code
JOIN boundaries_district di ON di.code = w.district_code
JOIN boundaries_province pr ON pr.code = w.province_code

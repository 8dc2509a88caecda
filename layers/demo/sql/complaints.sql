-- From the stage to the complaint table (raw SQL: an INSERT ... SELECT of a million rows), the
-- tracking numbers included: rows are numbered per B.E. year in order of receipt, after the
-- block of numbers reserved for this run. The due date is the rule of layers.rules: the start
-- (receipt, or the last reopening) plus the days of layers.rules.sla_days; none without them.
INSERT INTO layers_complaint (
    id, tracking_no, tracking_year, tracking_seq, location, subdistrict_code, district_code,
    province_code, location_note, category_id, subcategory_id, subcategory_text, channel,
    complainant_name, complainant_citizen_id, complainant_phone, complainant_address,
    accused_name, accused_detail, title, description, status, received_at, status_changed_at,
    closed_at, due_at, close_result, close_note, forwarded_to, forwarded_agency,
    assigned_team_id, created_by_id, version, created_at, updated_at)
SELECT s.id, s.year || '-' || lpad((y.first_seq - 1 + s.rn)::text, %(digits)s, '0'), s.year,
       y.first_seq - 1 + s.rn, s.location, s.subdistrict_code, s.district_code,
       s.province_code, s.location_note, s.main_id, s.sub_id, s.sub_text, s.channel,
       s.complainant_name, s.complainant_citizen_id, s.complainant_phone, s.complainant_address,
       CASE WHEN s.hx IS NULL THEN ''
            ELSE CASE WHEN pg_temp.demo_u(s.hx, 0) < 0.5
                      THEN 'นาย' || pg_temp.demo_pick(%(male)s::text[], pg_temp.demo_u(s.hx, 1))
                      ELSE 'นาง' || pg_temp.demo_pick(%(female)s::text[], pg_temp.demo_u(s.hx, 1))
                 END || ' ' || pg_temp.demo_pick(%(last)s::text[], pg_temp.demo_u(s.hx, 2))
       END,
       s.accused_detail, s.title, s.description, s.status, s.received_at, s.status_changed_at,
       CASE WHEN s.closed THEN s.status_changed_at END,
       CASE WHEN s.reopened_at IS NULL THEN s.received_at
            ELSE pg_temp.demo_step_at(s.received_at, s.status_changed_at, s.reopened_at,
                                      s.work_steps, s.step_u) END
           + s.sla * interval '1 day',
       CASE WHEN s.closed THEN s.result ELSE '' END,
       CASE WHEN s.closed THEN s.close_note ELSE '' END,
       CASE WHEN s.forwarded_at_end THEN s.forward_target ELSE '' END,
       CASE WHEN s.forwarded_at_end THEN s.forward_agency ELSE '' END,
       -- A case of a sub-district with a team was routed to it at intake (its path says so).
       s.team_id,
       NULL,
       s.history_rows,
       s.received_at, s.status_changed_at
FROM demo_stage s
JOIN unnest(%(years)s::int[], %(firsts)s::int[]) AS y(year, first_seq) ON y.year = s.year

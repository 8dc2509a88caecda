-- From the stage to the complaint table (raw SQL: an INSERT ... SELECT of a million rows), the
-- tracking numbers included: rows are numbered per B.E. year in order of receipt, after the
-- block of numbers reserved for this run. The comparison columns of the duplicate checks are
-- those of layers.identity / layers.thaitext, computed here for the demo's own forms of the
-- values (tests/layers/test_demo.py compares them with the Python functions): the keyed
-- hashes by pgcrypto's hmac (HMAC-SHA256 of 'cid:<13 digits>' and 'phone:+66<number>'), names
-- without their title (นาย, นาง, นางสาว) and spaces, the description with Arabic digits. The due date is the rule of layers.rules: the start
-- (receipt, or the last reopening) plus the days of layers.rules.sla_days; none without them.
INSERT INTO layers_complaint (
    id, tracking_no, tracking_year, tracking_seq, location, subdistrict_code, district_code,
    province_code, location_note, category_id, subcategory_id, subcategory_text, channel,
    complainant_name, complainant_citizen_id, complainant_phone, complainant_address,
    accused_name, accused_detail, complainant_cid_hash, complainant_phone_hash,
    complainant_name_norm, accused_name_norm, title, description, description_norm, status,
    received_at, status_changed_at,
    closed_at, due_at, close_result, close_note, forwarded_to, forwarded_agency,
    assigned_team_id, created_by_id, version, created_at, updated_at, location_approximate,
    source_reference)
SELECT s.id, s.year || '-' || lpad((y.first_seq - 1 + s.rn)::text, %(digits)s, '0'), s.year,
       y.first_seq - 1 + s.rn, s.location, s.subdistrict_code, s.district_code,
       s.province_code, s.location_note, s.main_id, s.sub_id, s.sub_text, s.channel,
       s.complainant_name, s.complainant_citizen_id, s.complainant_phone, s.complainant_address,
       CASE WHEN s.hx IS NULL THEN '' ELSE s.accused_title || s.accused_plain END,
       s.accused_detail,
       CASE WHEN s.complainant_citizen_id = '' THEN ''
            ELSE encode(hmac('cid:' || s.complainant_citizen_id, %(person_key)s, 'sha256'), 'hex')
       END,
       CASE WHEN s.complainant_phone = '' THEN ''
            ELSE encode(hmac('phone:+66' || substr(s.complainant_phone, 2), %(person_key)s,
                             'sha256'), 'hex')
       END,
       replace(regexp_replace(s.complainant_name, '^(นางสาว|นาย|นาง)', ''), ' ', ''),
       CASE WHEN s.hx IS NULL THEN '' ELSE replace(s.accused_plain, ' ', '') END,
       s.title, s.description,
       btrim(regexp_replace(lower(translate(s.description, '๐๑๒๓๔๕๖๗๘๙', '0123456789')),
                            '\s+', ' ', 'g')),
       s.status, s.received_at, s.status_changed_at,
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
       s.received_at, s.status_changed_at, false, ''
FROM (
    SELECT st.*,
           CASE WHEN pg_temp.demo_u(st.hx, 0) < 0.5 THEN 'นาย' ELSE 'นาง' END AS accused_title,
           CASE WHEN pg_temp.demo_u(st.hx, 0) < 0.5
                THEN pg_temp.demo_pick(%(male)s::text[], pg_temp.demo_u(st.hx, 1))
                ELSE pg_temp.demo_pick(%(female)s::text[], pg_temp.demo_u(st.hx, 1))
           END || ' ' || pg_temp.demo_pick(%(last)s::text[], pg_temp.demo_u(st.hx, 2))
               AS accused_plain
    FROM demo_stage st
) s
JOIN unnest(%(years)s::int[], %(firsts)s::int[]) AS y(year, first_seq) ON y.year = s.year

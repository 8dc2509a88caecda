-- The history of every new case (raw SQL: millions of rows in one INSERT ... SELECT): one row
-- per step of its path (demo_step, walked from the workflow's transition table by
-- layers.demo.paths), the same rows the services write one by one. Values come from the case's
-- draws (where it was forwarded, how it was closed), times from the path's work steps, and the
-- actor from the demo account holding the step's capacity, when there is one:
--   team     a member of the case's team;
--   district an officer of the case's district;
--   holder   the level holding the case: the province or central level while it is forwarded
--            up to it, otherwise the district (layers.selectors.scope.case_capacities).
INSERT INTO layers_complainthistory
    (complaint_id, kind, from_status, to_status, from_value, to_value, note, actor_id, at)
SELECT s.id, p.kind, p.from_status, p.to_status,
       CASE p.kind WHEN 'returned' THEN s.forward_value
                   WHEN 'reopened' THEN s.result
                   ELSE '' END,
       CASE p.kind WHEN 'created' THEN s.subdistrict_code::text
                   WHEN 'assigned' THEN t.name
                   WHEN 'forwarded' THEN s.forward_value
                   WHEN 'returned' THEN s.district_code::text
                   WHEN 'closed' THEN s.result
                   ELSE '' END,
       CASE p.kind WHEN 'closed' THEN s.close_note ELSE p.note END,
       a.officer_id,
       CASE WHEN p.step = 0 THEN s.received_at
            WHEN p.work_no = 0 THEN s.received_at + interval '2 minutes'
            ELSE pg_temp.demo_step_at(s.received_at, s.status_changed_at, p.work_no,
                                      s.work_steps, s.step_u) END
FROM demo_stage s
JOIN demo_step p ON p.path = s.path
LEFT JOIN layers_team t ON t.id = s.team_id
LEFT JOIN demo_actor a ON a.key = CASE p.capacity
    WHEN 'team' THEN 'team:' || s.team_id
    WHEN 'district' THEN 'district:' || s.district_code
    WHEN 'holder' THEN CASE
        WHEN p.forwarded_before AND s.forward_target = 'province' THEN 'province:' || s.province_code
        WHEN p.forwarded_before AND s.forward_target = 'central' THEN 'central'
        ELSE 'district:' || s.district_code END
    END

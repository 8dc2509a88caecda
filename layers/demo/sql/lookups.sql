-- The small tables the big statements join to, filled from Python with parameters (raw SQL:
-- temporary tables, which the ORM does not make). A weighted draw is a join on a slot number,
-- a hash join that stays fast at a million rows.

-- What a complaint can be about: each active sub-category, and each "Other" topic. sla is the
-- days to close from layers.rules.sla_days (NULL: no SLA, no due date).
CREATE TEMP TABLE demo_choice (
    choice int PRIMARY KEY, main_id bigint, sub_id bigint, sub_text text, title text,
    sla int, templates text[], accused_rate float8, accused text[]);
CREATE TEMP TABLE demo_choice_slot (slot int PRIMARY KEY, choice int);
CREATE TEMP TABLE demo_channel (slot int PRIMARY KEY, channel text, office bool);
CREATE TEMP TABLE demo_result (result_no int PRIMARY KEY, result text, notes text[]);
CREATE TEMP TABLE demo_result_slot (slot int PRIMARY KEY, result_no int);
CREATE TEMP TABLE demo_forward (forward_no int PRIMARY KEY, target text, agencies text[], label text);
CREATE TEMP TABLE demo_forward_slot (slot int PRIMARY KEY, forward_no int);

-- The paths through the workflow (layers.demo.paths): one row per path, its history rows in
-- demo_step, and the slots that draw a path for a case of a group (with a team or not, to end
-- closed or not).
CREATE TEMP TABLE demo_path (
    path int PRIMARY KEY, team bool, closed bool, status text,
    work_steps int,      -- steps after intake: the last one sets status_changed_at
    history_rows int,    -- the case's version
    forwarded bool,      -- still forwarded at the end: forwarded_to stays set
    reopened_at int);    -- work step of the last reopening (the due date starts there) or NULL
CREATE TEMP TABLE demo_path_slot (
    team bool, closed bool, slot int, path int, PRIMARY KEY (team, closed, slot));
CREATE TEMP TABLE demo_step (
    path int, step int, work_no int, kind text, from_status text, to_status text,
    capacity text, forwarded_before bool, note text, PRIMARY KEY (path, step));

-- The demo accounts that take the steps, by what they hold (layers.demo.organisation
-- .demo_actor_keys): "district:4901", "team:12", "province:49", "central".
CREATE TEMP TABLE demo_actor (key text PRIMARY KEY, officer_id bigint);

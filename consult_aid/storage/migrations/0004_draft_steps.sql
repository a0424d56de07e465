-- Consult Aid schema version 4: the window's step of each draft leaves the consult record.
--
-- Which step a draft was last shown on is window state, not part of the consult (nor of a
-- signed record's fingerprint). It is kept here, one row per draft, and goes with the draft.
CREATE TABLE draft_steps (
    consult_id  TEXT PRIMARY KEY REFERENCES consults(id) ON DELETE CASCADE,
    step_id     TEXT NOT NULL
) STRICT;

INSERT INTO draft_steps(consult_id, step_id)
SELECT id, json_extract(body, '$.consult.last_step') FROM consults
WHERE status = 'draft' AND coalesce(json_extract(body, '$.consult.last_step'), '') != '';

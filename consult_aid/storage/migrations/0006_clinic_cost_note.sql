-- Consult Aid schema version 6: the clinic's own words on cost and insurance.
--
-- No procedure pack can know what a treatment costs a patient or what their insurance covers;
-- the clinic writes it once, and the patient handout and the options step show it.
ALTER TABLE clinicians ADD COLUMN cost_note TEXT NOT NULL DEFAULT '';

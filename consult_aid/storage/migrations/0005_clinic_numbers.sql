-- Consult Aid schema version 5: the clinic's out-of-hours and emergency numbers.
--
-- The patient handouts send danger signs to emergency services first and name the clinic's
-- day and out-of-hours numbers for everything else; both are clinic settings kept with the
-- clinician's details.
ALTER TABLE clinicians ADD COLUMN out_of_hours_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE clinicians ADD COLUMN emergency_number TEXT NOT NULL DEFAULT '';

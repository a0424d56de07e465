-- Consult Aid schema version 13: a draft's row version, so that a save never overwrites a
-- change it did not see (issue 18: two rooms, or the window and the command line, saving the
-- same draft). Every save of a draft adds one; a save that expected another version is
-- refused, saying so. Signed consults keep the version they were signed at.
ALTER TABLE consults ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1;

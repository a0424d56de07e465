-- Consult Aid schema version 7: the audit trail as a hash chain.
--
-- Each new entry stores the SHA-256 of the previous entry's hash and its own fields, so an
-- entry edited, deleted, inserted or moved past the append-only triggers breaks the chain, and
-- `consult-aid check` names where. Entries written before this version keep an empty hash: the
-- chain starts at the first entry that has one.
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- Consult Aid schema version 7: the audit trail as a hash chain.
--
-- Each new entry stores the SHA-256 of the previous entry's hash and its own fields, so an
-- entry edited, deleted, inserted or moved past the append-only triggers breaks the chain, and
-- `consult-aid check` names where. Entries written before this version keep an empty hash: the
-- chain starts at the first entry that has one.
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- Where the chain starts: entries up to this id were written before it (they may have no
-- hash); every later one must be a link. Written once, here, and never changed.
CREATE TABLE audit_chain (legacy_until INTEGER NOT NULL) STRICT;
INSERT INTO audit_chain(legacy_until) SELECT coalesce(max(id), 0) FROM audit_log;

CREATE TRIGGER audit_chain_fixed_update
BEFORE UPDATE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'where the audit chain starts is fixed');
END;

CREATE TRIGGER audit_chain_fixed_delete
BEFORE DELETE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'where the audit chain starts is fixed');
END;

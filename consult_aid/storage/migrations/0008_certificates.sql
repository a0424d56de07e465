-- Consult Aid schema version 8: the certificates this clinic's records may be signed by.
--
-- 'own': the data folder's signing identity, pinned when it is created (or, in a folder older
-- than this version, when it first signs): a certificate.pem replaced behind the program's
-- back no longer matches, and `consult-aid check` and signing say so. Never removed.
-- 'trusted': a certificate the clinic trusted explicitly (`consult-aid trust add CERT`), so
-- that consults signed elsewhere with it can be imported as signed. `trust remove` sets
-- removed_at: new imports signed with it are refused, while the consults imported before stay
-- accounted for. Rows are never deleted; only removed_at ever changes.
CREATE TABLE certificates (
    fingerprint TEXT PRIMARY KEY CHECK (length(fingerprint) = 64),
    role TEXT NOT NULL CHECK (role IN ('own', 'trusted')),
    subject TEXT NOT NULL,
    pem TEXT NOT NULL,
    added_at TEXT NOT NULL,
    removed_at TEXT CHECK (removed_at IS NULL OR role = 'trusted')
) STRICT;

CREATE TRIGGER certificates_fixed
BEFORE UPDATE ON certificates
WHEN new.fingerprint IS NOT old.fingerprint OR new.role IS NOT old.role
     OR new.subject IS NOT old.subject OR new.pem IS NOT old.pem
     OR new.added_at IS NOT old.added_at
BEGIN
    SELECT RAISE(ABORT, 'a pinned or trusted certificate is never changed');
END;

CREATE TRIGGER certificates_kept
BEFORE DELETE ON certificates
BEGIN
    SELECT RAISE(ABORT, 'a pinned or trusted certificate stays on record');
END;

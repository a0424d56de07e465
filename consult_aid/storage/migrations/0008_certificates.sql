-- Consult Aid schema version 8: the certificates this clinic's records may be signed by.
--
-- 'own': the data folder's signing identity, pinned when it is created (or, in a folder older
-- than this version, when it first signs): a certificate.pem replaced behind the program's
-- back no longer matches, and `consult-aid check` and signing say so. Never removed.
-- 'trusted': a certificate the clinic trusted explicitly (`consult-aid trust add CERT`), so
-- that consults signed elsewhere with it can be imported as signed. Removable, audited.
CREATE TABLE certificates (
    fingerprint TEXT PRIMARY KEY CHECK (length(fingerprint) = 64),
    role TEXT NOT NULL CHECK (role IN ('own', 'trusted')),
    subject TEXT NOT NULL,
    pem TEXT NOT NULL,
    added_at TEXT NOT NULL
) STRICT;

CREATE TRIGGER certificates_fixed
BEFORE UPDATE ON certificates
BEGIN
    SELECT RAISE(ABORT, 'a pinned or trusted certificate is never changed');
END;

CREATE TRIGGER certificates_own_kept
BEFORE DELETE ON certificates
WHEN old.role = 'own'
BEGIN
    SELECT RAISE(ABORT, 'the clinic''s own signing certificate stays pinned');
END;

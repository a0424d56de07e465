-- Consult Aid schema version 11: accounts, so that every access is made, and audited, by a person.
--
-- An account is never deleted (the audit trail names it): an administrator deactivates it.
-- Passwords are stored as argon2id hashes (PHC string); failed sign-ins in a row, the time of
-- the last one and a lockout end are kept here so that a restarted program still slows down
-- and locks out (consult_aid/domain/passwords.py).
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE
        CHECK (length(username) BETWEEN 2 AND 32 AND username = lower(username)),
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    last_failure_at TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
) STRICT;

CREATE TABLE account_roles (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('clinician', 'assistant', 'administrator')),
    PRIMARY KEY (account_id, role)
) STRICT;

CREATE TRIGGER accounts_kept
BEFORE DELETE ON accounts
BEGIN
    SELECT RAISE(ABORT, 'an account stays on record; deactivate it instead');
END;

CREATE TRIGGER accounts_named_once
BEFORE UPDATE OF username, created_at ON accounts
WHEN new.username IS NOT old.username OR new.created_at IS NOT old.created_at
BEGIN
    SELECT RAISE(ABORT, 'an account keeps its user name');
END;

-- Emergency access ("break glass") for a clinic locked out of every administrator account: a
-- one-time code, shown once when it is made (to be kept sealed), stored only as an argon2id
-- hash. Using it sets a new password for one administrator account, is always audited, and
-- stays on show to everyone until an administrator acknowledges it.
CREATE TABLE emergency_codes (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL CHECK (code_hash LIKE '$argon2id$%'),
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    used_at TEXT,
    used_by TEXT,  -- the name the person using it gave
    used_reason TEXT,
    used_for TEXT,  -- the administrator account whose password it set
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    CHECK (used_at IS NULL OR (used_by IS NOT NULL AND used_reason IS NOT NULL
                               AND used_for IS NOT NULL)),
    CHECK (acknowledged_at IS NULL OR used_at IS NOT NULL)
) STRICT;

CREATE TRIGGER emergency_codes_kept
BEFORE DELETE ON emergency_codes
BEGIN
    SELECT RAISE(ABORT, 'an emergency code stays on record');
END;

CREATE TRIGGER emergency_codes_used_once
BEFORE UPDATE OF used_at, used_by, used_reason, used_for ON emergency_codes
WHEN old.used_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'an emergency code is used once');
END;

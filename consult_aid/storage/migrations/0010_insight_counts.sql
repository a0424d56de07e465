-- Consult Aid schema version 10: the insights counts kept as they are signed.
--
-- "What patients find hard" counts, per pack item, the signed and amended consults that
-- discussed it, marked it partly or not yet understood, and explained it again. Counted from
-- every consult's JSON (json_each) that took ~20 s at 100,000 consults. A signed consult never
-- changes (its body is immutable; amending changes only its status), so its marks are added
-- once, when it is signed, to two tables of sums:
--   insight_days:   per day (the consult's own calendar day), pack, clinician and item;
--   insight_months: the same per month ('YYYY-MM').
-- A count reads whole months from insight_months and the days of a partial month at either end
-- of a date filter from insight_days (services/insights.py). Derived: never written but by the
-- trigger below; `services.insights.recount` counts from the consults themselves, to compare.
CREATE TABLE insight_days (
    day          TEXT NOT NULL,  -- 'YYYY-MM-DD', the first ten characters of created_at
    pack_id      TEXT NOT NULL,
    clinician_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    discussed    INTEGER NOT NULL,
    partly       INTEGER NOT NULL,
    not_yet      INTEGER NOT NULL,
    re_explained INTEGER NOT NULL,
    PRIMARY KEY (day, pack_id, clinician_id, item_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE insight_months (
    month        TEXT NOT NULL,  -- 'YYYY-MM'
    pack_id      TEXT NOT NULL,
    clinician_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    discussed    INTEGER NOT NULL,
    partly       INTEGER NOT NULL,
    not_yet      INTEGER NOT NULL,
    re_explained INTEGER NOT NULL,
    PRIMARY KEY (month, pack_id, clinician_id, item_id)
) STRICT, WITHOUT ROWID;

-- Signing (draft -> signed) adds the consult's marks; nothing else changes a signed body.
CREATE TRIGGER insight_counts_signed AFTER UPDATE OF status ON consults
WHEN OLD.status = 'draft' AND NEW.status IN ('signed', 'amended')
BEGIN
    INSERT INTO insight_days(day, pack_id, clinician_id, item_id, discussed, partly, not_yet,
                             re_explained)
    SELECT substr(NEW.created_at, 1, 10), NEW.pack_id, NEW.clinician_id, u.key, 1,
           coalesce(json_extract(u.value, '$.level') = 'partly', 0),
           coalesce(json_extract(u.value, '$.level') = 'not_yet', 0),
           coalesce(json_extract(u.value, '$.re_explained'), 0) = 1
    FROM json_each(NEW.body, '$.consult.understanding') AS u
    WHERE json_extract(u.value, '$.discussed') = 1
    ON CONFLICT (day, pack_id, clinician_id, item_id) DO UPDATE SET
        discussed = discussed + excluded.discussed, partly = partly + excluded.partly,
        not_yet = not_yet + excluded.not_yet, re_explained = re_explained + excluded.re_explained;
    INSERT INTO insight_months(month, pack_id, clinician_id, item_id, discussed, partly, not_yet,
                               re_explained)
    SELECT substr(NEW.created_at, 1, 7), NEW.pack_id, NEW.clinician_id, u.key, 1,
           coalesce(json_extract(u.value, '$.level') = 'partly', 0),
           coalesce(json_extract(u.value, '$.level') = 'not_yet', 0),
           coalesce(json_extract(u.value, '$.re_explained'), 0) = 1
    FROM json_each(NEW.body, '$.consult.understanding') AS u
    WHERE json_extract(u.value, '$.discussed') = 1
    ON CONFLICT (month, pack_id, clinician_id, item_id) DO UPDATE SET
        discussed = discussed + excluded.discussed, partly = partly + excluded.partly,
        not_yet = not_yet + excluded.not_yet, re_explained = re_explained + excluded.re_explained;
END;

-- The insights' denominators (consults per pack, first and last day) read archive_rows.
CREATE INDEX archive_for_insights ON archive_rows(status, pack_id, clinician_id, created_at);

-- Consults signed before this version.
INSERT INTO insight_days(day, pack_id, clinician_id, item_id, discussed, partly, not_yet,
                         re_explained)
SELECT substr(c.created_at, 1, 10), c.pack_id, c.clinician_id, u.key, count(*),
       sum(coalesce(json_extract(u.value, '$.level') = 'partly', 0)),
       sum(coalesce(json_extract(u.value, '$.level') = 'not_yet', 0)),
       sum(coalesce(json_extract(u.value, '$.re_explained'), 0) = 1)
FROM consults AS c, json_each(c.body, '$.consult.understanding') AS u
WHERE c.status IN ('signed', 'amended') AND json_extract(u.value, '$.discussed') = 1
GROUP BY 1, 2, 3, 4;

INSERT INTO insight_months(month, pack_id, clinician_id, item_id, discussed, partly, not_yet,
                           re_explained)
SELECT substr(day, 1, 7), pack_id, clinician_id, item_id, sum(discussed), sum(partly),
       sum(not_yet), sum(re_explained)
FROM insight_days GROUP BY 1, 2, 3, 4;

-- Consult Aid PostgreSQL schema 2: the few SQLite functions the shared queries use.
--
-- The repositories' SQL is one text for both backends. SQLite's json_extract(body, '$.a.b')
-- reads a value out of a consult's JSON body (the summaries the archive lists); here it is the
-- same path read from jsonb, as text. Only the '$.key.key...' paths the program uses are
-- understood; a string value comes back without its quotes, as in SQLite.
-- (a quoted body, not RETURN: PostgreSQL 13 has no SQL-standard function bodies)
CREATE FUNCTION json_extract(document text, path text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (document::jsonb) #>> string_to_array(substr(path, 3), '.') $$;

-- The access log on PostgreSQL: the application's role may only read and add entries.
-- Same statements as `fokus audit grants --app-role ROLE` (which also refuses a role that
-- owns the table). Run as the owner of the tables (the role that runs `fokus migrate`),
-- after every `fokus migrate` that recreates the table (none does today), e.g.:
--
--   psql "$OWNER_DATABASE_URL" -v app_role=fokus_app -f tools/postgres-grants.sql
--
-- See docs/access-log.md. The application's role needs its usual rights on the other
-- tables (SELECT, INSERT, UPDATE, DELETE), granted before this script.
\set ON_ERROR_STOP on
BEGIN;
REVOKE ALL ON TABLE audit_accesslogentry FROM :"app_role";
REVOKE UPDATE, DELETE, TRUNCATE ON TABLE audit_accesslogentry FROM PUBLIC;
GRANT SELECT, INSERT ON TABLE audit_accesslogentry TO :"app_role";
GRANT USAGE, SELECT ON SEQUENCE audit_accesslogentry_id_seq TO :"app_role";
COMMIT;

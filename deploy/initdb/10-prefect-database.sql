-- Prefect's own database beside the newsarchive catalog, in the same PostgreSQL server.
CREATE DATABASE prefect OWNER newsarchive;

#!/usr/bin/env bash
# Runs once, when the primary's data directory is created (the postgres
# image's /docker-entrypoint-initdb.d): the role the replica streams WAL
# with, and the pg_hba line that lets it connect for replication.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"

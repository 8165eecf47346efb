#!/bin/sh
# Creates Temporal's schema on first run and applies newer versions on later ones (temporalio/admin-tools).
# temporal-sql-tool reads SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD from the environment.
# `setup-schema -v 0.0` only creates the version tables when they are missing; `update-schema` applies
# only the versions a database has not got yet: both are safe on every deploy.
set -eu
SCHEMA_ROOT="${TEMPORAL_SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"
for target in temporal:temporal temporal_visibility:visibility; do
  db="${target%%:*}"
  dir="${SCHEMA_ROOT}/${target#*:}/versioned"
  echo "schema of ${db} from ${dir}"
  temporal-sql-tool --db "${db}" setup-schema -v 0.0
  temporal-sql-tool --db "${db}" update-schema -d "${dir}"
done

#!/usr/bin/env bash
# One-shot (compose service postgres-init): the databases and roles of the analytics half, on the
# compose PostgreSQL, idempotently. It runs on every `docker compose up`, so a password changed in
# .env is applied to its role. It retries until the server answers, and exits non-zero, naming what
# failed, when it cannot finish.
#
#   database          role       used by
#   iceberg_catalog   iceberg    the curation job (writes) and Trino (reads): the Iceberg JDBC catalog
#   airflow           airflow    Airflow's metadata
#   superset          superset   Superset's metadata
#
# Each role owns its database and can connect to no other. The Iceberg catalog's two tables are
# created here, in the shape Iceberg's JdbcCatalog makes them (schema V1, which the curation job
# asks for), so Trino can answer before the first curation run.
#
# Environment: PGHOST, PGPORT (default 5432), PGUSER and PGPASSWORD (the superuser), and each
# role's password: CATALOG_DB_PASSWORD, AIRFLOW_DB_PASSWORD, SUPERSET_DB_PASSWORD.
set -euo pipefail
: "${CATALOG_DB_PASSWORD:?}" "${AIRFLOW_DB_PASSWORD:?}" "${SUPERSET_DB_PASSWORD:?}"

# Waits for the server to accept connections; a refused login after that fails at once, below.
attempts=30
for attempt in $(seq 1 "$attempts"); do
  if pg_isready -q -d postgres; then
    break
  fi
  if [ "$attempt" = "$attempts" ]; then
    echo "postgres-init: PostgreSQL at $PGHOST:${PGPORT:-5432} did not answer after $attempts attempts" >&2
    exit 1
  fi
  echo "postgres-init: PostgreSQL not answering (attempt $attempt), retrying in 2 s" >&2
  sleep 2
done

# database NAME ROLE PASSWORD: the role (its password set anew) and the database it owns.
database() {
  psql -d postgres -q -v ON_ERROR_STOP=1 -v name="$1" -v role="$2" -v password="$3" <<'SQL' \
    || { echo "postgres-init: could not set up database $1 for role $2" >&2; exit 1; }
SELECT format('CREATE ROLE %I LOGIN', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT ALL ON DATABASE :"name" TO :"role";
SQL
  echo "postgres-init: database $1, role $2: ready"
}

database iceberg_catalog iceberg "$CATALOG_DB_PASSWORD"
database airflow airflow "$AIRFLOW_DB_PASSWORD"
database superset superset "$SUPERSET_DB_PASSWORD"

PGUSER=iceberg PGPASSWORD="$CATALOG_DB_PASSWORD" psql -d iceberg_catalog -q -v ON_ERROR_STOP=1 <<'SQL' \
  || { echo "postgres-init: could not create the Iceberg catalog tables" >&2; exit 1; }
CREATE TABLE IF NOT EXISTS iceberg_tables (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name));
CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255),
  property_value VARCHAR(1000),
  PRIMARY KEY (catalog_name, namespace, property_key));
SQL
echo "postgres-init: Iceberg catalog tables: ready"

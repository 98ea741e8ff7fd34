#!/bin/sh
# Run by the postgres image on the first start of an empty data volume
# (mounted at /docker-entrypoint-initdb.d): a login role and a database it
# owns for the openstream Postgres mirror and for Keycloak, named in
# dev-environment/postgres.env. The image executes this file, or sources it
# when it is not executable, so it neither sets shell options nor exits.

# create_database ROLE PASSWORD DATABASE: both made unless they exist.
create_database() {
	echo "postgres-init: role $1 and database $3"
	psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
		-v role="$1" -v password="$2" -v db="$3" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
}

create_database "${OPENSTREAM_DB_USER:?set in postgres.env}" "${OPENSTREAM_DB_PASSWORD:?set in postgres.env}" "${OPENSTREAM_DB_NAME:?set in postgres.env}"
create_database "${KEYCLOAK_DB_USER:?set in postgres.env}" "${KEYCLOAK_DB_PASSWORD:?set in postgres.env}" "${KEYCLOAK_DB_NAME:?set in postgres.env}"

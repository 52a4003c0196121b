#!/bin/sh
# The entry point of the test environment's PostgreSQL and Redis images (built from Debian's
# packages by scripts/testenv.sh). It does on first start what the official images do, so that
# Compose files and manifests written for `postgres:15` and `redis:7` run unchanged:
#
#   postgres [ARGS]      PGDATA (default /var/lib/postgresql/data) initialised once with
#                        POSTGRES_USER (default postgres), POSTGRES_PASSWORD and POSTGRES_DB
#                        (default: the user's name); local connections trusted, host connections
#                        by scram-sha-256; then the server, as user postgres, listening on all
#                        addresses.
#   redis-server [ARGS]  as user redis, in /data.
#   anything else        run as given.
set -eu

as_user() { # USER CMD...: drop root the way gosu does in the official images
  user=$1
  shift
  if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid="$user" --regid="$user" --init-groups "$@"
  fi
  exec "$@"
}

init_postgres() {
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    echo "error: POSTGRES_PASSWORD is not set (the official image refuses to start too)" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  chown postgres "$pwfile"
  setpriv --reuid=postgres --regid=postgres --init-groups \
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # Single-user mode: no server, no socket, nothing listening before the database exists.
    echo "CREATE DATABASE \"$POSTGRES_DB\";" |
      setpriv --reuid=postgres --regid=postgres --init-groups \
        postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "initialised $PGDATA: user $POSTGRES_USER, database $POSTGRES_DB"
}

case ${1:-} in
  postgres)
    export PGDATA=${PGDATA:-/var/lib/postgresql/data}
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    [ -s "$PGDATA/PG_VERSION" ] || init_postgres
    shift
    as_user postgres postgres -c listen_addresses='*' "$@"
    ;;
  redis-server)
    mkdir -p /data
    chown redis:redis /data
    cd /data
    shift
    # Without a config file redis-server listens everywhere; protected mode would refuse every
    # client from another container, as the official image's build switches it off.
    as_user redis redis-server --protected-mode no "$@"
    ;;
  *) exec "$@" ;;
esac

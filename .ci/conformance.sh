#!/usr/bin/env bash
# Runs the shared conformance suite against the built server on one database.
# Usage: .ci/conformance.sh sqlite|postgres   (prints the suite's "N passed, M failed" last)
set -uo pipefail
cd "$(dirname "$0")/.."

database="$1"
port="${CONFORMANCE_PORT:-4100}"
smtp_port="${CONFORMANCE_SMTP_PORT:-2525}"
work="$(mktemp -d)"
schema="gh_conformance_$$"
pg_base="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

case "$database" in
  sqlite) database_url="sqlite:$work/conformance.sqlite" ;;
  postgres)
    psql "$pg_base" -qc "create schema $schema" >/dev/null
    database_url="$pg_base?options=-c%20search_path%3D$schema"
    ;;
  *) echo "unknown database $database" >&2; exit 2 ;;
esac

cleanup() {
  [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ "$database" == postgres ]] && psql "$pg_base" -qc "drop schema if exists $schema cascade" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

NODE_ENV=test DATABASE_URL="$database_url" COMPAT_MODE=true RATE_LIMITS=false \
  EMAIL_HOST=127.0.0.1 EMAIL_PORT="$smtp_port" EMAIL_USE_TLS=false EMAIL_USE_SSL=false \
  SECRET_KEY="conformance-secret-key-0123456789abcdef" HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warn \
  node dist/src/cli/main.js serve >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
  echo "server did not start on $database:" >&2
  cat "$work/server.log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

node "${CONFORMANCE_RUNNER:-../shared/conformance/run.mjs}" --endpoint "http://127.0.0.1:$port/graphql" --smtp-port "$smtp_port" \
  --compare ../shared/conformance/reference-transcript.json
status=$?
if [[ $status -ne 0 ]]; then
  echo "--- server log ($database) ---" >&2
  tail -50 "$work/server.log" >&2
fi
exit $status

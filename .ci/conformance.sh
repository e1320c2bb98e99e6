#!/usr/bin/env bash
# Runs the shared conformance suite against the built server on one database.
# Usage: .ci/conformance.sh sqlite|postgres   (prints the suite's "N passed, M failed" last)
# Sourced (by .ci/cluster-conformance.sh), it only defines the functions below.
set -uo pipefail

conformance_smtp_port="${CONFORMANCE_SMTP_PORT:-2525}"
conformance_pids=()

# start_gatehouse PORT LOG [NAME=VALUE...] [-- SERVE_OPTION...]: the built server in the
# background, with the settings the suite's reference run corresponds to (COMPAT_MODE, no rate
# limits, mail by plain SMTP to the suite's sink, see ../shared/conformance/README.md), then the
# given ones (DATABASE_URL, …); options after -- go to `serve` (--no-migrate).
start_gatehouse() {
  local port="$1" log="$2"
  shift 2
  local settings=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do settings+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  env GATEHOUSE_ENV_FILE= NODE_ENV=test COMPAT_MODE=true RATE_LIMITS=false \
    EMAIL_HOST=127.0.0.1 EMAIL_PORT="$conformance_smtp_port" EMAIL_USE_TLS=false EMAIL_USE_SSL=false \
    SECRET_KEY="conformance-secret-key-0123456789abcdef" HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warn \
    "${settings[@]}" node dist/src/cli/main.js serve "$@" >"$log" 2>&1 &
  conformance_pids+=("$!")
}

# wait_gatehouse PORT LOG LABEL [PATH]: waits (20 s) until PATH (/healthz) answers 200; otherwise
# prints the log and the suite's failure line, and returns 1.
wait_gatehouse() {
  local port="$1" log="$2" label="$3" path="${4:-/healthz}"
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port$path" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server did not start on $label ($path):" >&2
  cat "$log" >&2
  echo "0 passed, 1 failed"
  return 1
}

stop_gatehouses() {
  local pid
  for pid in "${conformance_pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  conformance_pids=()
}

# run_suite ENDPOINT: the shared suite; its last line is "N passed, M failed".
run_suite() {
  node "${CONFORMANCE_RUNNER:-../shared/conformance/run.mjs}" --endpoint "$1" \
    --smtp-port "$conformance_smtp_port" --compare ../shared/conformance/reference-transcript.json
}

conformance_main() {
  # Globals, not locals: the EXIT trap reads them.
  database="$1"
  schema="gh_conformance_$$"
  pg_base="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
  work="$(mktemp -d)"
  local port="${CONFORMANCE_PORT:-4100}"
  local database_url status

  case "$database" in
    sqlite) database_url="sqlite:$work/conformance.sqlite" ;;
    postgres)
      psql "$pg_base" -qc "create schema $schema" >/dev/null
      database_url="$pg_base?options=-c%20search_path%3D$schema"
      ;;
    *) echo "unknown database $database" >&2; exit 2 ;;
  esac

  cleanup() {
    stop_gatehouses
    [[ "$database" == postgres ]] && psql "$pg_base" -qc "drop schema if exists $schema cascade" >/dev/null 2>&1
    rm -rf "$work"
  }
  trap cleanup EXIT

  start_gatehouse "$port" "$work/server.log" DATABASE_URL="$database_url"
  wait_gatehouse "$port" "$work/server.log" "$database" || exit 1

  run_suite "http://127.0.0.1:$port/graphql"
  status=$?
  if [[ $status -ne 0 ]]; then
    echo "--- server log ($database) ---" >&2
    tail -50 "$work/server.log" >&2
  fi
  exit $status
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  cd "$(dirname "$0")/.." || exit 2
  conformance_main "$@"
fi

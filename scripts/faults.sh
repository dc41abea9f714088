#!/usr/bin/env bash
# make faults: the fault-injection scenarios of tests/faults/ against the production stack
# (scripts/stack.py). The stack gets a Redis of its own on FAULTS_REDIS_PORT (8176), with the append-only
# file on as a production broker has it, so the scenario that restarts Redis disturbs nothing else.
# Figures of each scenario go to $FAULTS_REPORT (default /tmp/portal-faults.txt). Extra arguments go to
# pytest, e.g. `scripts/faults.sh -k booking`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
command -v redis-server >/dev/null || { echo "redis-server is not installed (Debian: apt-get install redis-server)." >&2; exit 2; }
PORT="${FAULTS_REDIS_PORT:-8176}"
DIR="$(mktemp -d /tmp/portal-faults-redis-XXXXXX)"
cat > "$DIR/redis.conf" <<CONF
bind 127.0.0.1
port $PORT
dir $DIR
appendonly yes
appendfsync always
save ""
daemonize yes
pidfile $DIR/redis.pid
logfile $DIR/redis.log
CONF
redis-server "$DIR/redis.conf"
stop_redis() { [ -f "$DIR/redis.pid" ] && kill "$(cat "$DIR/redis.pid")" 2>/dev/null; sleep 0.5; rm -rf "$DIR"; }
trap stop_redis EXIT
export FAULTS_REDIS_CONF="$DIR/redis.conf" PROD_CHECK_REDIS_URL="redis://127.0.0.1:$PORT/0"
export FAULTS_REPORT="${FAULTS_REPORT:-/tmp/portal-faults.txt}" FAULTS_RESULTS="$PWD/bench/results/faults.jsonl"
mkdir -p bench/results
: > "$FAULTS_REPORT"
: > "$FAULTS_RESULTS"
status=0
"$PYTHON" -m scripts.stack run -- "$PYTHON" -m pytest -m faults tests/faults -p no:warnings "$@" || status=$?
echo; echo "Fault figures ($FAULTS_REPORT):"; cat "$FAULTS_REPORT"
exit $status

#!/usr/bin/env bash
# What metrics cost per HTTP request (issue 14), isolated: the same jar started with and without --no-metrics, in
# alternating rounds, each driven by wrk on GET /healthz (the cheapest endpoint, so the per-request cost of the Vert.x
# HTTP server meters is the largest share it can be). Reports the server's CPU µs per request of each round, which
# other load on the machine disturbs less than req/s. Uses the jar bench/run.sh built (or BENCH_JAR); every process
# started here is stopped on exit. Settings: BENCH_ROUNDS=4, BENCH_SECONDS=10, BENCH_WARMUP=5, BENCH_PORT=18490,
# BENCH_OUT (default: standard output).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${BENCH_JAR:-$ROOT/bench/work/load/build/airlock.jar}
ROUNDS=${BENCH_ROUNDS:-4}
SECONDS_EACH=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-5}
PORT=${BENCH_PORT:-18490}
WORK=$ROOT/bench/work/metrics-overhead
TICK_MS=$(( 1000 / $(getconf CLK_TCK) ))
[[ -f $JAR ]] || { echo "no jar at $JAR: run bench/run.sh first, or set BENCH_JAR" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; true; }
trap cleanup EXIT
cpu_ms() { local f; read -r -a f < "/proc/$1/stat"; echo $(( (f[13] + f[14]) * TICK_MS )); }
ready() { { exec 8<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&8
  local line=""; read -t 2 -r line <&8 || true; exec 8<&- 8>&-; [[ $line == "HTTP/1.1 200"* ]]; }

# round LABEL [SERVE_FLAG...] -> prints "LABEL requests cpu_ms"
round() {
  local label=$1; shift
  rm -rf "$WORK/data"; mkdir -p "$WORK"
  java -Xms64m -Xmx112m -XX:+UseSerialGC -jar "$JAR" serve --port "$PORT" --data "$WORK/data" \
    --policy "$ROOT/scopes" "$@" > "$WORK/airlock-$label.out" 2>&1 &
  PID=$!
  for _ in $(seq 300); do ready && break; sleep 0.1; done
  ready || { echo "server did not become ready" >&2; exit 1; }
  timeout $(( WARMUP + 20 )) wrk -t2 -c32 -d"${WARMUP}s" "http://127.0.0.1:$PORT/healthz" > /dev/null
  local before; before=$(cpu_ms "$PID")
  local out; out=$(timeout $(( SECONDS_EACH + 20 )) wrk -t2 -c32 -d"${SECONDS_EACH}s" "http://127.0.0.1:$PORT/healthz")
  local after; after=$(cpu_ms "$PID")
  local requests; requests=$(awk '/requests in/ { print $1 }' <<< "$out")
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  echo "$label $requests $(( after - before ))"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
RESULTS=()
for r in $(seq "$ROUNDS"); do
  RESULTS+=("$(round on)")
  RESULTS+=("$(round off --no-metrics)")
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "| round | metrics | requests in ${SECONDS_EACH} s | req/s | server CPU µs/request |"
  echo "|---|---|---|---|---|"
  i=0
  for line in "${RESULTS[@]}"; do
    read -r label requests cpu <<< "$line"
    i=$((i + 1))
    awk -v n=$(( (i + 1) / 2 )) -v l="$label" -v q="$requests" -v c="$cpu" -v s="$SECONDS_EACH" \
      'BEGIN { printf "| %d | %s | %d | %.0f | %.1f |\n", n, l, q, q / s, (q > 0) ? c * 1000 / q : 0 }'
  done
  printf '%s\n' "${RESULTS[@]}" | awk '{ n[$1]++; q[$1] += $2; c[$1] += $3 }
    END { for (k in n) printf "| all | %s | %d | %.0f | %.1f |\n", k, q[k], q[k] / (n[k] * '"$SECONDS_EACH"'), c[k] * 1000 / q[k] }'
  echo
  echo "Load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER; $(nproc) cores, wrk on the same cores."
} > "${BENCH_OUT:-/dev/stdout}"

#!/usr/bin/env bash
# Airlock's load benchmark, one command: builds, measures the raw Ed25519 rate, starts Airlock as a separate process on
# a generated policy, drives every endpoint with wrk from another process on loopback, and writes a Markdown report to
# bench/results/<date>-load.md. Every step is bounded in time; everything started here is stopped on exit.
# See bench/README.md for what is measured and how to read it. Settings (environment variables, with defaults):
#   BENCH_DURATION=15     seconds of each measured run        BENCH_WARMUP=20      seconds of warm-up per endpoint
#   BENCH_THREADS=2       wrk threads                         BENCH_CONNECTIONS=32 wrk connections
#   BENCH_PORT=18480      Airlock's port                      BENCH_UPSTREAM_PORT=18481  the proxy's upstream
#   BENCH_SERVER_JAVA_OPTS  JVM flags of the measured server (default below: part of the documented run command)
#   BENCH_JFR=1           also record a JFR profile of the server (bench/work/load/airlock.jfr)
#   BENCH_SERVE_ARGS      extra flags of the measured serve command (e.g. --no-metrics, to measure what metrics cost)
#   BENCH_OUT             report path (default bench/results/<UTC date>-load.md)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
# shellcheck source=lib/maven.sh
source "$BENCH/lib/maven.sh"
WORK=${BENCH_WORK:-$BENCH/work/load}
BUILD=${BENCH_BUILD:-$WORK/build}
PORT=${BENCH_PORT:-18480}
UPSTREAM_PORT=${BENCH_UPSTREAM_PORT:-18481}
WARMUP=${BENCH_WARMUP:-20}
RAW_WARMUP=${BENCH_RAW_WARMUP:-5}
RAW_SECONDS=${BENCH_RAW_SECONDS:-10}
DURATION=${BENCH_DURATION:-15}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms64m -Xmx112m -XX:+UseSerialGC}
read -r -a SERVE_ARGS <<< "${BENCH_SERVE_ARGS:-}"
JFR=${BENCH_JFR:-0}
DATE=$(date -u +%Y-%m-%d)
OUT=${BENCH_OUT:-$BENCH/results/$DATE-load.md}
CORES=$(nproc)
BASE=http://127.0.0.1:$PORT
UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT
RESOURCE=vol-stg-0001

log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- processes: only what this script started, stopped by pid ------------------------------------------------------
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ---------------------------------------------------------------------------------------------------------
for tool in java mvn curl awk; do command -v "$tool" >/dev/null || die "$tool is required"; done
if ! command -v wrk >/dev/null; then
  log "wrk is missing: installing Debian's package"
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive timeout 300 $SUDO apt-get install -y -qq wrk >/dev/null \
    || { timeout 300 $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 300 $SUDO apt-get install -y -qq wrk >/dev/null; } \
    || die "cannot install wrk (apt-get install wrk)"
fi
for p in "$PORT" "$UPSTREAM_PORT"; do
  if { exec 9<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null; then exec 9<&- 9>&-; die "port $p is in use (set BENCH_PORT / BENCH_UPSTREAM_PORT)"; fi
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$WORK" "$(dirname "$OUT")"
rm -rf "$WORK/data" "$WORK/data-cold" "$WORK/policy" "$WORK"/wrk-*.txt "$WORK"/assertions-*.txt "$WORK/airlock.jfr"

# --- build -----------------------------------------------------------------------------------------------------------
log "building airlock.jar into $BUILD"
(cd "$ROOT" && mvn_offline_first 900 -q -DskipTests -Dairlock.build="$BUILD" package) || die "root build failed"
JAR=$BUILD/airlock.jar
log "building the benchmark helpers"
mvn_offline_first 600 -q -f "$BENCH/pom.xml" -Dairlock.jar="$JAR" -Dbench.build="$BUILD/bench" package \
  || die "bench build failed"
CP=$BUILD/bench/benchmarks.jar:$JAR

# --- the physical limit, on the same cores, before the server starts -------------------------------------------------
log "raw Ed25519 sign/verify on $CORES threads (RawCrypto: ${RAW_WARMUP}s warm-up, ${RAW_SECONDS}s each)"
timeout 300 java -cp "$CP" dev.airlock.bench.RawCrypto "$CORES" "$RAW_WARMUP" "$RAW_SECONDS" "$WORK/raw-disk" \
  > "$WORK/raw.txt" 2>&1 \
  || die "raw crypto measurement failed: see $WORK/raw.txt"
raw() { awk -v op="$1" -v k="$2" '$1 == "RAW" { split($0, f, " "); ok = 0; v = "";
  for (i in f) { split(f[i], kv, "="); if (kv[1] == "op" && kv[2] == op) ok = 1; if (kv[1] == k) v = kv[2] }
  if (ok) print v }' "$WORK/raw.txt"; }
RAW_SIGN=$(raw sign rate); RAW_SIGN_CPU=$(raw sign cpu_us)
RAW_VERIFY=$(raw verify rate); RAW_VERIFY_CPU=$(raw verify cpu_us)
RAW_FSYNC=$(raw fsync rate); RAW_FSYNC_CPU=$(raw fsync cpu_us); RAW_FSYNC_P50=$(raw fsync p50_us); RAW_FSYNC_P99=$(raw fsync p99_us)
[[ -n $RAW_SIGN && -n $RAW_VERIFY ]] || die "no raw rates in $WORK/raw.txt"
log "raw Ed25519: sign $RAW_SIGN/s ($RAW_SIGN_CPU us CPU each), verify $RAW_VERIFY/s ($RAW_VERIFY_CPU us CPU each)"
log "raw durable append: $RAW_FSYNC/s on one thread, p50 $RAW_FSYNC_P50 us, $RAW_FSYNC_CPU us CPU each"

# --- fixture: policy, agents, upstream -----------------------------------------------------------------------------
java -cp "$CP" dev.airlock.bench.LoadFixture policy "$WORK/policy" "$UPSTREAM" "$WORK/bench-jwt.jwk" || die "fixture failed"
java -jar "$JAR" lint --policy "$WORK/policy" > "$WORK/lint.txt" 2>&1 || die "generated policy does not lint: $WORK/lint.txt"
SECRET=$(java -jar "$JAR" agent add bench-secret --data "$WORK/data" --policy "$WORK/policy" | tail -1)
[[ -n $SECRET ]] || die "agent add printed no secret"
BASIC=$(printf '%s' "bench-secret:$SECRET" | base64 -w0)
UPSTREAM_TOKEN=bench-upstream-$RANDOM$RANDOM

java -Xmx64m -XX:+UseSerialGC -cp "$CP" dev.airlock.bench.Upstream "$UPSTREAM_PORT" "$UPSTREAM_TOKEN" \
  > "$WORK/upstream.out" 2>&1 &
UPSTREAM_PID=$!
PIDS+=("$UPSTREAM_PID")

# --- start Airlock, time to /readyz ----------------------------------------------------------------------------------
# CPU time (user + system) a process has used, in ms; read with bash alone (fields 14 and 15 of /proc/PID/stat).
TICK_MS=$(( 1000 / $(getconf CLK_TCK) ))
cpu_ms() { local f; read -r -a f < "/proc/$1/stat" || { echo 0; return; }; echo $(( (f[13] + f[14]) * TICK_MS )); }

# GET path on port through bash's /dev/tcp (no process per probe, so polling does not slow the start it measures).
http_ok() {
  local port=$1 path=$2 line=""
  { exec 8<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&8
  read -t 2 -r line <&8 || true
  exec 8<&- 8>&-
  [[ $line == "HTTP/1.1 200"* ]]
}

exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }

# start_airlock DATA_DIR EXTRA_JVM_FLAG... : starts the server, sets AIRLOCK (pid), READY_MS and READY_CPU_MS.
# The probe loop starts no process (bash /dev/tcp, and nap = a read timing out on a pipe this shell holds open), so
# it does not take the CPU of the start it times.
start_airlock() {
  local data=$1; shift
  local start deadline now
  start=${EPOCHREALTIME/./}
  BENCH_UPSTREAM_TOKEN=$UPSTREAM_TOKEN java "${SERVER_OPTS[@]}" "$@" -jar "$JAR" serve --port "$PORT" --data "$data" \
    --policy "$WORK/policy" "${SERVE_ARGS[@]}" > "$WORK/airlock.out" 2>&1 &
  AIRLOCK=$!
  PIDS+=("$AIRLOCK")
  READY_MS=""
  deadline=$(( start + 30000000 ))
  while now=${EPOCHREALTIME/./}; (( now < deadline )); do
    kill -0 "$AIRLOCK" 2>/dev/null || die "Airlock exited: $(tail -5 "$WORK/airlock.out")"
    if http_ok "$PORT" /readyz; then
      now=${EPOCHREALTIME/./}
      READY_MS=$(( (now - start) / 1000 ))
      READY_CPU_MS=$(cpu_ms "$AIRLOCK")
      return 0
    fi
    nap 0.005
  done
  die "Airlock not ready within 30 s"
}
stop_airlock() {
  kill "$AIRLOCK" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$AIRLOCK" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$AIRLOCK" 2>/dev/null || true
}

SERVER_OPTS=($SERVER_JAVA_OPTS)
SERVE_CMD="java ${SERVER_OPTS[*]} -XX:SharedArchiveFile=airlock.jsa -jar airlock.jar serve --port $PORT --data DATA --policy POLICY${SERVE_ARGS[*]:+ ${SERVE_ARGS[*]}}"

# First start, as a user's very first one: no class-data archive yet. It also writes the archive (AppCDS: the classes
# loaded here, parsed and verified once) that the measured server then maps at start: the documented run command.
log "first start (cold, writing the class-data archive)"
rm -f "$WORK/airlock.jsa"
start_airlock "$WORK/data-cold" "-XX:ArchiveClassesAtExit=$WORK/airlock.jsa"
COLD_READY_MS=$READY_MS COLD_READY_CPU_MS=$READY_CPU_MS
curl -s --max-time 5 -o /dev/null -u "bench-secret:x" -d grant_type=client_credentials "$BASE/oauth2/token" || true
curl -s --max-time 5 -o /dev/null -H 'Content-Type: application/json' -d '{}' "$BASE/v1/check" || true
stop_airlock
rm -rf "$WORK/data-cold"
[[ -s $WORK/airlock.jsa ]] || log "warning: no class-data archive was written; the measured start runs without it"
log "cold start: ready after $COLD_READY_MS ms ($COLD_READY_CPU_MS ms of CPU)"

[[ $JFR == 1 ]] && SERVER_OPTS+=("-XX:StartFlightRecording=filename=$WORK/airlock.jfr,settings=profile,dumponexit=true")
log "starting: $SERVE_CMD"
start_airlock "$WORK/data" "-XX:SharedArchiveFile=$WORK/airlock.jsa"
log "ready after $READY_MS ms (process start to /readyz 200), $READY_CPU_MS ms of CPU"
for _ in $(seq 100); do http_ok "$UPSTREAM_PORT" / && break; sleep 0.1; done

token_for() { # scope -> access token (bench-secret, staging)
  curl -sS --max-time 5 -u "bench-secret:$SECRET" -d grant_type=client_credentials -d environment=staging \
    --data-urlencode "scope=$1" "$BASE/oauth2/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}
TOKEN=$(token_for volume:read)
[[ -n $TOKEN ]] || die "could not mint a token"

# --- measurement helpers -------------------------------------------------------------------------------------------
# Sets KB to a /proc/PID/status field in kB (VmRSS, VmHWM), 0 if the process is gone; bash alone, no process.
status_kb() { local k v _; KB=0; while read -r k v _; do [[ $k == "$2:" ]] && { KB=$v; return; }; done < "/proc/$1/status"; } 2>/dev/null

# Samples the server's VmRSS every 0.25 s into $WORK/rss.max until $WORK/rss.stop appears.
rss_sampler() {
  local max=0
  while [[ ! -e $WORK/rss.stop ]] && kill -0 "$AIRLOCK" 2>/dev/null; do
    status_kb "$AIRLOCK" VmRSS
    (( KB > max )) && { max=$KB; echo "$max" > "$WORK/rss.max"; }
    nap 0.25
  done
}

declare -A R   # results: R[<run>.<key>]
MEASURED=$AIRLOCK  # whose CPU time a run charges per request (the upstream's for the direct runs)
# run NAME SCRIPT URL CONNECTIONS THREADS SECONDS RATE [ENV=VALUE...]   (RATE 0: as fast as it goes)
run() {
  local name=$1 script=$2 url=$3 conns=$4 threads=$5 secs=$6 rate=$7; shift 7
  echo 0 > "$WORK/rss.max"
  rm -f "$WORK/rss.stop"
  rss_sampler & local sampler=$!
  local cpu0; cpu0=$(cpu_ms "$MEASURED")
  children_cpu_ms; local gen0=$CHILD_MS
  env "$@" BENCH_RATE="$rate" BENCH_THREADS="$threads" BENCH_WRK_DIR="$BENCH/wrk" \
    timeout $(( secs + 30 )) wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 2s --latency -s "$BENCH/wrk/$script" "$url" \
    > "$WORK/wrk-$name.txt" 2>&1 || true
  local cpu1; cpu1=$(cpu_ms "$MEASURED")
  touch "$WORK/rss.stop"; wait "$sampler" 2>/dev/null || true
  children_cpu_ms; local gen1=$CHILD_MS
  local line kv
  line=$(grep '^RESULT' "$WORK/wrk-$name.txt" || true)
  [[ -n $line ]] || { log "wrk printed no result for $name: $(tail -3 "$WORK/wrk-$name.txt")"; line="RESULT rps=0"; }
  for kv in requests seconds rps p50_us p99_us p999_us max_us non2xx badbody connect read write timeout exhausted; do
    R[$name.$kv]=0
  done
  for kv in ${line#RESULT }; do R[$name.${kv%%=*}]=${kv#*=}; done
  R[$name.rss_mb]=$(( $(cat "$WORK/rss.max") / 1024 ))
  R[$name.cpu_us]=$(( R[$name.requests] > 0 ? (cpu1 - cpu0) * 1000 / R[$name.requests] : 0 ))
  R[$name.gen_us]=$(( R[$name.requests] > 0 ? (gen1 - gen0) * 1000 / R[$name.requests] : 0 ))
  R[$name.conns]=$conns
  R[$name.errors]=$(( ${R[$name.non2xx]:-0} + ${R[$name.badbody]:-0} + ${R[$name.connect]:-0} + ${R[$name.read]:-0} \
    + ${R[$name.write]:-0} + ${R[$name.timeout]:-0} ))
  log "$name: $(printf '%.0f' "${R[$name.rps]}") req/s, p50 $(ms "${R[$name.p50_us]:-0}") ms, p99 $(ms "${R[$name.p99_us]:-0}") ms, errors ${R[$name.errors]}, RSS ${R[$name.rss_mb]} MB, CPU ${R[$name.cpu_us]} us/request"
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
# Sets CHILD_MS to the CPU ms (user + system) of this shell's waited-for children so far: wrk (through env and
# timeout) and the RSS sampler (bash builtins, a few ms). Not to be called in $( ): a subshell has no children.
children_cpu_ms() {
  times > "$WORK/times.txt"
  CHILD_MS=$(awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); n += p[1] * 60000 + p[2] * 1000 }
    printf "%d", n }' "$WORK/times.txt")
}
half() { awk -v r="$1" 'BEGIN { printf "%.0f", (r >= 2) ? r / 2 : 1 }'; }
# Each assertion expires 30 s after the run that uses it: Airlock remembers used ids until they expire, under a cap
# (AssertionLimits: 50,000 per client, 200,000 in all; the load is spread over 16 agents, see LoadFixture).
assertions() { # name count run_seconds
  java -cp "$CP" dev.airlock.bench.LoadFixture assertions "$WORK/bench-jwt.jwk" "$BASE" "$2" "$WORK/assertions-$1.txt" \
    "$(( $3 + 30 ))" || die "could not generate assertions"
}
# Each endpoint: a discarded warm-up, a run at full load (all connections, unpaced), a run held at half that rate.
endpoint() { # name script url [ENV=VALUE...]
  local name=$1 script=$2 url=$3; shift 3
  log "$name: warm-up ${WARMUP}s"
  run "$name.warmup" "$script" "$url" "$CONNECTIONS" "$THREADS" "$WARMUP" 0 "$@"
  run "$name.max" "$script" "$url" "$CONNECTIONS" "$THREADS" "$DURATION" 0 "$@"
  R[$name.target]=$(half "${R[$name.max.rps]}")
  run "$name.half" "$script" "$url" "$CONNECTIONS" "$THREADS" "$DURATION" "$(half "${R[$name.max.rps]}")" "$@"
}

# --- the endpoints -------------------------------------------------------------------------------------------------
endpoint mint_secret token-secret.lua "$BASE" BENCH_BASIC="$BASIC"

# private_key_jwt: every request needs an unused assertion; sized from the previous run's rate, never reused.
assertions warmup "$(awk -v r="${R[mint_secret.max.rps]}" -v d="$WARMUP" 'BEGIN { printf "%d", r * d * 1.5 + 2000 }')" "$WARMUP"
log "mint_jwt: warm-up ${WARMUP}s"
run mint_jwt.warmup token-jwt.lua "$BASE" "$CONNECTIONS" "$THREADS" "$WARMUP" 0 BENCH_ASSERTIONS="$WORK/assertions-warmup.txt"
assertions max "$(awk -v r="${R[mint_jwt.warmup.rps]}" -v d="$DURATION" 'BEGIN { printf "%d", r * d * 2 + 2000 }')" "$DURATION"
run mint_jwt.max token-jwt.lua "$BASE" "$CONNECTIONS" "$THREADS" "$DURATION" 0 BENCH_ASSERTIONS="$WORK/assertions-max.txt"
R[mint_jwt.target]=$(half "${R[mint_jwt.max.rps]}")
assertions half "$(awk -v r="${R[mint_jwt.max.rps]}" -v d="$DURATION" 'BEGIN { printf "%d", r / 2 * d * 1.5 + 2000 }')" "$DURATION"
run mint_jwt.half token-jwt.lua "$BASE" "$CONNECTIONS" "$THREADS" "$DURATION" "$(half "${R[mint_jwt.max.rps]}")" \
  BENCH_ASSERTIONS="$WORK/assertions-half.txt"
rm -f "$WORK"/assertions-*.txt

# A fresh token for each of the rest (tokens live 10 minutes in staging; a long run outlives one).
TOKEN=$(token_for volume:read); [[ -n $TOKEN ]] || die "could not mint a token"
endpoint check check.lua "$BASE" BENCH_TOKEN="$TOKEN" BENCH_RESOURCE="$RESOURCE"
TOKEN=$(token_for volume:read); [[ -n $TOKEN ]] || die "could not mint a token"
endpoint introspect introspect.lua "$BASE" BENCH_BASIC="$BASIC" BENCH_TOKEN="$TOKEN"
TOKEN=$(token_for volume:read); [[ -n $TOKEN ]] || die "could not mint a token"

# The proxy, if this build has it: an answer from the upstream through /proxy/bench/ means yes.
PROXY_PATH=/proxy/bench/v1/volumes/$RESOURCE
PROXY_PROBE=$(curl -s --max-time 5 -o "$WORK/proxy-probe.txt" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE$PROXY_PATH" || true)
if [[ $PROXY_PROBE == 200 ]] && grep -q size_gb "$WORK/proxy-probe.txt"; then
  PROXY=available
  endpoint proxy proxy.lua "$BASE$PROXY_PATH" BENCH_BEARER="$TOKEN"
  MEASURED=$UPSTREAM_PID
  endpoint direct proxy.lua "$UPSTREAM/v1/volumes/$RESOURCE" BENCH_BEARER="$UPSTREAM_TOKEN"
  # The same paced rate for both (half the proxy's maximum), so that their latencies compare like for like,
  # and one connection alone: the latency the proxy adds without any queueing.
  run direct.sameRate proxy.lua "$UPSTREAM/v1/volumes/$RESOURCE" "$CONNECTIONS" "$THREADS" "$DURATION" \
    "$(half "${R[proxy.max.rps]}")" BENCH_BEARER="$UPSTREAM_TOKEN"
  MEASURED=$AIRLOCK
  run proxy.one proxy.lua "$BASE$PROXY_PATH" 1 1 "$(( DURATION / 3 + 1 ))" 0 BENCH_BEARER="$TOKEN"
  MEASURED=$UPSTREAM_PID
  run direct.one proxy.lua "$UPSTREAM/v1/volumes/$RESOURCE" 1 1 "$(( DURATION / 3 + 1 ))" 0 BENCH_BEARER="$UPSTREAM_TOKEN"
else
  PROXY="not available (GET $PROXY_PATH answered HTTP ${PROXY_PROBE:-nothing})"
  log "proxy: $PROXY"
fi

status_kb "$AIRLOCK" VmHWM; HWM_MB=$(( KB / 1024 ))
status_kb "$AIRLOCK" VmRSS; RSS_END_MB=$(( KB / 1024 ))
AUDIT_LINES=$(wc -l < "$WORK/data/audit.log" || echo 0)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
log "stopping Airlock"
stop_airlock
AUDIT_VERIFY=$(java -jar "$JAR" audit verify --data "$WORK/data" 2>&1 | tail -1 || true)

# --- report --------------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", (b > 0) ? 100 * a / b : 0 }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**missed**"; fi; }
# row_max NAME LABEL RAW_RATE RAW_CPU_US RAW_NAME
row_max() {
  local n=$1
  if [[ $5 == - ]]; then
    printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | - | - |\n' "$2" "${R[$n.max.rps]}" "$(ms "${R[$n.max.p50_us]}")" \
      "$(ms "${R[$n.max.p99_us]}")" "$(ms "${R[$n.max.p999_us]}")" "${R[$n.max.errors]}" "${R[$n.max.rss_mb]}" "${R[$n.max.cpu_us]}" \
      "${R[$n.max.gen_us]}"
    return
  fi
  printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s × %s | %s |\n' "$2" "${R[$n.max.rps]}" \
    "$(ms "${R[$n.max.p50_us]}")" "$(ms "${R[$n.max.p99_us]}")" "$(ms "${R[$n.max.p999_us]}")" "${R[$n.max.errors]}" \
    "${R[$n.max.rss_mb]}" "${R[$n.max.cpu_us]}" "${R[$n.max.gen_us]}" "$(ratio "${R[$n.max.rps]}" "$3")" "$5" \
    "$(awk -v c="${R[$n.max.cpu_us]}" -v r="$4" 'BEGIN { printf "%.1f", (r > 0) ? c / r : 0 }')"
}
row_paced() { # run label target
  local n=$1
  printf '| %s | %s | %.0f | %s | %s | %s | %s |\n' "$2" "$3" "${R[$n.rps]}" "$(ms "${R[$n.p50_us]}")" \
    "$(ms "${R[$n.p99_us]}")" "$(ms "${R[$n.p999_us]}")" "${R[$n.errors]}"
}
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
JAVA_VERSION=$(java -version 2>&1 | tr '\n' ' ' | sed 's/  */ /g; s/ $//')
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
QUIET=$(awk -v l="${LOAD_BEFORE%% *}" -v c="$CORES" 'BEGIN { print (l < 0.25 * c) ? "the machine was quiet before the run" : "**other load was present**: read req/s and latency as pessimistic, CPU µs/req as the steadier figure" }')
{
  echo "# Load benchmark, $DATE"
  echo
  echo "- Command: \`bench/run.sh\` (BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_THREADS=$THREADS" \
       "BENCH_CONNECTIONS=$CONNECTIONS), commit $COMMIT$DIRTY, $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "- Machine: $CORES cores ($CPU), $MEM memory; $JAVA_VERSION."
  echo "- Load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER; $QUIET."
  echo "- Server: \`$SERVE_CMD\` (heap capped, serial GC: see bench/README.md). Policy generated: 1,000 resources," \
       "100 agents, 3 environments. Durable audit on (fsync before every answer, group commit): $AUDIT_LINES audit" \
       "lines written; \`airlock audit verify\` afterwards: $AUDIT_VERIFY"
  echo "- wrk ($THREADS threads, $CONNECTIONS connections) ran on the same $CORES cores, on loopback; so did the upstream."
  echo
  echo "## Raw Ed25519 (the physical limit), same run, same cores"
  echo
  echo "Airlock's key, BouncyCastle as the server signs, $CORES threads (\`RawCrypto\`, ${RAW_WARMUP} s warm-up," \
       "${RAW_SECONDS} s each): **sign $RAW_SIGN/s** ($RAW_SIGN_CPU µs of CPU each), **verify $RAW_VERIFY/s**" \
       "($RAW_VERIFY_CPU µs of CPU each)."
  echo
  echo "A durable answer's other limit, the disk: one audit-sized line appended and fsync'd, back to back on one thread" \
       "in the data directory's file system (\`RawCrypto\` again, as the audit writer does it): **$RAW_FSYNC/s**," \
       "**p50 $RAW_FSYNC_P50 µs**, p99 $RAW_FSYNC_P99 µs, **$RAW_FSYNC_CPU µs of CPU each** (the process's CPU" \
       "clock, kernel time included: on this virtual machine each fsync's device requests are paid in guest CPU)." \
       "Group commit shares one fsync among the answers waiting for it, but every answer waits for one."
  echo
  echo "## Full load ($DURATION s each, after a ${WARMUP} s warm-up per endpoint)"
  echo
  echo "| endpoint | req/s | p50 ms | p99 ms | p99.9 ms | errors | RSS max MB | CPU µs/req | wrk's CPU µs/req | req/s ÷ raw rate | CPU ÷ raw op's CPU |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  row_max mint_secret "token, client_secret_basic" "$RAW_SIGN" "$RAW_SIGN_CPU" sign
  row_max mint_jwt "token, private_key_jwt" "$RAW_SIGN" "$RAW_SIGN_CPU" sign
  row_max check "/v1/check (one token, cached)" "$RAW_VERIFY" "$RAW_VERIFY_CPU" verify
  row_max introspect "/oauth2/introspect" "$RAW_VERIFY" "$RAW_VERIFY_CPU" verify
  if [[ $PROXY == available ]]; then
    row_max proxy "proxy, GET /proxy/bench/…" "$RAW_VERIFY" "$RAW_VERIFY_CPU" verify
    row_max direct "upstream called directly (its RSS: Airlock's)" 0 0 -
  else
    echo "| proxy | - | - | - | - | - | - | - | - | $PROXY |"
  fi
  echo
  echo "- errors: non-2xx, plus 2xx without the expected body (\`access_token\`, \`\"allowed\":true\`," \
       "\`\"active\":true\`, the upstream's JSON), plus socket errors and timeouts."
  echo "- RSS max: highest VmRSS of the server sampled every 0.25 s during the run."
  echo "- CPU µs/req: CPU time (user + system, every thread: event loops, audit writer, GC, JIT) the server used during" \
       "the run, over the requests it answered (the upstream's, for the direct row). Other load on the machine" \
       "disturbs it far less than req/s and latency. \"CPU ÷ raw op's CPU\" is how many raw signatures (minting) or" \
       "verifications (the rest) one request costs in CPU."
  echo "- wrk's CPU µs/req: the load generator's CPU time (user + system) over the same requests: what it takes of" \
       "the same $CORES cores, and so what is not left for the server."
  [[ ${R[mint_jwt.max.exhausted]:-0} == 0 ]] || echo "- Note: private_key_jwt ran out of pre-generated assertions in some thread."
  echo
  echo "## Half of the maximum rate"
  echo
  echo "Plain wrk cannot hold a rate (wrk2 is not packaged), so the Lua scripts pace themselves: each wrk thread" \
       "sends on its own schedule of evenly spaced slots (wrk's \`delay()\` holds a request until its slot, read from" \
       "CLOCK_MONOTONIC), with all $CONNECTIONS connections available; the rate achieved is shown next to the target." \
       "Latency is wrk's, from sending a request to its answer."
  echo
  echo "| endpoint | target req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | errors |"
  echo "|---|---|---|---|---|---|---|"
  row_paced mint_secret.half "token, client_secret_basic" "${R[mint_secret.target]}"
  row_paced mint_jwt.half "token, private_key_jwt" "${R[mint_jwt.target]}"
  row_paced check.half "/v1/check" "${R[check.target]}"
  row_paced introspect.half "/oauth2/introspect" "${R[introspect.target]}"
  if [[ $PROXY == available ]]; then
    row_paced proxy.half "proxy" "${R[proxy.target]}"
    row_paced direct.sameRate "upstream directly, at the proxy's half rate" "${R[proxy.target]}"
    row_paced proxy.one "proxy, 1 connection, unpaced" "-"
    row_paced direct.one "upstream directly, 1 connection, unpaced" "-"
  fi
  echo
  echo "## Start"
  echo
  echo "| start | process start to /readyz 200 | CPU used until then |"
  echo "|---|---|---|"
  echo "| first start: no class-data archive, new data directory (keys generated) | $COLD_READY_MS ms | $COLD_READY_CPU_MS ms |"
  echo "| measured server: with the archive written by the first start | $READY_MS ms | $READY_CPU_MS ms |"
  echo
  echo "## Targets (issue 5)"
  echo
  echo "| target | measured | |"
  echo "|---|---|---|"
  echo "| minting ≥ 60 % of raw Ed25519 sign, durable audit on | client_secret_basic $(pct "${R[mint_secret.max.rps]}" "$RAW_SIGN"), private_key_jwt $(pct "${R[mint_jwt.max.rps]}" "$RAW_SIGN") (in CPU: $(pct "$RAW_SIGN_CPU" "${R[mint_secret.max.cpu_us]}") and $(pct "$RAW_SIGN_CPU" "${R[mint_jwt.max.cpu_us]}")) | $(verdict "${R[mint_secret.max.rps]} >= 0.6 * $RAW_SIGN") |"
  WORST_P99=0; WORST_NAME=""
  for n in mint_secret mint_jwt check introspect proxy; do
    [[ -n ${R[$n.half.p99_us]:-} ]] || continue
    if (( ${R[$n.half.p99_us]} > WORST_P99 )); then WORST_P99=${R[$n.half.p99_us]}; WORST_NAME=$n; fi
  done
  echo "| p99 ≤ 5 ms at half the maximum rate | worst $(ms "$WORST_P99") ms ($WORST_NAME) | $(verdict "$WORST_P99 <= 5000") |"
  echo "| /v1/check ≥ raw verify rate (verified-token cache) | $(pct "${R[check.max.rps]}" "$RAW_VERIFY") of raw verify (in CPU: $(pct "$RAW_VERIFY_CPU" "${R[check.max.cpu_us]}")) | $(verdict "${R[check.max.rps]} >= $RAW_VERIFY") |"
  if [[ $PROXY == available ]]; then
    ADDED_ONE=$(( ${R[proxy.one.p50_us]} - ${R[direct.one.p50_us]} ))
    ADDED_HALF=$(( ${R[proxy.half.p50_us]} - ${R[direct.sameRate.p50_us]} ))
    echo "| proxy adds ≤ 0.5 ms at p50 | +$(ms "$ADDED_ONE") ms on 1 connection, +$(ms "$ADDED_HALF") ms at the same paced rate | $(verdict "$ADDED_ONE <= 500 && $ADDED_HALF <= 500") |"
    echo "| proxy keeps ≥ 80 % of direct throughput | $(pct "${R[proxy.max.rps]}" "${R[direct.max.rps]}") | $(verdict "${R[proxy.max.rps]} >= 0.8 * ${R[direct.max.rps]}") |"
  else
    echo "| proxy adds ≤ 0.5 ms at p50, keeps ≥ 80 % of direct | $PROXY | not measured |"
  fi
  echo "| ready within 1 s | $READY_MS ms with the class-data archive, $COLD_READY_MS ms on a first start | $(verdict "$READY_MS <= 1000") with, $(verdict "$COLD_READY_MS <= 1000") without |"
  echo "| RSS ≤ 256 MB under load | peak (VmHWM) $HWM_MB MB, $RSS_END_MB MB at the end | $(verdict "$HWM_MB <= 256") |"
  echo
  echo "\"In CPU\": the raw operation's CPU time over the endpoint's CPU time per request, the same ratio read from CPU" \
       "clocks instead of req/s: what the rate ratio would be if the server had every core to itself and no other load."
  echo
  echo "What these $CORES cores allow at best, from this run's own measurements (wrk, the upstream and the server share them):"
  echo
  if [[ $PROXY == available ]]; then
    HTTP_FLOOR=${R[direct.max.cpu_us]}
    echo "- **Minting**: every token costs at least wrk's share (${R[mint_secret.max.gen_us]} µs of CPU per request)," \
         "one signature ($RAW_SIGN_CPU µs) and a bare HTTP exchange (${HTTP_FLOOR} µs: the upstream's CPU per answer)," \
         "so even a server doing nothing else could mint at most" \
         "$(awk -v c="$CORES" -v g="${R[mint_secret.max.gen_us]}" -v s="$RAW_SIGN_CPU" -v h="$HTTP_FLOOR" -v r="$RAW_SIGN" \
           'BEGIN { m = c * 1e6 / (g + s + h); printf "%.0f/s, %.0f %% of the raw sign rate", m, 100 * m / r }')."
    echo "- **Proxy throughput**: a proxied call costs wrk's share, the upstream's answer, and at least one more HTTP" \
         "exchange on each side of the proxy; with this run's direct figures (wrk ${R[direct.max.gen_us]} µs, upstream" \
         "${HTTP_FLOOR} µs per call) a proxy that decided nothing and wrote no audit line would keep at most" \
         "$(awk -v g="${R[direct.max.gen_us]}" -v h="$HTTP_FLOOR" 'BEGIN { printf "%.0f %%", 100 * (g + h) / (g + 3 * h) }')" \
         "of direct throughput. Against a real provider, whose answers take milliseconds of its own time, not this" \
         "machine's CPU, the proxy's cost is a small part of each call."
  fi
  echo "- **Latency of a durable answer**: an answer that waits for its audit line to be on disk waits for an fsync:" \
       "p50 $RAW_FSYNC_P50 µs here, alone on an idle disk. The proxy's added p50 includes one."
  echo
  echo "Per-run wrk output, the raw measurement and the server's log are in \`bench/work/load/\` (not committed)."
} > "$OUT"
log "report written to $OUT"
cat "$OUT"
if [[ $JFR == 1 ]]; then
  for _ in $(seq 100); do kill -0 "$AIRLOCK" 2>/dev/null || break; sleep 0.1; done
  [[ -s $WORK/airlock.jfr ]] && "$BENCH/jfr-top.sh" "$WORK/airlock.jfr" 30 | tee "$WORK/jfr-top.txt"
fi

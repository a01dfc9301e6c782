#!/usr/bin/env bash
# What the MCP gateway costs, one command (issue 15): the same upstream MCP server called through Airlock's gateway
# (/mcp/bench-mcp: token checked, tools/call decided, audit line fsync'd, call re-issued with the provider's
# credential) and called directly, with the same wrk script, on one connection, under load, and at one paced rate;
# latency (p50, p99) and CPU per tools/call of Airlock and of the upstream. Writes bench/results/<date>-mcp-gateway.md.
# Settings (environment variables, with defaults):
#   BENCH_DURATION=15   seconds of each measured run      BENCH_WARMUP=15   seconds of warm-up, each side
#   BENCH_THREADS=2     wrk threads                       BENCH_CONNECTIONS=32 wrk connections under load
#   BENCH_PORT=18490    Airlock's port                    BENCH_UPSTREAM_PORT=18491 the upstream's
#   BENCH_OUT           report path (default bench/results/<UTC date>-mcp-gateway.md)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
WORK=${BENCH_WORK:-$BENCH/work/mcp}
BUILD=${BENCH_BUILD:-$WORK/build}
PORT=${BENCH_PORT:-18490}
UPSTREAM_PORT=${BENCH_UPSTREAM_PORT:-18491}
DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-15}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DATE=$(date -u +%Y-%m-%d)
OUT=${BENCH_OUT:-$BENCH/results/$DATE-mcp-gateway.md}
CORES=$(nproc)
BASE=http://127.0.0.1:$PORT
UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT
GATEWAY=$BASE/mcp/bench-mcp
RESOURCE=vol-stg-0001

log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=lib/maven.sh
source "$BENCH/lib/maven.sh"

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

for tool in java mvn curl awk wrk; do command -v "$tool" >/dev/null || die "$tool is required (wrk: apt-get install wrk)"; done
for p in "$PORT" "$UPSTREAM_PORT"; do
  if { exec 9<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null; then exec 9<&- 9>&-; die "port $p is in use (set BENCH_PORT / BENCH_UPSTREAM_PORT)"; fi
done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$WORK" "$(dirname "$OUT")"
rm -rf "$WORK/data" "$WORK/policy" "$WORK"/wrk-*.txt

log "building airlock.jar and the benchmark helpers into $BUILD"
(cd "$ROOT" && mvn_offline_first 900 -q -DskipTests -Dairlock.build="$BUILD" package) || die "root build failed"
JAR=$BUILD/airlock.jar
mvn_offline_first 600 -q -f "$BENCH/pom.xml" -Dairlock.jar="$JAR" -Dbench.build="$BUILD/bench" package \
  || die "bench build failed"
CP=$BUILD/bench/benchmarks.jar:$JAR

java -cp "$CP" dev.airlock.bench.LoadFixture policy "$WORK/policy" "$UPSTREAM" "$WORK/bench-jwt.jwk" || die "fixture failed"
java -jar "$JAR" lint --policy "$WORK/policy" > "$WORK/lint.txt" 2>&1 || die "generated policy does not lint: $WORK/lint.txt"
SECRET=$(java -jar "$JAR" agent add bench-secret --data "$WORK/data" --policy "$WORK/policy" 2>/dev/null | tail -1)
[[ -n $SECRET ]] || die "agent add printed no secret"
UPSTREAM_TOKEN=bench-upstream-$RANDOM$RANDOM

java -Xmx64m -XX:+UseSerialGC -cp "$CP" dev.airlock.bench.Upstream "$UPSTREAM_PORT" "$UPSTREAM_TOKEN" \
  > "$WORK/upstream.out" 2>&1 &
UPSTREAM_PID=$!
PIDS+=("$UPSTREAM_PID")
SERVE_CMD="java -Xms64m -Xmx112m -XX:+UseSerialGC -jar airlock.jar serve --port $PORT --data DATA --policy POLICY"
BENCH_UPSTREAM_TOKEN=$UPSTREAM_TOKEN java -Xms64m -Xmx112m -XX:+UseSerialGC -jar "$JAR" serve --port "$PORT" \
  --data "$WORK/data" --policy "$WORK/policy" > "$WORK/airlock.out" 2>&1 &
AIRLOCK=$!
PIDS+=("$AIRLOCK")
for _ in $(seq 300); do
  kill -0 "$AIRLOCK" 2>/dev/null || die "Airlock exited: $(tail -5 "$WORK/airlock.out")"
  curl -sf --max-time 1 -o /dev/null "$BASE/readyz" && break
  sleep 0.1
done
curl -sf --max-time 1 -o /dev/null "$BASE/readyz" || die "Airlock not ready within 30 s"

# A token bound to the gateway (RFC 8707 resource), for staging; tokens live 10 minutes there, so one per phase.
gateway_token() {
  curl -sS --max-time 5 -u "bench-secret:$SECRET" -d grant_type=client_credentials -d environment=staging \
    -d scope=volume:read --data-urlencode "resource=$GATEWAY" "$BASE/oauth2/token" \
    | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}
CALL='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_volume","arguments":{"volumeId":"'$RESOURCE'"}}}'
probe() { # url bearer -> the answer's body
  curl -sS --max-time 5 -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25' -d "$CALL" "$1"
}
TOKEN=$(gateway_token); [[ -n $TOKEN ]] || die "could not mint a gateway token"
# The peer measured in the same run: the REST proxy, whose path (token, decision, durable audit line, call with the
# provider's credential) the gateway shares; a token for staging's own audience.
PROXY_URL=$BASE/proxy/bench/v1/volumes/$RESOURCE
proxy_token() {
  curl -sS --max-time 5 -u "bench-secret:$SECRET" -d grant_type=client_credentials -d environment=staging \
    -d scope=volume:read "$BASE/oauth2/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}
PTOKEN=$(proxy_token); [[ -n $PTOKEN ]] || die "could not mint a proxy token"
probe "$GATEWAY" "$TOKEN" > "$WORK/probe-gateway.txt" || true
grep -q size_gb "$WORK/probe-gateway.txt" || die "the gateway did not answer the tool call: $(head -c 400 "$WORK/probe-gateway.txt")"
probe "$UPSTREAM/mcp" "$UPSTREAM_TOKEN" > "$WORK/probe-direct.txt" || true
grep -q size_gb "$WORK/probe-direct.txt" || die "the upstream did not answer directly: $(head -c 400 "$WORK/probe-direct.txt")"

TICK_MS=$(( 1000 / $(getconf CLK_TCK) ))
cpu_ms() { local f; read -r -a f < "/proc/$1/stat" || { echo 0; return; }; echo $(( (f[13] + f[14]) * TICK_MS )); }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
declare -A R
# run NAME URL BEARER CONNECTIONS THREADS SECONDS RATE [SCRIPT]   (RATE 0: as fast as it goes; SCRIPT: mcp.lua)
run() {
  local name=$1 url=$2 bearer=$3 conns=$4 threads=$5 secs=$6 rate=$7 script=${8:-mcp.lua} kv line
  local a0 u0 a1 u1
  a0=$(cpu_ms "$AIRLOCK"); u0=$(cpu_ms "$UPSTREAM_PID")
  BENCH_BEARER="$bearer" BENCH_RESOURCE="$RESOURCE" BENCH_RATE="$rate" BENCH_THREADS="$threads" \
    BENCH_WRK_DIR="$BENCH/wrk" timeout $(( secs + 30 )) wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 2s \
    --latency -s "$BENCH/wrk/$script" "$url" > "$WORK/wrk-$name.txt" 2>&1 || true
  a1=$(cpu_ms "$AIRLOCK"); u1=$(cpu_ms "$UPSTREAM_PID")
  for kv in requests rps p50_us p99_us p999_us non2xx badbody connect read write timeout; do R[$name.$kv]=0; done
  line=$(grep '^RESULT' "$WORK/wrk-$name.txt" || true)
  [[ -n $line ]] || log "wrk printed no result for $name: $(tail -3 "$WORK/wrk-$name.txt")"
  for kv in ${line#RESULT }; do R[$name.${kv%%=*}]=${kv#*=}; done
  local n=${R[$name.requests]}
  R[$name.airlock_us]=$(( n > 0 ? (a1 - a0) * 1000 / n : 0 ))
  R[$name.upstream_us]=$(( n > 0 ? (u1 - u0) * 1000 / n : 0 ))
  R[$name.errors]=$(( R[$name.non2xx] + R[$name.badbody] + R[$name.connect] + R[$name.read] + R[$name.write] + R[$name.timeout] ))
  log "$name: $(printf '%.0f' "${R[$name.rps]}") calls/s, p50 $(ms "${R[$name.p50_us]}") ms, p99 $(ms "${R[$name.p99_us]}") ms, errors ${R[$name.errors]}, CPU per call: Airlock ${R[$name.airlock_us]} us, upstream ${R[$name.upstream_us]} us"
}
half() { awk -v r="$1" 'BEGIN { printf "%.0f", (r >= 2) ? r / 2 : 1 }'; }
ONE_SECONDS=$(( DURATION / 2 + 1 ))

log "warm-up: ${WARMUP}s through the gateway, ${WARMUP}s direct"
run gateway.warmup "$GATEWAY" "$TOKEN" "$CONNECTIONS" "$THREADS" "$WARMUP" 0
run direct.warmup "$UPSTREAM/mcp" "$UPSTREAM_TOKEN" "$CONNECTIONS" "$THREADS" "$WARMUP" 0
run proxy.warmup "$PROXY_URL" "$PTOKEN" "$CONNECTIONS" "$THREADS" $(( WARMUP / 2 + 1 )) 0 proxy.lua
TOKEN=$(gateway_token); [[ -n $TOKEN ]] || die "could not mint a gateway token"
# One connection first (the latency the gateway adds with no queueing), alternating sides.
run gateway.one "$GATEWAY" "$TOKEN" 1 1 "$ONE_SECONDS" 0
run direct.one "$UPSTREAM/mcp" "$UPSTREAM_TOKEN" 1 1 "$ONE_SECONDS" 0
PTOKEN=$(proxy_token); [[ -n $PTOKEN ]] || die "could not mint a proxy token"
run proxy.one "$PROXY_URL" "$PTOKEN" 1 1 "$ONE_SECONDS" 0 proxy.lua
run gateway.max "$GATEWAY" "$TOKEN" "$CONNECTIONS" "$THREADS" "$DURATION" 0
run direct.max "$UPSTREAM/mcp" "$UPSTREAM_TOKEN" "$CONNECTIONS" "$THREADS" "$DURATION" 0
run proxy.max "$PROXY_URL" "$PTOKEN" "$CONNECTIONS" "$THREADS" "$DURATION" 0 proxy.lua
TOKEN=$(gateway_token); [[ -n $TOKEN ]] || die "could not mint a gateway token"
TARGET=$(half "${R[gateway.max.rps]}")
run gateway.paced "$GATEWAY" "$TOKEN" "$CONNECTIONS" "$THREADS" "$DURATION" "$TARGET"
run direct.paced "$UPSTREAM/mcp" "$UPSTREAM_TOKEN" "$CONNECTIONS" "$THREADS" "$DURATION" "$TARGET"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
AUDIT_LINES=$(wc -l < "$WORK/data/audit.log" || echo 0)
kill "$AIRLOCK" 2>/dev/null || true
for _ in $(seq 100); do kill -0 "$AIRLOCK" 2>/dev/null || break; sleep 0.1; done
AUDIT_VERIFY=$(java -jar "$JAR" audit verify --data "$WORK/data" 2>&1 | tail -1 || true)

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
JAVA_VERSION=$(java -version 2>&1 | head -1)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
row() { # label run
  printf '| %s | %.0f | %s | %s | %s | %s | %s | %s |\n' "$1" "${R[$2.rps]}" "$(ms "${R[$2.p50_us]}")" \
    "$(ms "${R[$2.p99_us]}")" "$(ms "${R[$2.p999_us]}")" "${R[$2.errors]}" "${R[$2.airlock_us]}" "${R[$2.upstream_us]}"
}
added() { ms $(( ${R[gateway.$1.$2]} - ${R[direct.$1.$2]} )); }
{
  echo "# MCP gateway against the same upstream called directly, $DATE"
  echo
  echo "- Command: \`bench/mcp-gateway.sh\` (BENCH_DURATION=$DURATION BENCH_WARMUP=$WARMUP BENCH_THREADS=$THREADS" \
       "BENCH_CONNECTIONS=$CONNECTIONS), commit $COMMIT$DIRTY, $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "- Machine: $CORES cores ($CPU), $MEM memory; $JAVA_VERSION. Load average before: $LOAD_BEFORE; after: $LOAD_AFTER."
  echo "- Server: \`$SERVE_CMD\`; durable audit on ($AUDIT_LINES audit lines written; \`airlock audit verify\`:" \
       "$AUDIT_VERIFY). Upstream: \`dev.airlock.bench.Upstream\` (one event loop, fixed JSON answers, MCP at /mcp)."
  echo "- Each call: \`POST\` of one \`tools/call\` (\`get_volume\`, a read tool mapped to \`volume:read\` on the" \
       "volume in \`volumeId\`) with \`wrk/mcp.lua\`, keep-alive. Through the gateway: the Airlock token (bound to" \
       "\`/mcp/bench-mcp\` by RFC 8707) is verified, the call mapped and decided, one audit line written and" \
       "fsync'd (group commit), then Airlock sends its own \`tools/call\` to the upstream with the provider's credential" \
       "and maps the answer back. Directly: the same body to the upstream with the provider's credential."
  echo "- wrk, Airlock and the upstream share the same $CORES cores on loopback."
  echo
  echo "| run | calls/s | p50 ms | p99 ms | p99.9 ms | errors | Airlock CPU µs/call | upstream CPU µs/call |"
  echo "|---|---|---|---|---|---|---|---|"
  row "gateway, 1 connection" gateway.one
  row "direct, 1 connection" direct.one
  row "gateway, $CONNECTIONS connections, unpaced" gateway.max
  row "direct, $CONNECTIONS connections, unpaced" direct.max
  row "gateway, paced at $TARGET/s" gateway.paced
  row "direct, paced at $TARGET/s" direct.paced
  row "peer: REST proxy GET /proxy/bench/…, 1 connection" proxy.one
  row "peer: REST proxy, $CONNECTIONS connections, unpaced" proxy.max
  echo
  echo "**Added by the gateway**: p50 +$(added one p50_us) ms and p99 +$(added one p99_us) ms on one connection;" \
       "p50 +$(added paced p50_us) ms and p99 +$(added paced p99_us) ms at the same paced rate ($TARGET/s);" \
       "**${R[gateway.max.airlock_us]} µs of Airlock's CPU per tools/call** under load" \
       "(${R[gateway.one.airlock_us]} µs on one connection); throughput" \
       "$(awk -v a="${R[gateway.max.rps]}" -v b="${R[direct.max.rps]}" 'BEGIN { printf "%.0f %%", (b > 0) ? 100 * a / b : 0 }')" \
       "of direct on these shared cores. The REST proxy in the same run, the same decision and durable audit line" \
       "in front of the same upstream: p50 $(ms "${R[proxy.one.p50_us]}") ms on one connection," \
       "${R[proxy.max.airlock_us]} µs of Airlock's CPU per call under load."
  echo
  echo "The figure to beat from the issue is a loopback MCP proxy that adds about 50 µs at p50 and decides nothing." \
       "This gateway does three things that proxy does not, each on the path of every call: it verifies an Ed25519" \
       "token signature (cached after the first use of a token), it writes and fsyncs an audit line before answering" \
       "(the durable-append p50 on this disk is in \`bench/results/*-load.md\`, about 0.1 to 0.3 ms), and it re-issues" \
       "the call as a new request instead of relaying bytes. Per-run wrk output is in \`bench/work/mcp/\`."
} > "$OUT"
log "report written to $OUT"
cat "$OUT"

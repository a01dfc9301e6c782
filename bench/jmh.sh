#!/usr/bin/env bash
# Airlock's JMH microbenchmarks, one command: builds airlock.jar and the benchmarks (offline, or
# online where this machine lacks an artifact: bench/lib/maven.sh), runs JMH, and writes
# bench/results/<UTC date>-jmh.md (command, machine, JDK, load, JMH's table). Arguments go to JMH unchanged, e.g.
#   bench/jmh.sh                                   every benchmark with its own settings (about 10 minutes)
#   bench/jmh.sh 'SignVerify' -p alg=EdDSA -t 2    one class, one parameter, two threads
#   bench/jmh.sh -l                                list them
# Settings: BENCH_BUILD (build directory, default bench/work/build), BENCH_OUT (report path).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/maven.sh
source "$ROOT/bench/lib/maven.sh"
BUILD=${BENCH_BUILD:-$ROOT/bench/work/build}
DATE=$(date -u +%Y-%m-%d)
OUT=${BENCH_OUT:-$ROOT/bench/results/$DATE-jmh.md}
mkdir -p "$BUILD" "$(dirname "$OUT")"
# Before anything runs or is written: the load is other processes', not our build's, and the tree is the one measured
# (the report below is itself a tracked file, and truncating it would make any tree look changed).
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo ' (with uncommitted changes)' || true)"
(cd "$ROOT" && mvn_offline_first 900 -q -DskipTests -Dairlock.build="$BUILD" package)
mvn_offline_first 600 -q -f "$ROOT/bench/pom.xml" -Dairlock.jar="$BUILD/airlock.jar" -Dbench.build="$BUILD/bench" package
CP=$BUILD/bench/benchmarks.jar:$BUILD/airlock.jar
if [[ " $* " == *" -l "* || " $* " == *" -h "* ]]; then exec java -cp "$CP" org.openjdk.jmh.Main "$@"; fi
LOG=$BUILD/jmh-$DATE.txt
timeout 7200 java -cp "$CP" org.openjdk.jmh.Main "$@" | tee "$LOG"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# JMH microbenchmarks, $DATE"
  echo
  echo "- Command: \`bench/jmh.sh${*:+ $*}\` (JMH 1.37), commit $COMMIT, $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "- Machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.1f GiB memory", $2 / 1048576 }' /proc/meminfo); $(java -version 2>&1 | head -1)."
  echo "- Load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER$(awk -v l="${LOAD_BEFORE%% *}" -v c="$(nproc)" 'BEGIN { if (l >= 0.25 * c) printf "; **other load was present**, expect wide errors" }')."
  echo "- One thread unless the command says otherwise: ops/s is per core. What each benchmark measures: bench/README.md."
  echo
  echo '```'
  sed -n '/^Benchmark /,$p' "$LOG"
  echo '```'
} > "$OUT"
echo "report written to $OUT"

#!/usr/bin/env bash
# Summarises a JFR recording's CPU samples (jdk.ExecutionSample): the hottest leaf frames (where time is spent) and
# the hottest Airlock frames counted inclusively (which of our steps it is spent under). Recordings come from
# `BENCH_JFR=1 bench/run.sh` (bench/work/load/airlock.jfr) or any -XX:StartFlightRecording. Needs the JDK's `jfr`.
#   bench/jfr-top.sh FILE.jfr [N]
set -euo pipefail
FILE=${1:?usage: bench/jfr-top.sh FILE.jfr [N]}
N=${2:-25}
STACKS=$(mktemp)
trap 'rm -f "$STACKS"' EXIT
# One line per sample, frames root-first, joined by ';' (method names without signatures or line numbers).
jfr print --stack-depth 256 --events jdk.ExecutionSample "$FILE" | awk '
  /stackTrace = \[/ { inside = 1; n = 0; next }
  inside && /^[ \t]*\]/ { inside = 0; s = ""; for (i = n; i >= 1; i--) s = s (s == "" ? "" : ";") f[i]; print s; next }
  inside { l = $0; sub(/^[ \t]+/, "", l); sub(/[ \t]*line:.*/, "", l); sub(/\(.*\)/, "", l); f[++n] = l }' > "$STACKS"
TOTAL=$(wc -l < "$STACKS")
echo "$TOTAL CPU samples in $FILE"
echo
echo "Leaf frames (self time):"
awk -F';' '{ print $NF }' "$STACKS" | sort | uniq -c | sort -rn | head -"$N" \
  | awk -v t="$TOTAL" '{ printf "  %5.1f%%  %s\n", 100 * $1 / t, $2 }'
echo
echo "Airlock frames (inclusive):"
awk -F';' '{ delete seen; for (i = 1; i <= NF; i++) if ($i ~ /^dev\.airlock\./ && !($i in seen)) { seen[$i] = 1; c[$i]++ } }
  END { for (k in c) print c[k], k }' "$STACKS" | sort -rn | head -"$N" \
  | awk -v t="$TOTAL" '{ printf "  %5.1f%%  %s\n", 100 * $1 / t, $2 }'

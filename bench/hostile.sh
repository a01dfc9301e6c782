#!/usr/bin/env bash
# Hostile-input harness, full run (issue 5, item 5): 50,000 generated and mutated requests from a seeded generator
# against every endpoint of the shipped jar running as its own process (proxy included, in front of a local upstream),
# then 300 slow clients for 40 s. No answer >= 500, no 'internal error' in the server's log, the process alive and
# serving throughout, RSS bounded. Writes bench/results/<date>-hostile.md. Takes about 5 minutes on 2 cores.
#
#   bench/hostile.sh                                  # build and run (a new random seed, printed)
#   bench/hostile.sh -o -Dairlock.seed=42             # replay a seed (extra Maven arguments pass through)
#   bench/hostile.sh -Dairlock.seed=42 -Dairlock.hostile.from=1234 -Dairlock.hostile.requests=1   # one request
#   AIRLOCK_BUILD=/tmp/b bench/hostile.sh             # build somewhere else than target/
set -euo pipefail
cd "$(dirname "$0")/.."
build="${AIRLOCK_BUILD:-$PWD/target}"
out="$PWD/bench/results/$(date +%F)-hostile.md"
mvn -B -ntp -q -Dairlock.build="$build" verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=HostileInputIT -Dairlock.harness=full -Dairlock.harness.results="$out" "$@"
cat "$out"
echo "results: ${out#"$PWD"/}"

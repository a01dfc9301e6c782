#!/usr/bin/env bash
# Fault suite, full run (issue 13, must-show 9): the shipped jar as its own process on loopback, through each fault of
# issue 13 at full size, in order: (1) disk full on a real 4 MiB tmpfs under mixed load for 20 s, then freed;
# (2) torn tails: 10 kill -9 under load, a torn line appended to the journal and/or audit log each time, restart;
# (3) lock files deleted every 100 ms while the server takes load and the CLI writes; (4) clock steps: skipped, the
# server has no clock seam (covered in-process by ClockStepTest); (5) 3,000 slow connections over 20 s against a
# server under `ulimit -n 512`; (6) one agent filing and cancelling grants for 60 s with the shipped heap, then a
# restart with it. Prints a table (scenario, injected, requests, answers by status, 5xx other than 503, acknowledged
# changes missing, `audit verify`, recovered, time) and writes bench/results/<date>-faults.md. About 5 minutes on 2
# cores. Scenario 1 needs root (mount); without it the row says SKIPPED.
#
#   bench/faults.sh                                    # build and run
#   bench/faults.sh -o -Dairlock.faults.only=1,5       # extra Maven arguments: offline, some scenarios only
#   bench/faults.sh -Dairlock.faults.churnSeconds=30   # sizes: diskSeconds, tornRounds, lockPairs, slowSeconds, slowTotal
#   AIRLOCK_BUILD=/tmp/b bench/faults.sh               # build somewhere else than target/
set -euo pipefail
cd "$(dirname "$0")/.."
build="${AIRLOCK_BUILD:-$PWD/target}"
out="$PWD/bench/results/$(date +%F)-faults.md"
mvn -B -ntp -q -Dairlock.build="$build" verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=FaultSuiteIT -Dairlock.harness=full -Dairlock.harness.results="$out" "$@"
cat "$out"
echo "results: ${out#"$PWD"/}"

#!/usr/bin/env bash
# Crash harness, full run (issue 5, item 4): the shipped jar as its own process under mixed load (mint, revoke, grant
# requests, TOTP approvals, denials, cancellations, redemptions, one-shot uses, CLI freezes), kill -9 at random moments
# 25 times, restart each time; acknowledged operations missing afterwards must be 0 and `airlock audit verify` must
# pass after every restart. Writes bench/results/<date>-crash.md. Takes about 5 minutes on 2 cores.
#
#   bench/crash.sh                       # build and run
#   bench/crash.sh -o -Dairlock.seed=42  # extra Maven arguments: offline, replay a seed, -Dairlock.crash.kills=N
#   AIRLOCK_BUILD=/tmp/b bench/crash.sh  # build somewhere else than target/ (side-by-side checkouts)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${AIRLOCK_BUILD:-$PWD/target}"
out="$PWD/bench/results/$(date +%F)-crash.md"
mvn -B -ntp -q -Dairlock.build="$build" verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=CrashHarnessIT -Dairlock.harness=full -Dairlock.harness.results="$out" "$@"
cat "$out"
echo "results: ${out#"$PWD"/}"

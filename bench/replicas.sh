#!/usr/bin/env bash
# Issue 14, must-shows 4 and 5 at full size: three `airlock serve --store postgresql://…` processes of the shipped jar
# on one embedded PostgreSQL (in the test JVM). ReplicasIT: 1,000 rounds of mint on a random replica, revoke on
# another, poll /v1/check on the other two until refused (p50/p95/p99/max of the delay), plus freeze, one-shot grant
# and assertion replay across replicas. ReplicasFaultIT: 5 rounds of PostgreSQL stopped and started again and one
# replica killed with SIGKILL, under mixed load on all three; nothing acknowledged may be lost. Writes
# bench/results/<date>-replicas.md (machine, command, commit, both tables). About 5 minutes on 2 cores.
#
#   bench/replicas.sh                                      # build (offline if it can, online otherwise) and run
#   bench/replicas.sh -Dairlock.replicas.rounds=200        # sizes: .rounds, .faultRounds, .phaseMillis
#   bench/replicas.sh -Dairlock.seed=42                    # replay a run's choices
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/bench/results/$(date -u +%F)-replicas.md"
args=(-B -ntp -q verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='ReplicasIT,ReplicasFaultIT'
  -Dfailsafe.failIfNoSpecifiedTests=false -Dairlock.harness=full "$@")
rm -f target/replicas-propagation.md target/replicas-faults.md
# Offline first; online only if offline resolution was what failed (a fresh machine), never to retry a failed test.
# shellcheck source=lib/maven.sh
source bench/lib/maven.sh
status=0
mvn_offline_first 14400 "${args[@]}" || status=$?
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo "+dirty")
{
  echo "# Three replicas on one PostgreSQL: propagation and faults ($(date -u +%F))"
  echo
  echo "- Machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(java -version 2>&1 | head -1)"
  echo "- Command: \`bench/replicas.sh $*\` (mvn verify -Dit.test=ReplicasIT,ReplicasFaultIT -Dairlock.harness=full); commit $commit; exit $status"
  echo
  cat target/replicas-propagation.md 2>/dev/null || echo "(ReplicasIT wrote no report: see target/failsafe-reports)"
  echo
  cat target/replicas-faults.md 2>/dev/null || echo "(ReplicasFaultIT wrote no report: see target/failsafe-reports)"
} > "$out"
cat "$out"
echo "results: ${out#"$PWD"/}"
exit "$status"

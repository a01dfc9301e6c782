# Sourced by the bench scripts (bench/run.sh, bench/jmh.sh, bench/replicas.sh, bench/replicas-load.sh): their one way
# to call Maven. Offline first: fast, no network, and the cache this machine already has. Online only when offline
# resolution is what failed, on a fresh machine where JMH or a plugin was never downloaded (issue 16: bench/run.sh and
# bench/jmh.sh failed there); never to retry a build or a test that failed on its own, which would only run it twice.
#
#   mvn_offline_first SECONDS [maven arguments...]    (-B -ntp are added; Maven's output goes to standard error)
mvn_offline_first() {
  local seconds=$1 log status=0
  shift
  log=$(mktemp)
  timeout "$seconds" mvn -o -B -ntp "$@" 2>&1 | tee "$log" >&2 || status=${PIPESTATUS[0]}
  if (( status != 0 )) && grep -q 'offline mode' "$log"; then
    echo "mvn: artifacts missing from the local repository; resolving them online" >&2
    status=0
    timeout "$seconds" mvn -B -ntp "$@" >&2 || status=$?
  fi
  rm -f "$log"
  return "$status"
}

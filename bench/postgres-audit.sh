#!/bin/sh
# Audit throughput of the PostgreSQL store on this machine (issue 14): one replica, the embedded PostgreSQL
# (zonky, synchronous_commit on), group-committed decisions and one-transaction audited changes.
# Usage: bench/postgres-audit.sh [events] [in-flight]     (from the repository root, after 'mvn test-compile')
set -eu
cp_file=$(mktemp)
mvn -B -ntp -o -q dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
java -cp "target/test-classes:target/classes:$(cat "$cp_file")" dev.airlock.store.postgres.PgAuditThroughput "$@"
rm -f "$cp_file"

#!/usr/bin/env bash
# Runs the README's test command N times in a row (default 5) from a fresh clone of this
# repository's HEAD, with a new target dir, as CI=true, and prints one line per run plus a total.
# Usage: .ci/fresh-clone-runs.sh [N]   (as root, so the network-namespace tests run)
set -uo pipefail
n=${1:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/keepalived-rs-fresh.XXXXXX)
git clone -q "$src" "$dir/repo"
cd "$dir/repo" || exit 1
echo "fresh clone of $(git rev-parse --short HEAD) in $dir/repo; load: $(cut -d' ' -f1-3 /proc/loadavg)"
pass=0
for i in $(seq 1 "$n"); do
    start=$(date +%s)
    if CI=true CARGO_TARGET_DIR="$dir/target" cargo test --workspace --locked >"$dir/run$i.log" 2>&1; then
        res=pass; pass=$((pass + 1))
    else
        res=FAIL
    fi
    tests=$(grep -o '^test result: [a-zA-Z]*\. [0-9]* passed; [0-9]* failed' "$dir/run$i.log" |
        awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')
    echo "run $i: $res in $(( $(date +%s) - start )) s ($tests; load $(cut -d' ' -f1-3 /proc/loadavg)); log $dir/run$i.log"
done
echo "$pass/$n runs green"
[ "$pass" -eq "$n" ]

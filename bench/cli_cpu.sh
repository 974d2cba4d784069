#!/bin/bash
# CPU of `halab-cli run` at 2,000 samples/s: bench/cli_cpu.sh BUILD_DIR [extra halab-cli args]
# Prints the CLI's CPU (percent of one core) between 12 s and 37 s after launch, and the verdict.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: cli_cpu.sh BUILD_DIR}
shift
store=$(mktemp -d)/runs.db
"$build/bin/halab-cli" run "$here/cli-cpu.halab.yaml" --store "$store" "$@" > "$store.log" 2>&1 &
pid=$!
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$pid/stat"; }
sleep 12; c1=$(cpu); t1=$(date +%s.%N)
sleep 25; c2=$(cpu); t2=$(date +%s.%N)
echo "halab-cli CPU: $(echo "scale=1; 100*($c2-$c1)/$tck/($t2-$t1)" | bc)% of a core; load $(cut -d' ' -f1-3 /proc/loadavg)"
wait "$pid" || true
grep -E '^\[' "$store.log" | cut -c1-300

#!/usr/bin/env bash
# A short, repeatable fuzz run (the suite's fuzz_* tests):
#   smoke.sh FUZZER SEEDS SCRATCH RUNS SECONDS [DICT]
# runs FUZZER for RUNS inputs or SECONDS seconds, whichever ends first, with a fixed libFuzzer
# seed, starting from a copy of SEEDS;
# new inputs and crash artifacts go to SCRATCH (emptied first), never into SEEDS.
set -euo pipefail
fuzzer=$1 seeds=$2 scratch=$3 runs=$4 seconds=$5 dict=${6:-}
rm -rf "$scratch"
mkdir -p "$scratch/corpus" "$scratch/seeds"
cp -R "$seeds/." "$scratch/seeds/"
args=(-runs="$runs" -max_total_time="$seconds" -seed=1 -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
      -artifact_prefix="$scratch/")
[ -n "$dict" ] && [ -f "$dict" ] && args+=(-dict="$dict")
exec "$fuzzer" "${args[@]}" "$scratch/corpus" "$scratch/seeds"

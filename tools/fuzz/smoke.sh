#!/usr/bin/env bash
# A short, repeatable fuzz run (the suite's fuzz_* tests):
#   smoke.sh FUZZER SEEDS SCRATCH RUNS [DICT]
# runs FUZZER for RUNS inputs (the copied seeds count among them) with a fixed libFuzzer
# seed, starting from a copy of SEEDS, with no time limit: the same inputs run however
# loaded the machine is; new inputs and crash artifacts go to SCRATCH (emptied first), never
# into SEEDS.
set -euo pipefail
fuzzer=$1 seeds=$2 scratch=$3 runs=$4 dict=${5:-}
rm -rf "$scratch"
mkdir -p "$scratch/corpus" "$scratch/seeds"
cp -R "$seeds/." "$scratch/seeds/"
args=(-runs="$runs" -seed=1 -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
      -artifact_prefix="$scratch/")
[ -n "$dict" ] && [ -f "$dict" ] && args+=(-dict="$dict")
exec "$fuzzer" "${args[@]}" "$scratch/corpus" "$scratch/seeds"

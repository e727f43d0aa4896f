#!/usr/bin/env bash
# Proves that fuzz reproducers replay (the suite's fuzz_reproducers test):
#   replay_seeds.sh FUZZER_DIR SEEDS VTDSIM OUT
# For every seed input of the unit, queue and interrupt targets, the target writes the
# scenario YAML (--write-scenario), then `vtdsim run` must pass it (exit 0: every expectation,
# which is what the fuzzer observed, holds on replay) and `vtdsim explain` must explain it.
# A page request the scenario `page_request` step cannot express is a comment line
# (`# page_request: ...`): such a transcript is replayed up to the first one.
set -euo pipefail
fuzzers=$1 seeds=$2 vtdsim=$3 out=$4
rm -rf "$out"
mkdir -p "$out"
count=0
prefixes=0
for target in unit queue interrupt; do
  for seed in "$seeds/$target"/*; do
    yaml="$out/$target-$(basename "$seed").yaml"
    "$fuzzers/vtd_${target}_fuzzer" --write-scenario="$yaml" "$seed" >"$out/log" 2>&1 || {
      cat "$out/log"
      echo "replay_seeds: vtd_${target}_fuzzer failed on $seed" >&2
      exit 1
    }
    first_pr=$(grep -n -m1 '^  # page_request:' "$yaml" | cut -d: -f1 || true)
    if [ -n "$first_pr" ]; then
      head -n $((first_pr - 1)) "$yaml" >"$yaml.prefix"
      mv "$yaml.prefix" "$yaml"
      prefixes=$((prefixes + 1))
    fi
    if ! "$vtdsim" run "$yaml" >"$out/run.txt" 2>&1; then
      cat "$out/run.txt"
      echo "replay_seeds: vtdsim run $yaml did not pass" >&2
      exit 1
    fi
    "$vtdsim" explain "$yaml" >"$out/explain.txt" 2>&1 || {
      cat "$out/explain.txt"
      echo "replay_seeds: vtdsim explain $yaml failed" >&2
      exit 1
    }
    count=$((count + 1))
  done
done
[ "$count" -gt 0 ] || { echo "replay_seeds: no seeds in $seeds" >&2; exit 1; }
echo "replay_seeds: $count reproducers replayed ($prefixes up to their first page request)"

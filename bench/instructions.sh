#!/usr/bin/env bash
# Instructions per iteration of one benchmark under callgrind (independent of machine load):
# the benchmark runs twice with different minimum times (0.05 and 0.5 s), and the difference
# of the two programs' instruction totals is divided by the difference of their iteration
# counts, so start-up cancels out and the benchmark loop itself is included. Google Benchmark
# runs a benchmark's set-up once per trial and the two runs may differ by a trial: figures
# move by a few instructions between runs (less the longer the runs).
#
#   bash bench/instructions.sh build/rel/bench/unit_bench 'BM_UnitIotlbHitLean$'
set -euo pipefail
bin=$1
filter=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$bin" \
    --benchmark_filter="$filter" --benchmark_min_time="$1" --benchmark_format=json \
    >"$tmp/out.json" 2>/dev/null
  python3 - "$tmp/out.json" "$tmp/cg.out" <<'PY'
import json, re, sys
iterations = json.load(open(sys.argv[1]))["benchmarks"][0]["iterations"]
total = 0
for line in open(sys.argv[2]):
    m = re.match(r"(summary|totals): (\d+)", line)
    if m:
        total = int(m.group(2))
print(iterations, total)
PY
}
read -r i1 t1 < <(run 0.05)
read -r i2 t2 < <(run 0.5)
python3 -c "print('$filter', round(($t2 - $t1) / ($i2 - $i1), 1))"

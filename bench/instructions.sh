#!/usr/bin/env bash
# Instructions per iteration of one benchmark under callgrind (independent of machine load):
# the benchmark runs twice with different minimum times (0.05 and 0.5 s), and the difference
# of the two programs' instruction totals is divided by the difference of their iteration
# counts, so start-up cancels out and the benchmark loop itself is included. The iterations
# are those of every run Google Benchmark made (its --v=2 log), not only the last one it
# reports: the runs before it that sized the iteration count execute the loop too. What is
# left is the benchmark's set-up, once per run: figures move by a fraction of an instruction.
#
#   bash bench/instructions.sh build/rel/bench/unit_bench 'BM_UnitIotlbHitLean$'
set -euo pipefail
bin=$1
filter=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$bin" \
    --benchmark_filter="$filter" --benchmark_min_time="$1" --v=2 >"$tmp/out.txt" 2>&1
  python3 - "$tmp/out.txt" "$tmp/cg.out" <<'PY'
import re, sys
iterations = sum(int(m.group(1)) for m in re.finditer(r"LOG\(2\): Running \S+ for (\d+)",
                                                       open(sys.argv[1]).read()))
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

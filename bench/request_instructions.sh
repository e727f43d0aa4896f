#!/usr/bin/env bash
# Instructions per request of a RemappingUnit benchmark that misses the hot entries (walks),
# under callgrind, with the set-up left out: the inclusive cost of the benchmark loop
# (CycleRequests) divided by the number of requests made from it: RemappingUnit::RunRequest
# calls (Dma) and TranslateThroughOutcome calls (the lean Translate, which runs the request
# inside). instructions.sh differences two whole runs instead, which also counts the
# benchmark's set-up once per trial: for a set-up as large as a 256-page walk's, one trial
# more or less moves its figure by hundreds of instructions.
#
#   bash bench/request_instructions.sh build/rel/bench/unit_bench 'BM_UnitPscWarmWalk$'
set -euo pipefail
bin=$1
filter=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" --compress-strings=no \
  --compress-pos=no "$bin" --benchmark_filter="$filter" --benchmark_min_time=0.2 \
  >/dev/null 2>&1
callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.out" >"$tmp/ann.txt" 2>/dev/null
loop=$(awk '/CycleRequests</ && !done {gsub(",", "", $1); print $1; done = 1}' "$tmp/ann.txt")
python3 - "$tmp/cg.out" "$filter" "$loop" <<'PY'
import re, sys
calls, fn, cfn = 0, "", ""
for line in open(sys.argv[1]):
    if line.startswith("fn="):
        fn = line
    elif line.startswith("cfn="):
        cfn = line
    elif (line.startswith("calls=") and "Setup" not in fn and
          (re.search(r"RemappingUnit::RunRequest[(<]", cfn) and "TranslateThroughOutcome" not in fn
           or "RemappingUnit::TranslateThroughOutcome(" in cfn)):
        calls += int(line.split()[0][len("calls="):])
if calls == 0:
    sys.exit("no RunRequest calls in the loop (a benchmark answered by hot entries?)")
print("%s %.1f" % (sys.argv[2], int(sys.argv[3]) / calls))
PY

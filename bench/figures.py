#!/usr/bin/env python3
"""Runs every benchmark binary and prints bench/README.md's figures table (Markdown).

  python3 bench/figures.py BUILD_DIR [--repetitions=5] [--min-time=0.5] [--runs=1] > figures.md

Each binary BUILD_DIR/bench/*_bench runs with --benchmark_repetitions and
--benchmark_report_aggregates_only; the table shows the median CPU time per item and, where
a benchmark has a floor (FLOORS below), the floor's median and the ratio to it.

--runs=N runs every binary N times, in rounds (all binaries once, then again), and keeps for
each benchmark the lowest of its N medians. A shared machine now and then runs a whole binary
slower for a minute, floors included; one round can then show a goal as missed that every
quiet round meets. Slowdowns only ever add time, so the lowest median is the quiet one.
Standard library only.
"""
import glob
import json
import os
import subprocess
import sys

# benchmark -> (floor benchmark, target ratio or None, what the floor stands for)
FLOORS = {
    "BM_UnitIotlbHit": ("BM_Floor_HashMapLookup/128", 3.0, "bare hash-map lookup"),
    "BM_UnitIotlbHit64Pages": ("BM_Floor_HashMapLookup/128", 3.0, "bare hash-map lookup"),
    "BM_UnitIotlbHitOutParam": ("BM_Floor_HashMapLookup/128", 3.0, "bare hash-map lookup"),
    "BM_UnitIotlbHit64PagesOutParam": ("BM_Floor_HashMapLookup/128", 3.0,
                                       "bare hash-map lookup"),
    "BM_TimingOn_IotlbHit": ("BM_TimingOff_IotlbHit", 1.25, "the same with timing off"),
    "BM_TimingOn_ColdWalk4Level": ("BM_TimingOff_ColdWalk4Level", 1.25,
                                   "the same with timing off"),
    # A cold walk reads root + context + one entry per level.
    "BM_UnitColdWalkNoCaches": ("BM_Floor_DependentLoads/6", 3.0, "6 dependent loads"),
    "BM_UnitColdWalk/3": ("BM_Floor_SameMemoryWalkLoads/3", None, "its 5 loads, same memory"),
    "BM_UnitColdWalk/4": ("BM_Floor_SameMemoryWalkLoads/4", 3.0, "its 6 loads, same memory"),
    "BM_UnitColdWalkOutParam/4": ("BM_Floor_SameMemoryWalkLoads/4", 3.0,
                                  "its 6 loads, same memory"),
    "BM_UnitColdWalkNoCachesOutParam": ("BM_Floor_DependentLoads/6", 3.0, "6 dependent loads"),
    "BM_UnitColdWalk/5": ("BM_Floor_SameMemoryWalkLoads/5", None, "its 7 loads, same memory"),
    # A context-cached 4-level walk reads its 4 paging entries; a PSC-warm one only the PTE.
    "BM_UnitWalk4LevelContextCached": ("BM_Floor_DependentLoads/4", 3.0, "4 dependent loads"),
    "BM_UnitPscWarmWalk": ("BM_Floor_DependentLoads/1", 3.0, "1 dependent load"),
    "BM_LegacyTranslate4Level": ("BM_Floor_DependentLoads/6", None, "6 dependent loads"),
    "BM_SecondStageWalk4Level": ("BM_Floor_HostMemory4DependentLoads", None,
                                 "4 loads via HostMemory"),
    "BM_UnitPassThrough": ("BM_Floor_HashMapLookup/128", 5.0, "bare hash-map lookup"),
    "BM_RemapInterrupt": ("BM_Floor_DependentLoads/1", None, "1 dependent load"),
    # The lean result (RemappingUnit::Translate): the same paths without the full outcome.
    "BM_UnitIotlbHitLean": ("BM_Floor_HashMapLookup/128", 3.0, "bare hash-map lookup"),
    "BM_UnitIotlbHit64PagesLean": ("BM_Floor_HashMapLookup/128", 3.0, "bare hash-map lookup"),
    "BM_UnitColdWalkNoCachesLean": ("BM_Floor_DependentLoads/6", 3.0, "6 dependent loads"),
    "BM_UnitPassThroughLean": ("BM_Floor_HashMapLookup/128", 5.0, "bare hash-map lookup"),
    # Scalable mode: each walk beside its own entry reads from the same memory.
    "BM_ScalableColdWalkNoCaches": ("BM_Floor_ScalableColdLoads", 3.0,
                                    "its 9 entry reads, same memory"),
    "BM_ScalablePasidCacheWarmWalk": ("BM_Floor_ScalableWarmLoads", 3.0,
                                      "its 4 paging reads, same memory"),
    "BM_ScalableIotlbHitWithPasid": ("BM_Floor_HashMapLookup/128", 3.0, "bare hash-map lookup"),
    # First-stage and nested cold walks (no unit) beside their own dependent loads.
    "BM_ColdWalk/FirstStage4Level": ("BM_Floor_FirstStageWalkLoads/4", 3.0,
                                     "its 4 loads, same memory"),
    "BM_ColdWalk/Nested4Plus4Level": ("BM_Floor_FirstStageWalkLoads/24", 3.0,
                                      "its 24 loads, same memory"),
    "BM_FirstStageWriteSetsDirty": ("BM_Floor_FirstStageWriteLoadsAndUpdate", None,
                                    "its loads and one locked update"),
    # Walks, lean form; and what a PSC-warm walk must at least do (context and PSC hash
    # lookups and the load) beside the load alone.
    "BM_UnitWalk4LevelContextCachedLean": ("BM_Floor_DependentLoads/4", 3.0,
                                           "4 dependent loads"),
    "BM_UnitPscWarmWalkLean": ("BM_Floor_DependentLoads/1", 3.0, "1 dependent load"),
    "BM_Floor_PscWarmWalk": ("BM_Floor_DependentLoads/1", None, "1 dependent load"),
    # The scalable walks through the lean Translate.
    "BM_ScalableColdWalkNoCachesLean": ("BM_Floor_ScalableColdLoads", 3.0,
                                        "its 9 entry reads, same memory"),
    "BM_ScalablePasidCacheWarmWalkLean": ("BM_Floor_ScalableWarmLoads", 3.0,
                                          "its 4 paging reads, same memory"),
}


def run(binary, repetitions, min_time):
    out = subprocess.run(
        [binary, "--benchmark_format=json", "--benchmark_repetitions=%d" % repetitions,
         "--benchmark_report_aggregates_only=true", "--benchmark_min_time=%s" % min_time],
        check=True, capture_output=True, text=True).stdout
    results = {}
    for b in json.loads(out)["benchmarks"]:
        # One repetition reports no aggregates: its one run is the median.
        wanted = b.get("run_type") == "iteration" if repetitions == 1 else (
            b.get("aggregate_name") == "median")
        if not wanted:
            continue
        name = b["run_name"]
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
        results[name] = b["cpu_time"] * scale
    return results


def fmt(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f us" % (ns / 1e3)
    return "%.1f ns" % ns


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    repetitions, min_time, runs = 5, "0.5", 1
    for a in argv[2:]:
        if a.startswith("--repetitions="):
            repetitions = int(a.split("=", 1)[1])
        elif a.startswith("--min-time="):
            min_time = a.split("=", 1)[1]
        elif a.startswith("--runs="):
            runs = int(a.split("=", 1)[1])
        else:
            sys.stderr.write("unknown option %s\n%s" % (a, __doc__))
            return 2
    if runs < 1 or repetitions < 1:
        sys.stderr.write("--runs and --repetitions must be at least 1\n")
        return 2
    binaries = sorted(glob.glob(os.path.join(argv[1], "bench", "*_bench")))
    if not binaries:
        sys.stderr.write("no benchmark binaries in %s\n" % os.path.join(argv[1], "bench"))
        return 2
    results = {}
    order = []
    for round_index in range(runs):
        for binary in binaries:
            r = run(binary, repetitions, min_time)
            for name, ns in r.items():
                if name not in results:
                    order.append((os.path.basename(binary), name))
                    results[name] = ns
                else:
                    results[name] = min(results[name], ns)
    print("| binary | benchmark | median CPU time | floor | floor time | ratio | target |")
    print("|---|---|---:|---|---:|---:|---:|")
    for binary, name in order:
        row = [binary, "`%s`" % name, fmt(results[name]), "", "", "", ""]
        if name in FLOORS:
            floor, target, what = FLOORS[name]
            if floor in results:
                ratio = results[name] / results[floor]
                row[3] = "%s (`%s`)" % (what, floor)
                row[4] = fmt(results[floor])
                row[5] = "%.2fx" % ratio
                if target is not None:
                    row[6] = "%.2fx %s" % (target, "met" if ratio <= target else "NOT met")
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

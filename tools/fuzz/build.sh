#!/usr/bin/env bash
# Builds the fuzz targets the way OSS-Fuzz and ClusterFuzzLite expect (README "Fuzzing"):
#
#   CC=clang CXX=clang++ CFLAGS=... CXXFLAGS=... LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#     OUT=/out bash tools/fuzz/build.sh
#
# Honours $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizers and coverage come from them) and
# $LIB_FUZZING_ENGINE (linked into each target; the libraries are not given
# -fsanitize=fuzzer by the build). Without $LIB_FUZZING_ENGINE it builds for local use: clang's
# libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer. Only the fuzzers are built
# (no tests, no benchmarks). Into $OUT (default build/fuzz-out) go, per target
# vtd_NAME_fuzzer: the binary, NAME.options, NAME.dict and NAME_seed_corpus.zip (from
# scenarios/, the seed programs and the DMAR corpus of $VTD_SHARED_DIR, binary tables only).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$src/build/fuzz-out}
build=${VTD_FUZZ_BUILD_DIR:-${WORK:-$src/build}/fuzz-build}
shared=${VTD_SHARED_DIR:-$src/../shared}
engine=${LIB_FUZZING_ENGINE:-}

args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DVTD_FUZZ=ON -DVTD_BUILD_TESTS=OFF
      -DVTD_BUILD_BENCH=OFF "-DVTD_SHARED_DIR=$shared"
      "-DCMAKE_CXX_COMPILER=${CXX:-clang++}" "-DCMAKE_CXX_FLAGS=${CXXFLAGS:-}"
      "-DVTD_FUZZING_ENGINE=$engine")
# Local use: no CXXFLAGS from a fuzzing infrastructure, so sanitize here.
[ -z "$engine" ] && [ -z "${CXXFLAGS:-}" ] && args+=(-DVTD_SANITIZE=ON)
command -v ninja >/dev/null 2>&1 && args+=(-G Ninja)

cmake -S "$src" -B "$build" "${args[@]}" >/dev/null
targets=(vtd_fuzz_seed_corpora)
names=(dmar acpidump scenario unit queue interrupt)
for n in "${names[@]}"; do targets+=("vtd_${n}_fuzzer"); done
cmake --build "$build" -j "${VTD_JOBS:-2}" --target "${targets[@]}"

mkdir -p "$out"
seeds=$build/tests/fuzz/seeds
for n in "${names[@]}"; do
  t=vtd_${n}_fuzzer
  cp "$build/tests/fuzz/$t" "$out/$t"
  cp "$src/tools/fuzz/$n.options" "$out/$t.options"
  cp "$src/tools/fuzz/$n.dict" "$out/$t.dict"
  rm -f "$out/${t}_seed_corpus.zip"
  if [ -n "$(ls -A "$seeds/$n" 2>/dev/null)" ]; then
    (cd "$seeds/$n" && zip -q -r "$out/${t}_seed_corpus.zip" .)
  fi
done
echo "build.sh: fuzz targets in $out" >&2

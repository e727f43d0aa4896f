#!/usr/bin/env bash
# vtdsim set-up, build, demo and test, in one script (the README's two commands).
#
#   bash tools/dev.sh demo   install what is missing, build, run the main job
#   bash tools/dev.sh test   install what is missing, build with ASan+UBSan, run every test
#   bash tools/dev.sh build  install what is missing and build the release tree only
#
# Works on a fresh Debian 12 machine with a compiler and CMake, as root or with sudo.
# Re-running is cheap: packages already present are not reinstalled and builds are
# incremental (build/release and build/test under the checkout).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${VTD_JOBS:-2}

# clang and libclang-rt-14-dev (libFuzzer) so the test tree always builds the fuzz targets;
# librsvg2-bin (rsvg-convert) renders the explanation drawings in the tests.
packages=(cmake g++ ninja-build libabsl-dev libyaml-cpp-dev libgtest-dev libgmock-dev
          libbenchmark-dev clang libclang-rt-14-dev librsvg2-bin)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dev.sh: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Configures (once) and builds one tree. Extra arguments go to cmake at configure time.
build_tree() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$jobs"
}

build_release() {
  build_tree build/release -DCMAKE_BUILD_TYPE=Release -DVTD_BUILD_TESTS=OFF
}

# The test tree uses clang when it can build libFuzzer targets with sanitizers (the fuzz
# targets then run briefly as part of the suite, ctest fuzz_*); otherwise the default compiler,
# without fuzzing.
test_compiler_args() {
  if command -v clang++ >/dev/null 2>&1; then
    local probe
    probe=$(mktemp -d)
    echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
      >"$probe/p.cc"
    if clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cc" -o "$probe/p" >/dev/null 2>&1; then
      rm -rf "$probe"
      echo "-DCMAKE_CXX_COMPILER=clang++ -DVTD_FUZZ=ON"
      return
    fi
    rm -rf "$probe"
  fi
  # Said on stderr (stdout is the cmake arguments): the suite runs without the fuzzer.
  echo "dev.sh: no clang++ that links -fsanitize=fuzzer,address,undefined: the fuzz targets" \
    "(ctest fuzz_*) are not built; install clang and libclang-rt-14-dev to run them" >&2
  echo ""
}

cmd=${1:-}
case "$cmd" in
  build)
    install_missing
    build_release
    ;;
  demo)
    install_missing
    build_release
    exec bash "$root/scenarios/demo.sh" "$root/build/release/vtdsim"
    ;;
  test)
    install_missing
    # shellcheck disable=SC2046
    build_tree build/test -DCMAKE_BUILD_TYPE=Debug -DVTD_SANITIZE=ON -DVTD_BUILD_BENCH=OFF \
      $(test_compiler_args)
    # A sanitizer report exits 99, which no test expects from vtdsim (0, 1, 2).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
    ctest --test-dir build/test --output-on-failure -j "$jobs" --timeout 600
    ;;
  *)
    echo "usage: bash tools/dev.sh demo|test|build" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# usage: run_install_test.sh BUILD_DIR SOURCE_DIR CXX "CXXFLAGS" [LAUNCHER]
# Installs BUILD_DIR into a scratch prefix, checks the installed layout, then builds and runs
# tools/hypervisor_example against the installed package.
set -euo pipefail
build=$1 src=$2 cxx=$3 flags=$4 launcher=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log"

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$prefix/bin/vtdsim" ] || fail "bin/vtdsim not installed"
"$prefix/bin/vtdsim" --version | grep -q '^vtdsim [0-9]' || fail "installed vtdsim --version"
for f in lib/cmake/vtdsim/vtdsimConfig.cmake lib/cmake/vtdsim/vtdsimConfigVersion.cmake \
         include/model/unit/remapping_unit.h include/model/memory/host_memory.h \
         include/model/memory/mapped_file_memory.h include/model/regs/register_file.h; do
  [ -f "$prefix/$f" ] || fail "$f not installed"
done
ls "$prefix"/lib/libvtd_unit.a "$prefix"/lib/libvtd_memory.a >/dev/null || fail "libraries"
if find "$prefix/include" -path '*internal*' | grep -q .; then
  fail "internal headers installed: $(find "$prefix/include" -path '*internal*' | head -3)"
fi
# Public headers speak of the hardware and the product, not of the work that made them.
if grep -rEil 'draft|issue [0-9]' "$prefix/include"; then fail "process words in headers"; fi

args=(-S "$src/tools/hypervisor_example" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix"
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags"
      -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_BUILD_TYPE=Debug)
[ -n "$launcher" ] && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
command -v ninja >/dev/null && args+=(-G Ninja)
cmake "${args[@]}" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "configure"; }
cmake --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }
"$tmp/build/hypervisor_example"

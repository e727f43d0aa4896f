# Helpers the vtdsim command-line tests share (tests/tools/cli_test.sh,
# tests/scenario_cli/run_cli_test.sh), sourced after they set `vtdsim` (the binary) and
# `case` (the ctest case name). Sets `tmp` (a scratch directory removed at exit) and
# `failures` (the count of failed checks; the script exits non-zero when it is not 0).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL [$case]: $*" >&2; failures=$((failures + 1)); }

# run EXPECTED_RC ARGS...: runs vtdsim, keeps stdout/stderr in $tmp/out and $tmp/err.
run() {
  local want=$1
  shift
  "$vtdsim" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq "$want" ] || fail "vtdsim $* exited $rc, expected $want; stderr: $(head -20 "$tmp/err")"
}

# has TEXT FILE: $tmp/FILE (out or err) contains TEXT.
has() { grep -qF -- "$1" "$tmp/$2" || fail "$2 lacks '$1'"; }

#!/usr/bin/env bash
# vtdsim run/explain checks. usage: run_cli_test.sh VTDSIM SOURCE_DIR CASE
set -uo pipefail
vtdsim=$1 src=$2 case=$3
invalid=$src/tests/scenario/invalid
data=$src/tests/scenario/data
# shellcheck source=../testing/cli_test_lib.sh
source "${BASH_SOURCE[0]%/*}/../testing/cli_test_lib.sh"
empty() { [ ! -s "$tmp/$1" ] || fail "$1 is not empty: $(head -3 "$tmp/$1")"; }
# json_check PYTHON-EXPRESSIONS: asserts over d = the parsed stdout. Without python3 the
# check cannot run: that is a failure, never a silent pass.
json_check() {
  if ! command -v python3 >/dev/null 2>&1; then
    fail "python3 is not installed: cannot check the JSON ($1)"
    return 1
  fi
  python3 - "$tmp/out" "$1" <<'PY' || fail "JSON check failed: $1"
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
PY
}

# rendered DIR: every *.svg below DIR renders with rsvg-convert (librsvg) to a PNG of the size
# its root element declares, with drawn content (not one flat colour: the decoded pixel data
# holds many distinct byte values). One python3 run checks all the PNGs.
rendered() {
  if ! command -v rsvg-convert >/dev/null 2>&1; then
    fail "rsvg-convert is missing (Debian package librsvg2-bin; bash tools/dev.sh installs it)"
    return
  fi
  local n=0 svg
  rm -rf "$tmp/png" && mkdir -p "$tmp/png"
  : >"$tmp/png/list"
  while IFS= read -r svg; do
    n=$((n + 1))
    if rsvg-convert "$svg" -o "$tmp/png/$n.png" 2>"$tmp/r.err"; then
      printf '%s\t%s\n' "$svg" "$tmp/png/$n.png" >>"$tmp/png/list"
    else
      fail "rsvg-convert $svg: $(head -2 "$tmp/r.err")"
    fi
  done < <(find "$1" -name '*.svg' | sort)
  [ "$n" -gt 0 ] || fail "no drawings under $1"
  command -v python3 >/dev/null 2>&1 || return 0
  python3 - "$tmp/png/list" <<'PY' || fail "rendered drawings: see above"
import re, sys, zlib
bad = 0
for line in open(sys.argv[1]):
    svg, png = line.rstrip("\n").split("\t")
    m = re.search(r'width="(\d+)" height="(\d+)"', open(svg).readline())
    data = open(png, "rb").read()
    size = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    pos, idat = 8, b""
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        if data[pos + 4:pos + 8] == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    if not m or size != (int(m.group(1)), int(m.group(2))):
        print(f"{svg}: rendered {size}, declares {m.groups() if m else None}")
        bad += 1
    elif len(set(zlib.decompress(idat))) <= 16:
        print(f"{svg}: the rendered image is blank")
        bad += 1
sys.exit(1 if bad else 0)
PY
}

cd "$src" || exit 1
case "$case" in
  library_json)
    run 0 run scenarios/ --json
    json_check '
assert isinstance(d, list) and len(d) >= 25, len(d)
for s in d:
    assert s["passed"] is True, s["scenario"]
    assert all(step["ok"] for step in s["steps"]), s["scenario"]
names = [s["scenario"] for s in d]
assert "quickstart" in names and "tutorial-05-stale-iotlb" in names'
    ;;
  library_text)
    run 0 run scenarios/
    has "total: " out
    has "-- PASS" out
    ;;
  json_shape)
    run 0 run scenarios/quickstart.yaml --json --no-timing
    json_check '
assert list(d.keys()) == ["scenario", "passed", "steps", "stats"], list(d.keys())
assert d["scenario"] == "quickstart" and d["passed"] is True and d["stats"] == {}
s = d["steps"]
assert [x["index"] for x in s] == list(range(len(s)))
assert s[0] == {"index": 0, "action": "map", "ok": True}, s[0]
assert s[3] == {"index": 3, "action": "dma", "result": {"status": "ok", "hpa": "0x800010"}, "ok": True}, s[3]
assert s[4]["result"] == {"status": "fault", "reason": "0x5", "name": "LGN.2", "recorded": True}, s[4]
assert s[5] == {"index": 5, "action": "mmio_read", "result": {"value": "0x2"}, "ok": True}, s[5]
assert s[8] == {"index": 8, "action": "mmio_write", "ok": True}, s[8]'
    # With the timing model (the default): integer cycles on steps that reach a unit, stats.
    run 0 run scenarios/quickstart.yaml --json
    json_check '
s = d["steps"]
assert isinstance(d["stats"], dict) and d["stats"], d["stats"]
assert type(s[3]["cycles"]) is int and s[3]["cycles"] > 0, s[3]
assert "cycles" not in s[0], s[0]
assert list(s[3].keys()) == ["index", "action", "result", "cycles", "ok"], s[3]'
    # A suppressed fault: "recorded": false; an interrupt: vector and dest.
    run 0 run scenarios/conformance/fault-fpd-suppresses-recording.yaml --json
    json_check '
r = [x for x in d["steps"] if x["action"] == "dma"][0]["result"]
assert r == {"status": "fault", "reason": "0x2", "name": "LCT.2", "recorded": False}, r'
    run 0 run scenarios/tutorial/01-one-4k-mapping.yaml scenarios/quickstart.yaml --json
    json_check 'assert isinstance(d, list) and len(d) == 2'
    ;;
  failing_exit_1)
    run 1 run "$data/failing-expectation.yaml"
    has "expected: value 0x80000000, got 0x0" out
    has "-- FAIL" out
    run 1 run "$data/failing-expectation.yaml" --json
    json_check '
assert d["passed"] is False
assert d["steps"][0]["ok"] is True and d["steps"][1]["ok"] is False
assert "0x80000000" in d["steps"][1]["message"]'
    ;;
  invalid_files)
    n=0
    while IFS=$'\t' read -r file pos text; do
      case "$file" in '#'* | '') continue ;; esac
      n=$((n + 1))
      run 2 run "$invalid/$file"
      has "$invalid/$file:$pos: " err
      has "$text" err
      empty out
      run 2 run "$invalid/$file" --json
      empty out
    done <"$invalid/expected.txt"
    count=$(ls "$invalid"/*.yaml | wc -l)
    [ "$n" -eq "$count" ] || fail "expected.txt lists $n files, the folder has $count"
    ;;
  missing_file)
    run 2 run "$tmp/no-such.yaml"
    has "no-such.yaml: the scenario file does not exist" err
    empty out
    run 2 explain "$tmp/no-such.yaml"
    ;;
  invalid_stops_everything)
    # One bad file among good ones: nothing runs, exit 2.
    run 2 run scenarios/quickstart.yaml "$invalid/dma-crosses-4k.yaml" --json
    empty out
    has "crosses a 4 KiB boundary" err
    run 2 explain scenarios/quickstart.yaml --step 999
    has "--step 999 is beyond the last step" err
    ;;
  explain)
    run 0 explain scenarios/quickstart.yaml --step 3
    has "[3] dma 00:02.0 write 0x10010 (64 bytes) -> hpa 0x800010" out
    has "routing: " out
    has "RTADDR_REG latched by the last GCMD.SRTP = 0x100000" out
    has "root entry: index 0 (bus 0x00 = source-id bits 15:8 of 00:02.0)" out
    has "context entry: index 16 (devfn 0x10" out
    has "SS-PTE (level 1): index 16 (IOVA bits 20:12 of 0x10010)" out
    has "IOTLB lookup" out
    has "result: hpa 0x800010" out
    run 0 explain scenarios/quickstart.yaml --step 4
    has "fault: reason 05h (LGN.2, write_not_permitted)" out
    has "Table 30" out
    has "recorded in FRCD_REG[0]" out
    run 0 run scenarios/quickstart.yaml --explain --json
    json_check '
e = d["steps"][3]["explanation"]
assert any("SS-PML4E (level 4)" in l for l in e), e
assert any("root entry" in l and "(S §9.1)" in l for l in e), e
assert all("explanation" in s for s in d["steps"])'
    # Only the step asked for is explained.
    run 0 run scenarios/quickstart.yaml --explain --step 3 --json
    json_check '
assert "explanation" in d["steps"][3]
assert "explanation" not in d["steps"][0]'
    ;;
  runtime_error)
    # An error only running can find (the table pool is full) fails its step: exit 1, the
    # JSON complete and valid (an array over several files), nothing after it runs.
    run 1 run "$data/runtime-pool-full.yaml"
    has "error: " out
    has "table pool" out
    has "-- FAIL" out
    empty err
    run 1 run "$data/runtime-pool-full.yaml" scenarios/quickstart.yaml --json
    empty err
    json_check '
assert isinstance(d, list) and len(d) == 2
bad = d[0]
assert bad["passed"] is False
assert [s["ok"] for s in bad["steps"]] == [True, False], bad["steps"]
assert "table pool" in bad["steps"][1]["error"], bad["steps"][1]
assert d[1]["passed"] is True'
    ;;
  messages)
    # Interrupt messages per step, and the expectations over them, in the JSON document.
    run 0 run scenarios/conformance/fault-event-message.yaml --json --no-timing
    json_check '
m = [s for s in d["steps"] if "messages" in s]
assert m and m[0]["messages"] == [{"event": "fault_event", "address": "0xfee00000", "data": "0x30"}], m'
    ;;
  python_required)
    # json_check fails loudly when python3 is missing (PATH without it).
    # A PATH with the tools this script uses, and no python3.
    mkdir -p "$tmp/bin"
    for t in mktemp rm grep head cmp ls wc cat; do ln -s "$(command -v "$t")" "$tmp/bin/$t"; done
    out=$(PATH="$tmp/bin" "$BASH" "$0" "$vtdsim" "$src" json_shape 2>&1)
    rc=$?
    [ "$rc" -ne 0 ] || fail "json_shape passed without python3"
    echo "$out" | grep -qF "python3 is not installed" || fail "no python3 message: $out"
    ;;
  explain_svg)
    # One drawing per explained step, and an index; bad directories are refused.
    run 0 explain scenarios/quickstart.yaml --svg "$tmp/svg"
    for i in 000 003 004; do
      [ -s "$tmp/svg/step-$i.svg" ] || fail "step-$i.svg missing"
    done
    has "[step-003.svg](step-003.svg)" svg/README.md
    rendered "$tmp/svg"
    run 0 explain scenarios/quickstart.yaml --step 4 --svg "$tmp/one"
    [ "$(ls "$tmp/one" | grep -c '\.svg$')" -eq 1 ] || fail "--step 4 --svg drew $(ls "$tmp/one")"
    : >"$tmp/file"
    run 2 explain scenarios/quickstart.yaml --svg "$tmp/file"
    has "cannot create the directory" err
    run 2 explain scenarios/quickstart.yaml --svg
    has "--svg needs a directory" err
    ;;
  tutorial_drawings)
    # The drawings the tutorial docs link are what `explain --svg` draws today, byte for byte,
    # and every one renders.
    for f in scenarios/tutorial/*.yaml; do
      b=$(basename "$f" .yaml)
      run 0 explain "$f" --svg "$tmp/drawings/$b"
      diff -r "$tmp/drawings/$b" "scenarios/tutorial/drawings/$b" >"$tmp/diff" 2>&1 ||
        fail "scenarios/tutorial/drawings/$b differs from what 'vtdsim explain $f --svg' draws (regenerate it): $(head -3 "$tmp/diff")"
    done
    rendered scenarios/tutorial/drawings
    ;;
  deterministic)
    "$vtdsim" run scenarios/ --json >"$tmp/a" 2>&1
    "$vtdsim" run scenarios/ --json >"$tmp/b" 2>&1
    cmp -s "$tmp/a" "$tmp/b" || fail "two runs differ"
    "$vtdsim" run scenarios/ --explain >"$tmp/a" 2>&1
    "$vtdsim" run scenarios/ --explain >"$tmp/b" 2>&1
    cmp -s "$tmp/a" "$tmp/b" || fail "two explained runs differ"
    ;;
  usage)
    run 0 run --help
    has "usage: vtdsim run PATH..." out
    run 0 explain --help
    has "usage: vtdsim explain FILE" out
    run 2 run
    run 2 run scenarios/quickstart.yaml --frobnicate
    has "unknown option '--frobnicate'" err
    run 2 run scenarios/quickstart.yaml --step 3
    has "--step needs --explain" err
    # A timing key the cost model does not know is invalid input, with its location.
    printf 'name: t\nplatform:\n  units:\n    - base: 0xfed90000\ntiming: {iotlb_hti: 3}\nsteps:\n  - mmio_read: {reg: GSTS}\n' >"$tmp/t.yaml"
    run 2 run "$tmp/t.yaml"
    has "t.yaml:5:" err
    has "iotlb_hti" err
    has "did you mean 'iotlb.hit'" err
    run 0 run "$tmp/t.yaml" --no-timing
    ;;
  *)
    echo "unknown case $case" >&2
    exit 2
    ;;
esac
[ "$failures" -eq 0 ] || exit 1
echo "ok [$case]"

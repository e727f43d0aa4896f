#!/usr/bin/env bash
# vtdsim CLI checks. usage: cli_test.sh VTDSIM SHARED_DIR SOURCE_DIR CASE
set -uo pipefail
vtdsim=$1 shared=$2 src=$3 case=$4
corpus=$shared/corpus/dmar
demo=$src/scenarios/platforms/demo.bin
data=$src/tests/tools/data
# shellcheck source=../testing/cli_test_lib.sh
source "${BASH_SOURCE[0]%/*}/../testing/cli_test_lib.sh"
lines() { local n; n=$(wc -l <"$tmp/$2"); [ "$n" -eq "$1" ] || fail "$2 has $n lines, expected $1"; }

case "$case" in
  help)
    run 0 dmar --help
    has "usage: vtdsim dmar SUBCOMMAND" out
    for sub in decode check route units; do
      run 0 dmar "$sub" --help
      has "usage: vtdsim dmar $sub" out
    done
    run 2 dmar frobnicate
    has "unknown subcommand 'frobnicate'" err
    ;;
  version)
    # The version is the one project() declares in CMakeLists.txt.
    want=$(sed -n 's/^project(vtdsim VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
    [ -n "$want" ] || fail "no VERSION in $src/CMakeLists.txt"
    run 0 --version
    [ "$(cat "$tmp/out")" = "vtdsim $want" ] || fail "--version printed '$(cat "$tmp/out")'"
    run 0 --help
    has "vtdsim --version" out
    ;;
  decode_text)
    run 0 dmar decode "$demo"
    has "  Flags                0x3: INTR_REMAP, X2APIC_OPT_OUT" out
    has "    [0x48] PCI sub-hierarchy      00:1c.0" out
    has "  Limit                0x6f1f4fff (inclusive)" out
    ;;
  decode_json)
    run 0 dmar decode "$demo" --json
    has '"oem_id": "VTDSIM"' out
    has '"register_base": "0xfed91000"' out
    has '"type": "hpet"' out
    run 0 dmar decode "$demo" --format json
    run 2 dmar decode "$demo" --json --format linux
    ;;
  decode_linux_r820)
    # The corpus table closest to the issue's Dell R630 example (no R630 table is in the
    # corpus). Expected lines follow Linux's format strings, checked against the .dsl.
    run 0 dmar decode "$corpus/dell-poweredge-r820.bin" --format linux
    cat >"$tmp/want" <<'WANT'
DMAR: Host address width 46
DMAR: DRHD base: 0x000000cf000000 flags: 0x0
DMAR: DRHD base: 0x000000c8000000 flags: 0x0
DMAR: DRHD base: 0x000000c4000000 flags: 0x0
DMAR: DRHD base: 0x000000df100000 flags: 0x1
DMAR: RMRR base: 0x000000bf458000 end: 0x000000bf46ffff
DMAR: RMRR base: 0x000000bf450000 end: 0x000000bf450fff
DMAR: RMRR base: 0x000000bf452000 end: 0x000000bf452fff
DMAR: ATSR flags: 0x0
DMAR-IR: IOAPIC id 4 under DRHD base  0xc4000000 IOMMU 2
DMAR-IR: IOAPIC id 3 under DRHD base  0xc8000000 IOMMU 1
DMAR-IR: IOAPIC id 2 under DRHD base  0xcf000000 IOMMU 0
DMAR-IR: IOAPIC id 0 under DRHD base  0xdf100000 IOMMU 3
DMAR-IR: IOAPIC id 1 under DRHD base  0xdf100000 IOMMU 3
DMAR-IR: HPET id 0 under DRHD base 0xdf100000
DMAR-IR: x2apic is disabled because BIOS sets x2apic opt out bit.
DMAR-IR: Use 'intremap=no_x2apic_optout' to override the BIOS setting.
WANT
    diff -u "$tmp/want" "$tmp/out" >&2 || fail "linux lines differ"
    ;;
  decode_acpidump)
    run 0 dmar decode "$data/demo-acpidump.txt" --json
    "$vtdsim" dmar decode "$demo" --json >"$tmp/bin.json"
    cmp -s "$tmp/out" "$tmp/bin.json" || fail "acpidump text and binary decode differently"
    run 2 dmar decode "$data/no-dmar-acpidump.txt"
    has "no-dmar-acpidump.txt: no DMAR table in the acpidump text (2 tables found: APIC, FACP)" err
    lines 1 err
    ;;
  decode_errors)
    run 2 dmar decode "$corpus/malformed/structure-overruns-table.bin"
    has "vtdsim: $corpus/malformed/structure-overruns-table.bin: offset 0x148: " err
    lines 1 err
    lines 0 out
    # --partial: the header and the structures before the bad one, the same error, exit 2.
    run 2 dmar decode "$corpus/malformed/structure-overruns-table.bin" --partial
    has "vtdsim: $corpus/malformed/structure-overruns-table.bin: offset 0x148: " err
    lines 1 err
    has "DRHD" out
    run 2 dmar decode "$corpus/malformed/structure-overruns-table.bin" --partial --json
    has '"structures"' out
    run 2 dmar decode "$corpus/malformed/truncated-acpi-header.bin" --partial
    lines 0 out
    run 2 dmar decode "$tmp/missing.bin"
    has "missing.bin: cannot open" err
    lines 1 err
    printf 'DMAR @ 0x0\n    0000: 44 4D ZZ\n' >"$tmp/bad.txt"
    run 2 dmar decode "$tmp/bad.txt"
    has "bad.txt: line 2: malformed hex byte 'ZZ'" err
    ;;
  check_exit_codes)
    run 0 dmar check "$demo"
    has "0 error(s)" out
    run 1 dmar check "$corpus/malformed/bad-checksum.bin"
    has "bad-checksum" out
    run 1 dmar check "$corpus/malformed/bad-checksum.bin" --json
    has '"errors": 1' out
    run 1 dmar check "$corpus/malformed/truncated-acpi-header.bin"
    run 2 dmar check "$tmp/missing.bin"
    run 2 dmar check "$data/no-dmar-acpidump.txt"
    ;;
  route)
    run 0 dmar route "$demo" 0000:00:02.0 00:14.0 02:00.0
    has "0000:00:02.0 (source-id 0x10) -> DRHD #0 (segment 0000, base 0xfed90000)" out
    has "why:  endpoint-scope: endpoint scope 00:02.0 at offset 0x40" out
    has "0000:00:14.0 (source-id 0xa0) -> DRHD #1 (segment 0000, base 0xfed91000)" out
    has "RMRR: identity-map 0x6f1e6000-0x6f1f4fff" out
    has "note: no PCI topology given" out
    run 0 dmar route "$demo" 0001:00:00.0 --json
    has '"reason": "none"' out
    has '"unit": null' out
    run 2 dmar route "$demo" 00:20.0
    has "bad PCI address '00:20.0'" err
    run 2 dmar route "$demo"
    ;;
  route_topology)
    printf '# root port\n0000:00:1c.0 secondary=0x02 subordinate=0x03\n' >"$tmp/topo.txt"
    run 0 dmar route "$demo" 03:00.0 --topology "$tmp/topo.txt"
    has "-> DRHD #0" out
    has "bridge-bus-range: bus 03 is within buses 02-03 below bridge 0000:00:1c.0" out
    has "ATS:  yes: below root port 0000:00:1c.0" out
    run 0 dmar route "$demo" 03:00.0 --bridge 0000:00:1c.0=02-03 --json
    has '"reason": "bridge-bus-range"' out
    printf '0000:00:1c.0 secondary=0x02\n' >"$tmp/bad-topo.txt"
    run 2 dmar route "$demo" 03:00.0 --topology "$tmp/bad-topo.txt"
    has "bad-topo.txt: line 1: a bridge needs both" err
    run 2 dmar route "$demo" 03:00.0 --bridge 00:1c.0=03-02
    ;;
  units)
    run 0 dmar units "$demo"
    has "interrupt: ioapic f0:1f.0 id 2 (source-id 0xf0f8)" out
    run 0 dmar units "$corpus/hp-proliant-dl360-g7.bin" --bridge 00:1c.4=02-02
    has "endpoint 00:1c.4/00.2 = 02:00.2 (source-id 0x202)" out
    run 0 dmar units "$demo" --json
    has '"include_pci_all": true' out
    ;;
  demo)
    bash "$src/scenarios/demo.sh" "$vtdsim" >"$tmp/out" 2>"$tmp/err" || fail "demo.sh failed: $(cat "$tmp/err")"
    has "bridge-bus-range" out
    has "DMAR-IR: IOAPIC id 2 under DRHD base  0xfed91000 IOMMU 1" out
    ;;
  *)
    fail "unknown case"
    ;;
esac
[ "$failures" -eq 0 ] && echo "PASS [$case]"
exit $((failures > 0))

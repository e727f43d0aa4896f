#!/usr/bin/env bash
# The README's first command (bash tools/dev.sh demo) ends here: decode, check and route
# requesters on the project's own DMAR table, scenarios/platforms/demo.bin (built by the
# project's serializer: tests/platform/demo_table.h).
#
#   usage: bash scenarios/demo.sh PATH/TO/vtdsim
set -euo pipefail

vtdsim=${1:?usage: demo.sh PATH/TO/vtdsim}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
table=$here/platforms/demo.bin

step() { printf '\n==== %s\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

echo "vtdsim demo: a DMAR table with 2 remapping units, an RMRR and an ATSR (segment 0)"
step "Decode every field (VT-d spec chapter 8)" "$vtdsim" dmar decode "$table"
step "What Linux would log for this table at boot" "$vtdsim" dmar decode "$table" --format linux
step "Check the table" "$vtdsim" dmar check "$table"
step "Remapping units, interrupt sources, RMRR and ATS reporting" "$vtdsim" dmar units "$table"
step "Route requesters without a PCI topology" \
  "$vtdsim" dmar route "$table" 0000:00:02.0 0000:00:14.0 0000:02:00.0
step "Route again, now knowing root port 00:1c.0 has buses 02-03 below it" \
  "$vtdsim" dmar route "$table" 0000:02:00.0 0001:00:00.0 --bridge 0000:00:1c.0=02-03

# The scenario runner: scenarios/quickstart.yaml builds tables for 00:02.0 on this table's
# dmar0, enables it, translates a DMA, takes a fault and reads the fault record.
step "Run the quickstart scenario (scenarios/quickstart.yaml)" \
  "$vtdsim" run "$here/quickstart.yaml"
step "Explain its first DMA, entry by entry" \
  "$vtdsim" explain "$here/quickstart.yaml" --step 3

// The register and capability state a legacy-mode walk reads (VT-d spec §11.4.2 CAP,
// §11.4.3 ECAP, §11.4.5 RTADDR), gathered in one small value so the walk stays a pure
// function of (config, memory, request).
#ifndef VTDSIM_MODEL_TRANSLATE_WALK_CONFIG_H_
#define VTDSIM_MODEL_TRANSLATE_WALK_CONFIG_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/common/bits.h"
#include "model/structs/second_stage_pte.h"

namespace vtd {

struct WalkConfig {
  // RTADDR_REG as latched by the last SRTP: RTA 63:12, TTM 11:10, SSIRWE 7.
  uint64_t rtaddr = 0;
  int haw = 48;                        // host address width (DMAR HAW + 1), 32..52
  int mgaw = 48;                       // CAP.MGAW + 1
  uint32_t sagaw = 0b00100;            // CAP.SAGAW (CAP bits 12:8, shifted down): bit n = AW n
  bool sllps_2m = false;               // CAP.SLLPS bit 0 (CAP bit 34)
  bool sllps_1g = false;               // CAP.SLLPS bit 1 (CAP bit 35)
  int nd = 6;                          // CAP.ND: DIDs are 4 + 2*ND bits
  bool zlr = false;                    // CAP.ZLR
  bool pass_through = false;           // ECAP.PT
  bool device_tlb = false;             // ECAP.DT
  bool snoop_control = false;          // ECAP.SC
  bool scalable_mode = false;          // ECAP.SMTS
  bool abort_dma_mode = false;         // ECAP.ADMS
  bool no_write_flag = false;          // ECAP.NWFS
  SsBit62 bit62 = SsBit62::kReserved;  // spec revision choice for SS bit 62
  // Scalable mode (TTM=01b, S §3.4.3, §9.4-§9.6).
  bool requests_with_pasid = false;  // ECAP.PASID: context PASIDE defined
  int pasid_bits = 0;                // ECAP.PSS + 1 with ECAP.PASID, else 0 (SGN.10 above it)
  bool ss_translation = false;       // ECAP.SSTS: PGTT=010b
  bool ss_accessed_dirty = false;    // ECAP.SSADS: SSADE
  bool page_walk_coherency = false;  // ECAP.SMPWCS: PWSNP
  bool rid_pasid = false;            // ECAP.RPS: context RID_PASID
  bool supervisor_requests = false;  // ECAP.SRS: SRE
  bool fs_translation = false;       // ECAP.FSTS: PGTT=001b, FSPTPTR/FSPM/WPE
  bool nested = false;               // ECAP.NEST: PGTT=011b
  bool fs_5level = false;            // CAP.FS5LP: FSPM=01b (5-level first stage)
  bool fs_1g = false;                // CAP.FS1GP: 1 GiB first-stage pages
  bool page_requests = false;        // ECAP.PRS: context PRE, page request queue
  int version_major = 1;             // VER_REG major: ER=1 is RTA.5 from 8 on (S Table 30)

  static constexpr BitRange kRtaddrRta{63, 12};
  static constexpr BitRange kRtaddrTtm{11, 10};
  static constexpr BitRange kRtaddrSsirwe = Bit(7);

  // Builds the config from raw CAP/ECAP/RTADDR values and the DMAR HAW, then Validate()s.
  static absl::StatusOr<WalkConfig> FromRegisters(uint64_t cap, uint64_t ecap, uint64_t rtaddr,
                                                  int haw);
  // InvalidArgument naming the field: HAW outside 32..52, MGAW outside 30..57, SAGAW with
  // bits 0 or 4 (reserved in 5.10) or empty, ND 7.
  absl::Status Validate() const;

  uint64_t root_table() const { return kRtaddrRta.InPlace(rtaddr); }
  int ttm() const { return static_cast<int>(kRtaddrTtm.Get(rtaddr)); }
  bool ssirwe() const { return kRtaddrSsirwe.Get(rtaddr) != 0; }
  SsPteFormat pte_format() const {
    return SsPteFormat{haw, snoop_control, sllps_2m, sllps_1g, bit62};
  }
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_WALK_CONFIG_H_

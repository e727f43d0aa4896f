// The register and capability state a legacy-mode walk reads (VT-d spec §11.4.2 CAP,
// §11.4.3 ECAP, §11.4.5 RTADDR), gathered in one small value so the walk stays a pure
// function of (config, memory, request). CAP and ECAP are held as the typed register views
// of model/regs (one decoder of their bits), not re-decoded here.
#ifndef VTDSIM_MODEL_TRANSLATE_WALK_CONFIG_H_
#define VTDSIM_MODEL_TRANSLATE_WALK_CONFIG_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/common/bits.h"
#include "model/regs/cap_ecap.h"
#include "model/structs/second_stage_pte.h"

namespace vtd {

struct WalkConfig {
  // RTADDR_REG as latched by the last SRTP: RTA 63:12, TTM 11:10, SSIRWE 7.
  uint64_t rtaddr = 0;
  int haw = 48;  // host address width (DMAR HAW + 1), 32..52
  // CAP_REG: the walk reads MGAW, SAGAW, SSLPS, ND and ZLR. Default: a 48-bit MGAW, 4-level
  // tables only, 16-bit domain ids.
  Capability cap{.mgaw = 48 - 1, .sagaw = 0b00100, .nd = 6};
  // ECAP_REG: the walk reads PT, DT, SC, SMTS, ADMS and NWFS; scalable mode also PASID, PSS,
  // SSTS, SSADS, SMPWCS, RPS and SRS.
  ExtendedCapability ecap;
  SsBit62 bit62 = SsBit62::kReserved;  // spec revision choice for SS bit 62
  int version_major = 1;               // VER_REG major: ER=1 is RTA.5 from 8 on (S Table 30)

  static constexpr BitRange kRtaddrRta{63, 12};
  static constexpr BitRange kRtaddrTtm{11, 10};
  static constexpr BitRange kRtaddrSsirwe = Bit(7);
  // CAP.SSLPS bits (S §11.4.2): 2 MiB and 1 GiB second-stage pages.
  static constexpr uint8_t kSslps2M = 0b01;
  static constexpr uint8_t kSslps1G = 0b10;

  // Builds the config from raw CAP/ECAP/RTADDR values and the DMAR HAW, then Validate()s.
  static absl::StatusOr<WalkConfig> FromRegisters(uint64_t cap, uint64_t ecap, uint64_t rtaddr,
                                                  int haw);
  // InvalidArgument naming the field: HAW outside 32..52, MGAW outside 30..57, SAGAW with
  // bits 0 or 4 (reserved in 5.10) or empty, ND 7.
  absl::Status Validate() const;

  uint64_t root_table() const { return kRtaddrRta.InPlace(rtaddr); }
  int ttm() const { return static_cast<int>(kRtaddrTtm.Get(rtaddr)); }
  bool ssirwe() const { return kRtaddrSsirwe.Get(rtaddr) != 0; }
  int mgaw() const { return cap.mgaw_bits(); }
  // Width of the PASIDs the unit accepts (ECAP.PSS + 1), 0 without ECAP.PASID (SGN.10).
  int pasid_bits() const { return ecap.pasid ? ecap.pss + 1 : 0; }
  SsPteFormat pte_format() const {
    return SsPteFormat{haw, ecap.sc, (cap.sslps & kSslps2M) != 0, (cap.sslps & kSslps1G) != 0,
                       bit62};
  }
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_WALK_CONFIG_H_

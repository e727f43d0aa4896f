// Register-based invalidation (VT-d spec §6.5.1, §11.4.6.1 CCMD_REG, §11.4.6.3-4
// IOTLB_REG/IVA_REG): decoding a command register write into a cache invalidation request
// (model/invalidation/cache_invalidation.h), and the register value the hardware leaves
// when the command completes (ICC/IVT cleared, CAIG/IAIG = the granularity performed).
//
// The command is performed when software writes the register's upper byte with ICC/IVT = 1
// (S §11.4.6.1, §11.4.6.3). The request is ignored, with CAIG/IAIG = 00b, when:
//  * the granularity field is 00b (reserved),
//  * RTADDR.TTM (as latched) is not 00b (register-based invalidation is legacy-only,
//    invalidation.md §7),
//  * queued invalidation is enabled (GSTS.QIES; the spec forbids it),
//  * the unit reports VER major >= 6 (register-based invalidation removed),
//  * IOTLB page-selective with IVA.AM above CAP.MAMV.
// IOTLB page-selective requests on a unit without CAP.PSI are performed domain-selective
// (a coarser granularity, which the spec allows, reported in IAIG = 10b).
#ifndef VTDSIM_MODEL_UNIT_REGISTER_INVALIDATION_H_
#define VTDSIM_MODEL_UNIT_REGISTER_INVALIDATION_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/common/bits.h"
#include "model/invalidation/cache_invalidation.h"
#include "model/regs/cap_ecap.h"

namespace vtd {

// CCMD_REG fields (S §11.4.6.1).
struct Ccmd {
  static constexpr BitRange kIcc = Bit(63);
  static constexpr BitRange kCirg{62, 61};
  static constexpr BitRange kCaig{60, 59};
  static constexpr BitRange kFm{33, 32};
  static constexpr BitRange kSid{31, 16};
  static constexpr BitRange kDid{15, 0};
};

// IOTLB_REG and IVA_REG fields (S §11.4.6.3, §11.4.6.4).
struct IotlbReg {
  static constexpr BitRange kIvt = Bit(63);
  static constexpr BitRange kIirg{61, 60};
  static constexpr BitRange kIaig{58, 57};
  static constexpr BitRange kDr = Bit(49);
  static constexpr BitRange kDw = Bit(48);
  static constexpr BitRange kDid{47, 32};
};
struct IvaReg {
  static constexpr BitRange kAddr{63, 12};
  static constexpr BitRange kIh = Bit(6);
  static constexpr BitRange kAm{5, 0};
};

// Why a register-based request was not performed.
struct RegisterInvalidationState {
  int root_table_ttm = 0;            // latched RTADDR.TTM
  bool queued_invalidation = false;  // GSTS.QIES
  int version_major = 1;
};

struct DecodedContextCommand {
  std::optional<ContextInvalidation> request;  // nullopt: ignored (CAIG = 00b)
  std::string_view ignored_because;            // when ignored
};
DecodedContextCommand DecodeContextCommand(uint64_t ccmd, const Capability& cap,
                                           const RegisterInvalidationState& state);

struct DecodedIotlbCommand {
  std::optional<IotlbInvalidation> request;  // nullopt: ignored (IAIG = 00b)
  std::string_view ignored_because;
  IotlbInvalidation::Granularity requested = IotlbInvalidation::Granularity::kGlobal;
};
DecodedIotlbCommand DecodeIotlbCommand(uint64_t iotlb, uint64_t iva, const Capability& cap,
                                       const RegisterInvalidationState& state);

// "global", "domain", "device", "page".
std::string_view GranularityName(ContextInvalidation::Granularity g);
std::string_view GranularityName(IotlbInvalidation::Granularity g);

}  // namespace vtd

#endif  // VTDSIM_MODEL_UNIT_REGISTER_INVALIDATION_H_

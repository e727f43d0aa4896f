#include "model/unit/register_invalidation.h"

namespace vtd {
namespace {

std::string_view CommonIgnoreReason(const RegisterInvalidationState& state) {
  if (state.version_major >= 6) return "register-based invalidation is not supported (VER >= 6)";
  if (state.queued_invalidation) return "queued invalidation is enabled (GSTS.QIES=1)";
  if (state.root_table_ttm != 0) return "RTADDR.TTM is not legacy (00b)";
  return "";
}

uint16_t MaskDid(uint64_t did, const Capability& cap) {
  const int bits = cap.domain_id_bits();
  return static_cast<uint16_t>(bits >= 16 ? did : did & ((uint64_t{1} << bits) - 1));
}

}  // namespace

std::string_view GranularityName(ContextInvalidation::Granularity g) {
  switch (g) {
    case ContextInvalidation::Granularity::kGlobal:
      return "global";
    case ContextInvalidation::Granularity::kDomain:
      return "domain";
    case ContextInvalidation::Granularity::kDevice:
      return "device";
  }
  return "none";
}

std::string_view GranularityName(IotlbInvalidation::Granularity g) {
  switch (g) {
    case IotlbInvalidation::Granularity::kGlobal:
      return "global";
    case IotlbInvalidation::Granularity::kDomain:
      return "domain";
    case IotlbInvalidation::Granularity::kPage:
      return "page";
  }
  return "none";
}

DecodedContextCommand DecodeContextCommand(uint64_t ccmd, const Capability& cap,
                                           const RegisterInvalidationState& state) {
  DecodedContextCommand out;
  const int cirg = static_cast<int>(Ccmd::kCirg.Get(ccmd));
  if (cirg == 0) {
    out.ignored_because = "CIRG 00b is reserved";
    return out;
  }
  if (std::string_view why = CommonIgnoreReason(state); !why.empty()) {
    out.ignored_because = why;
    return out;
  }
  ContextInvalidation r;
  r.granularity = static_cast<ContextInvalidation::Granularity>(cirg);
  r.domain_id = MaskDid(Ccmd::kDid.Get(ccmd), cap);  // DID bits above ND are ignored
  r.source_id = static_cast<uint16_t>(Ccmd::kSid.Get(ccmd));
  r.function_mask = static_cast<uint8_t>(Ccmd::kFm.Get(ccmd));
  out.request = r;
  return out;
}

DecodedIotlbCommand DecodeIotlbCommand(uint64_t iotlb, uint64_t iva, const Capability& cap,
                                       const RegisterInvalidationState& state) {
  DecodedIotlbCommand out;
  const int iirg = static_cast<int>(IotlbReg::kIirg.Get(iotlb));
  if (iirg == 0) {
    out.ignored_because = "IIRG 00b is reserved";
    return out;
  }
  out.requested = static_cast<IotlbInvalidation::Granularity>(iirg);
  if (std::string_view why = CommonIgnoreReason(state); !why.empty()) {
    out.ignored_because = why;
    return out;
  }
  IotlbInvalidation r;
  r.granularity = out.requested;
  r.domain_id = MaskDid(IotlbReg::kDid.Get(iotlb), cap);
  // DR/DW are accepted; without CAP.DRD/DWD they are ignored (S §11.4.6.3). The model has
  // no write buffers or pending reads to drain, so both complete at once.
  r.drain_reads = IotlbReg::kDr.Get(iotlb) != 0 && cap.drd;
  r.drain_writes = IotlbReg::kDw.Get(iotlb) != 0 && cap.dwd;
  if (r.granularity == IotlbInvalidation::Granularity::kPage) {
    const int am = static_cast<int>(IvaReg::kAm.Get(iva));
    if (!cap.psi) {
      // Page-selective needs CAP.PSI; performed at domain granularity (coarser).
      r.granularity = IotlbInvalidation::Granularity::kDomain;
    } else if (am > cap.mamv) {
      out.ignored_because = "IVA.AM is above CAP.MAMV";
      return out;
    } else {
      r.address_mask = static_cast<uint8_t>(am);
      // Address bits at and above MGAW are ignored; the low AM bits select the block.
      const int mgaw = cap.mgaw_bits();
      uint64_t address = IvaReg::kAddr.InPlace(iva);
      if (mgaw < 64) address &= (uint64_t{1} << mgaw) - 1;
      r.address = address;
      r.invalidation_hint = IvaReg::kIh.Get(iva) != 0;
    }
  }
  out.request = r;
  return out;
}

}  // namespace vtd

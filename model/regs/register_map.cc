#include "model/regs/register_map.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "model/common/bits.h"
#include "model/common/hex.h"

namespace vtd {
namespace {

constexpr uint64_t M(int hi, int lo) { return BitMask(hi, lo); }
constexpr uint64_t B(int n) { return BitMask(n, n); }

constexpr Placement kFixed = Placement::kFixed;
constexpr RegisterGate kAlways = RegisterGate::kAlways;
constexpr RegisterGate kQi = RegisterGate::kQueuedInvalidation;
constexpr RegisterGate kIr = RegisterGate::kInterruptRemapping;
constexpr RegisterGate kPrq = RegisterGate::kPageRequests;

// Protected-memory base/limit registers implement bits 31:(N+1) / 63:(N+1) (S §11.4.8.2–5);
// N is implementation-defined and software probes it by writing ones. The model uses N = 20:
// 2-MiB granularity.
constexpr int kPmrLowBit = 21;

// Event control registers: IM (31) RW, reset 1; IP (30) RO; 29:0 RsvdP.
constexpr uint64_t kImBit = B(31);
constexpr uint64_t kIpBit = B(30);

// clang-format off
// Columns: id, name, placement, offset, width, reset, rw, w1c, ro, wo, gate, hook, spec.
constexpr RegisterSpec kRegisters[] = {
  {RegId::kVer, "VER_REG", kFixed, 0x000, 32, 0, 0, 0, M(7, 0), 0, kAlways, false, "§11.4.1"},
  {RegId::kCap, "CAP_REG", kFixed, 0x008, 64, 0, 0, 0, ~uint64_t{0}, 0, kAlways, false,
   "§11.4.2"},
  {RegId::kEcap, "ECAP_REG", kFixed, 0x010, 64, 0, 0, 0, ~uint64_t{0}, 0, kAlways, false,
   "§11.4.3"},
  // TE 31, SRTP 30, WBF 27, QIE 26, IRE 25, SIRTP 24, CFI 23: all WO; 29:28, 22:0 RsvdZ.
  {RegId::kGcmd, "GCMD_REG", kFixed, 0x018, 32, 0, 0, 0, 0, 0xCF80'0000, kAlways, true,
   "§11.4.4.1"},
  {RegId::kGsts, "GSTS_REG", kFixed, 0x01C, 32, 0, 0, 0, 0xCF80'0000, 0, kAlways, false,
   "§11.4.4.2"},
  // RTA 63:12, TTM 11:10, SSIRWE 7 RW; 9:8, 6:0 RsvdZ.
  {RegId::kRtaddr, "RTADDR_REG", kFixed, 0x020, 64, 0, M(63, 12) | M(11, 10) | B(7), 0, 0, 0,
   kAlways, false, "§11.4.5"},
  // ICC 63, CIRG 62:61, DID 15:0 RW; CAIG 60:59 RO; FM 33:32, SID 31:16 WO; 58:34 RsvdZ.
  {RegId::kCcmd, "CCMD_REG", kFixed, 0x028, 64, 0, B(63) | M(62, 61) | M(15, 0), 0, M(60, 59),
   M(33, 16), kAlways, true, "§11.4.6.1"},
  // FRI 15:8 ROS, ITE 6 / ICE 5 / IQE 4 RW1CS, PPF 1 ROS, PFO 0 RW1CS; 31:16, 7, 3:2 RsvdZ.
  {RegId::kFsts, "FSTS_REG", kFixed, 0x034, 32, 0, 0, B(6) | B(5) | B(4) | B(0),
   M(15, 8) | B(1), 0, kAlways, true, "§11.4.7.1"},
  {RegId::kFectl, "FECTL_REG", kFixed, 0x038, 32, kImBit, kImBit, 0, kIpBit, 0, kAlways, true,
   "§11.4.7.2"},
  {RegId::kFedata, "FEDATA_REG", kFixed, 0x03C, 32, 0, M(15, 0), 0, 0, 0, kAlways, false,
   "§11.4.7.3"},
  {RegId::kFeaddr, "FEADDR_REG", kFixed, 0x040, 32, 0, M(31, 2), 0, 0, 0, kAlways, false,
   "§11.4.7.4"},
  // Required with EIM; the spec lets other hardware treat it as RsvdZ. Modeled as always RW.
  {RegId::kFeuaddr, "FEUADDR_REG", kFixed, 0x044, 32, 0, M(31, 0), 0, 0, 0, kAlways, false,
   "§11.4.7.5"},
  // EPM 31 RW, PRS 0 RO (follows EPM); RO (0) without PLMR and PHMR.
  {RegId::kPmen, "PMEN_REG", kFixed, 0x064, 32, 0, B(31), 0, B(0), 0,
   RegisterGate::kProtectedMemory, true, "§11.4.8.1"},
  {RegId::kPlmbase, "PLMBASE_REG", kFixed, 0x068, 32, 0, M(31, kPmrLowBit), 0, 0, 0,
   RegisterGate::kProtectedLowMemory, false, "§11.4.8.2"},
  {RegId::kPlmlimit, "PLMLIMIT_REG", kFixed, 0x06C, 32, 0, M(31, kPmrLowBit), 0, 0, 0,
   RegisterGate::kProtectedLowMemory, false, "§11.4.8.3"},
  {RegId::kPhmbase, "PHMBASE_REG", kFixed, 0x070, 64, 0, M(63, kPmrLowBit), 0, 0, 0,
   RegisterGate::kProtectedHighMemory, false, "§11.4.8.4"},
  {RegId::kPhmlimit, "PHMLIMIT_REG", kFixed, 0x078, 64, 0, M(63, kPmrLowBit), 0, 0, 0,
   RegisterGate::kProtectedHighMemory, false, "§11.4.8.5"},
  {RegId::kIqh, "IQH_REG", kFixed, 0x080, 64, 0, 0, 0, M(18, 4), 0, kQi, false, "§11.4.9.1"},
  {RegId::kIqt, "IQT_REG", kFixed, 0x088, 64, 0, M(18, 4), 0, 0, 0, kQi, true, "§11.4.9.2"},
  // IQA 63:12, DW 11, QS 2:0 RW; 10:3 RsvdZ.
  {RegId::kIqa, "IQA_REG", kFixed, 0x090, 64, 0, M(63, 12) | B(11) | M(2, 0), 0, 0, 0, kQi,
   false, "§11.4.9.3"},
  {RegId::kIcs, "ICS_REG", kFixed, 0x09C, 32, 0, 0, B(0), 0, 0, kQi, true, "§11.4.9.4"},
  {RegId::kIectl, "IECTL_REG", kFixed, 0x0A0, 32, kImBit, kImBit, 0, kIpBit, 0, kQi, true,
   "§11.4.9.5"},
  {RegId::kIedata, "IEDATA_REG", kFixed, 0x0A4, 32, 0, M(15, 0), 0, 0, 0, kQi, false,
   "§11.4.9.6"},
  {RegId::kIeaddr, "IEADDR_REG", kFixed, 0x0A8, 32, 0, M(31, 2), 0, 0, 0, kQi, false,
   "§11.4.9.7"},
  {RegId::kIeuaddr, "IEUADDR_REG", kFixed, 0x0AC, 32, 0, M(31, 0), 0, 0, 0, kQi, false,
   "§11.4.9.8"},
  // ICESID 63:48, ITESID 47:32, IQEI 3:0 ROS; 31:4 RsvdZ.
  {RegId::kIqercd, "IQERCD_REG", kFixed, 0x0B0, 64, 0, 0, 0, M(63, 32) | M(3, 0), 0, kQi,
   false, "§11.4.9.9"},
  // IRTA 63:12, EIME 11, S 3:0 RW; 10:4 RsvdZ.
  {RegId::kIrta, "IRTA_REG", kFixed, 0x0B8, 64, 0, M(63, 12) | B(11) | M(3, 0), 0, 0, 0, kIr,
   false, "§11.4.10"},
  {RegId::kPqh, "PQH_REG", kFixed, 0x0C0, 64, 0, M(18, 5), 0, 0, 0, kPrq, true, "§11.4.11.1"},
  // RW per S §11.4.11.2, although hardware is the one that advances it.
  {RegId::kPqt, "PQT_REG", kFixed, 0x0C8, 64, 0, M(18, 5), 0, 0, 0, kPrq, false, "§11.4.11.2"},
  {RegId::kPqa, "PQA_REG", kFixed, 0x0D0, 64, 0, M(63, 12) | M(2, 0), 0, 0, 0, kPrq, false,
   "§11.4.11.3"},
  {RegId::kPrs, "PRS_REG", kFixed, 0x0DC, 32, 0, 0, B(1) | B(0), 0, 0, kPrq, true,
   "§11.4.11.4"},
  {RegId::kPectl, "PECTL_REG", kFixed, 0x0E0, 32, kImBit, kImBit, 0, kIpBit, 0, kPrq, true,
   "§11.4.11.5"},
  {RegId::kPedata, "PEDATA_REG", kFixed, 0x0E4, 32, 0, M(15, 0), 0, 0, 0, kPrq, false,
   "§11.4.11.6"},
  {RegId::kPeaddr, "PEADDR_REG", kFixed, 0x0E8, 32, 0, M(31, 2), 0, 0, 0, kPrq, false,
   "§11.4.11.7"},
  {RegId::kPeuaddr, "PEUADDR_REG", kFixed, 0x0EC, 32, 0, M(31, 0), 0, 0, 0, kPrq, false,
   "§11.4.11.8"},
  // IVA_REG: ADDR 63:12, IH 6, AM 5:0, all WO; 11:7 RsvdZ.
  {RegId::kIva, "IVA_REG", Placement::kIotlb, 0x0, 64, 0, 0, 0, 0, M(63, 12) | M(6, 0),
   kAlways, false, "§11.4.6.4"},
  // IOTLB_REG: IVT 63, IIRG 61:60, DR 49, DW 48, DID 47:32 RW; IAIG 58:57 RO; 31:0 RsvdP.
  {RegId::kIotlb, "IOTLB_REG", Placement::kIotlb, 0x8, 64, 0, B(63) | M(61, 60) | M(49, 32), 0,
   M(58, 57), 0, kAlways, true, "§11.4.6.3"},
  // FRCD bits 63:0: FI 63:12 ROS; 11:0 RsvdZ.
  {RegId::kFrcdLo, "FRCD_LO", Placement::kFaultRecording, 0x0, 64, 0, 0, 0, M(63, 12), 0,
   kAlways, false, "§11.4.7.6"},
  // FRCD bits 127:64: F 127 RW1CS; T1 126, AT 125:124, PV 123:104, FR 103:96, PP 95, EXE 94,
  // PRIV 93, T2 92, SID 79:64 ROS; 91:80 RsvdZ.
  {RegId::kFrcdHi, "FRCD_HI", Placement::kFaultRecording, 0x8, 64, 0, 0, B(63),
   M(62, 28) | M(15, 0), 0, kAlways, true, "§11.4.7.6"},
};
// clang-format on

static_assert(std::size(kRegisters) == kNumRegIds);

constexpr bool TableInIdOrder() {
  for (int i = 0; i < kNumRegIds; ++i) {
    if (static_cast<int>(kRegisters[i].id) != i) return false;
  }
  return true;
}
static_assert(TableInIdOrder(), "kRegisters rows must follow RegId order");

uint32_t PlacementBase(Placement placement, const Capability& cap, const ExtendedCapability& ecap) {
  switch (placement) {
    case Placement::kFixed:
      return 0;
    case Placement::kIotlb:
      return ecap.iotlb_register_offset();
    case Placement::kFaultRecording:
      return cap.fault_recording_offset();
  }
  return 0;
}

constexpr uint32_t kPage = 0x1000;

}  // namespace

absl::Span<const RegisterSpec> RegisterTable() { return kRegisters; }

const RegisterSpec& SpecOf(RegId id) { return kRegisters[static_cast<int>(id)]; }

bool GateOpen(RegisterGate gate, const Capability& cap, const ExtendedCapability& ecap) {
  switch (gate) {
    case RegisterGate::kAlways:
      return true;
    case RegisterGate::kQueuedInvalidation:
      return ecap.qi;
    case RegisterGate::kInterruptRemapping:
      return ecap.ir;
    case RegisterGate::kPageRequests:
      return ecap.prs;
    case RegisterGate::kProtectedMemory:
      return cap.plmr || cap.phmr;
    case RegisterGate::kProtectedLowMemory:
      return cap.plmr;
    case RegisterGate::kProtectedHighMemory:
      return cap.phmr;
  }
  return false;
}

RegisterMasks EffectiveMasks(const RegisterSpec& spec, const Capability& cap,
                             const ExtendedCapability& ecap) {
  RegisterMasks m;
  if (!GateOpen(spec.gate, cap, ecap)) return m;
  m = RegisterMasks{spec.rw_mask, spec.w1c_mask, spec.ro_mask, spec.wo_mask};
  uint64_t drop = 0;
  switch (spec.id) {
    case RegId::kFsts:
      // ITE/ICE are RsvdZ without device-TLBs, IQE without queued invalidation (§11.4.7.1).
      if (!ecap.dt) drop |= B(6) | B(5);
      if (!ecap.qi) drop |= B(4);
      break;
    case RegId::kRtaddr:
      if (!ecap.ssirws) drop |= B(7);  // SSIRWE is Reserved(0) without SSIRWS (§11.4.5)
      break;
    case RegId::kIrta:
      if (!ecap.eim) drop |= B(11);  // EIME is RsvdZ without EIM (§11.4.10)
      break;
    case RegId::kFrcdHi:
      if (!ecap.dt) drop |= M(61, 60);                 // AT (bits 125:124)
      if (!ecap.pasid) drop |= M(59, 40) | M(31, 29);  // PV, PP, EXE, PRIV
      break;
    default:
      break;
  }
  m.rw &= ~drop;
  m.w1c &= ~drop;
  m.ro &= ~drop;
  m.wo &= ~drop;
  return m;
}

std::string PlacedRegister::Name() const {
  if (spec->placement == Placement::kFaultRecording) {
    return absl::StrFormat("%s[%d]", spec->name, index);
  }
  return std::string(spec->name);
}

std::vector<PlacedRegister> PlaceRegisters(uint64_t cap_raw, uint64_t ecap_raw) {
  const Capability cap = Capability::Decode(cap_raw);
  const ExtendedCapability ecap = ExtendedCapability::Decode(ecap_raw);
  std::vector<PlacedRegister> out;
  for (const RegisterSpec& spec : kRegisters) {
    const uint32_t base = PlacementBase(spec.placement, cap, ecap);
    const int count =
        spec.placement == Placement::kFaultRecording ? cap.num_fault_recording_registers() : 1;
    for (int n = 0; n < count; ++n) {
      out.push_back(PlacedRegister{&spec, n, base + spec.offset + 16 * static_cast<uint32_t>(n)});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const PlacedRegister& a, const PlacedRegister& b) {
    return a.offset < b.offset;
  });
  return out;
}

uint32_t RegisterSpaceSize(uint64_t cap, uint64_t ecap) {
  uint32_t end = kPage;
  for (const PlacedRegister& r : PlaceRegisters(cap, ecap)) {
    end = std::max(end, r.offset + static_cast<uint32_t>(r.spec->width / 8));
  }
  return (end + kPage - 1) / kPage * kPage;
}

std::vector<CapabilityProblem> FindPlacementProblems(uint64_t cap_raw, uint64_t ecap_raw) {
  const Capability cap = Capability::Decode(cap_raw);
  const ExtendedCapability ecap = ExtendedCapability::Decode(ecap_raw);
  struct Block {
    std::string field;
    std::string what;
    uint32_t begin;
    uint32_t end;
  };
  const uint32_t iro = ecap.iotlb_register_offset();
  const uint32_t fro = cap.fault_recording_offset();
  const Block iotlb{"ECAP.IRO",
                    absl::StrFormat("the IOTLB registers at %s..%s", Hex(iro), Hex(iro + 15)), iro,
                    iro + 16};
  const uint32_t frcd_end = fro + 16 * static_cast<uint32_t>(cap.num_fault_recording_registers());
  const Block frcd{
      "CAP.FRO",
      absl::StrFormat("the %d fault-recording registers at %s..%s (CAP.NFR)",
                      cap.num_fault_recording_registers(), Hex(fro), Hex(frcd_end - 1)),
      fro, frcd_end};

  std::vector<CapabilityProblem> problems;
  for (const Block* b : {&iotlb, &frcd}) {
    for (const RegisterSpec& spec : kRegisters) {
      if (spec.placement != Placement::kFixed || !GateOpen(spec.gate, cap, ecap)) continue;
      const uint32_t begin = spec.offset;
      const uint32_t end = spec.offset + static_cast<uint32_t>(spec.width / 8);
      if (begin < b->end && b->begin < end) {
        problems.push_back(
            CapabilityProblem{CapabilityProblem::Kind::kPlacement, b->field,
                              absl::StrFormat("%s: %s overlap %s at %s", b->field, b->what,
                                              spec.name, Hex(spec.offset))});
      }
    }
  }
  if (iotlb.begin < frcd.end && frcd.begin < iotlb.end) {
    problems.push_back(CapabilityProblem{
        CapabilityProblem::Kind::kPlacement, "CAP.FRO",
        absl::StrFormat("CAP.FRO: %s overlap %s (ECAP.IRO)", frcd.what, iotlb.what)});
  }
  return problems;
}

}  // namespace vtd

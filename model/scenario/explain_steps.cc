// Explanations of interrupt, queue, register and software steps (explain.h).
#include <array>
#include <bit>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"
#include "model/fault/fault_reason.h"
#include "model/interrupt/interrupt_formats.h"
#include "model/interrupt/irte.h"
#include "model/invalidation/descriptors.h"
#include "model/regs/global_command.h"
#include "model/scenario/explain.h"
#include "model/scenario/internal/explain_internal.h"

namespace vtd::scenario {
namespace {

using internal::FaultText;

// Palette indexes of explain_svg.h, named for what they mark here.
constexpr int kHandleColor = 2;
constexpr int kSubhandleColor = 4;
constexpr int kIrteColor = 2;
constexpr int kPidColor = 5;
constexpr int kRegisterColor = 1;
constexpr int kDescriptorColor = 3;

ExplainField F(std::string name, uint64_t value) { return {std::move(name), Hex(value)}; }
ExplainField B(std::string name, bool value) { return {std::move(name), value ? "1" : "0"}; }

// ---- registers -----------------------------------------------------------------------------

struct BitName {
  int bit;
  const char* name;
  const char* meaning;
};
constexpr BitName kGcmdBits[] = {
    {31, "TE", "enable DMA remapping"},
    {30, "SRTP", "latch the root-table pointer (RTADDR)"},
    {27, "WBF", "flush the write buffer"},
    {26, "QIE", "enable queued invalidation"},
    {25, "IRE", "enable interrupt remapping"},
    {24, "SIRTP", "latch the interrupt-remapping table pointer (IRTA)"},
    {23, "CFI", "let compatibility-format interrupts through"},
};
constexpr BitName kGstsBits[] = {
    {31, "TES", "DMA remapping on"},
    {30, "RTPS", "root-table pointer latched"},
    {27, "WBFS", "write-buffer flush in progress"},
    {26, "QIES", "queued invalidation on"},
    {25, "IRES", "interrupt remapping on"},
    {24, "IRTPS", "interrupt-remapping table pointer latched"},
    {23, "CFIS", "compatibility-format interrupts pass"},
};
constexpr BitName kFstsBits[] = {
    {6, "ITE", "device-TLB invalidation time-out"},
    {5, "ICE", "invalid device-TLB invalidation completion"},
    {4, "IQE", "invalidation queue error"},
    {1, "PPF", "primary fault pending"},
    {0, "PFO", "primary fault overflow"},
};

template <size_t N>
std::string SetBits(const BitName (&names)[N], uint64_t value) {
  std::vector<std::string> set;
  for (const BitName& b : names) {
    if ((value >> b.bit) & 1) set.push_back(b.name);
  }
  return set.empty() ? std::string("none") : absl::StrJoin(set, " ");
}

template <size_t N>
std::vector<ExplainField> BitFields(const BitName (&names)[N], uint64_t value) {
  std::vector<ExplainField> fields;
  for (const BitName& b : names) fields.push_back(B(b.name, (value >> b.bit) & 1));
  return fields;
}

// "RTPS 0->1 (root-table pointer latched), ..." for the GSTS bits that changed.
std::string StatusChange(uint32_t before, uint32_t after) {
  std::vector<std::string> changes;
  for (const BitName& b : kGstsBits) {
    const int was = (before >> b.bit) & 1, now = (after >> b.bit) & 1;
    if (was != now)
      changes.push_back(absl::StrFormat("%s %d->%d (%s)", b.name, was, now, b.meaning));
  }
  return changes.empty() ? std::string("no GSTS bit changed") : absl::StrJoin(changes, ", ");
}

std::string RootPointerText(uint64_t rtaddr) {
  const int ttm = static_cast<int>(RootTablePointer::kTtm.Get(rtaddr));
  return absl::StrFormat("root table at %s, TTM %d%d (%s)",
                         Hex(RootTablePointer::kRta.InPlace(rtaddr)), ttm >> 1, ttm & 1,
                         ttm == 0   ? "legacy mode"
                         : ttm == 1 ? "scalable mode"
                         : ttm == 3 ? "abort-DMA mode"
                                    : "reserved");
}

std::string IrtaText(uint64_t irta) {
  const InterruptRemapTableAddress t = InterruptRemapTableAddress::Decode(irta);
  return absl::StrFormat("table at %s, S=%d: %d entries of 16 bytes, EIME=%d (%s destinations)",
                         Hex(t.base), t.size, t.entries(), t.extended_mode ? 1 : 0,
                         t.extended_mode ? "32-bit x2APIC" : "8-bit xAPIC");
}

std::string IqaText(uint64_t iqa) {
  const bool wide = QueueRegisters::kIqaDw.Get(iqa) != 0;
  const uint64_t qs = QueueRegisters::kIqaQs.Get(iqa);
  const uint64_t bytes = uint64_t{4096} << qs;
  return absl::StrFormat("queue at %s, DW=%d (%d-bit descriptors), QS=%d: %d KiB, %d slots",
                         Hex(QueueRegisters::kIqaBase.InPlace(iqa)), wide ? 1 : 0, wide ? 256 : 128,
                         qs, bytes / 1024, bytes / (wide ? 32 : 16));
}

// What each register field holds, for the registers explanations decode.
std::vector<ExplainField> RegisterFields(const RemappingUnit& unit, uint32_t offset, uint64_t value,
                                         std::string* section) {
  const RegisterFile& regs = unit.registers();
  auto is = [&](RegId id) { return offset == regs.OffsetOf(id); };
  std::vector<ExplainField> f;
  if (is(RegId::kGcmd)) {
    *section = "§11.4.4.1";
    return BitFields(kGcmdBits, value);
  }
  if (is(RegId::kGsts)) {
    *section = "§11.4.4.2";
    return BitFields(kGstsBits, value);
  }
  if (is(RegId::kFsts)) {
    *section = "§11.4.7.1";
    f = BitFields(kFstsBits, value);
    f.push_back(F("FRI", (value >> 8) & 0xff));
    return f;
  }
  if (is(RegId::kRtaddr)) {
    *section = "§11.4.5";
    return {F("RTA", RootTablePointer::kRta.InPlace(value)),
            F("TTM", RootTablePointer::kTtm.Get(value))};
  }
  if (is(RegId::kIrta)) {
    *section = "§11.4.10";
    const InterruptRemapTableAddress t = InterruptRemapTableAddress::Decode(value);
    return {F("IRTA", t.base), B("EIME", t.extended_mode), F("S", t.size)};
  }
  if (is(RegId::kIqa)) {
    *section = "§11.4.9.3";
    return {F("IQA", QueueRegisters::kIqaBase.InPlace(value)),
            B("DW", QueueRegisters::kIqaDw.Get(value)), F("QS", QueueRegisters::kIqaQs.Get(value))};
  }
  if (is(RegId::kIqh) || is(RegId::kIqt)) {
    *section = is(RegId::kIqh) ? "§11.4.9.1" : "§11.4.9.2";
    return {F(is(RegId::kIqh) ? "QH" : "QT", QueueRegisters::kQueueOffset.InPlace(value))};
  }
  if (is(RegId::kCcmd)) {
    *section = "§11.4.6";
    return {B("ICC", (value >> 63) & 1),      F("CIRG", (value >> 61) & 3),
            F("CAIG", (value >> 59) & 3),     F("FM", (value >> 32) & 3),
            F("SID", (value >> 16) & 0xffff), F("DID", value & 0xffff)};
  }
  if (is(RegId::kIotlb)) {
    *section = "§11.4.8.1";
    return {B("IVT", (value >> 63) & 1),  F("IIRG", (value >> 60) & 3),
            F("IAIG", (value >> 57) & 3), B("DR", (value >> 49) & 1),
            B("DW", (value >> 48) & 1),   F("DID", (value >> 32) & 0xffff)};
  }
  if (is(RegId::kIcs)) {
    *section = "§11.4.9.4";
    return {B("IWC", value & 1)};
  }
  if (is(RegId::kFectl) || is(RegId::kIectl)) {
    *section = is(RegId::kFectl) ? "§11.4.7.2" : "§11.4.9.5";
    return {B("IM", (value >> 31) & 1), B("IP", (value >> 30) & 1)};
  }
  if (is(RegId::kIqercd)) {
    *section = "§11.4.9.9";
    return {F("ICESID", QueueRegisters::kIqercdIcesid.Get(value)),
            F("ITESID", QueueRegisters::kIqercdItesid.Get(value)),
            F("IQEI", QueueRegisters::kIqercdIqei.Get(value))};
  }
  return f;
}

ExplainEntry RegisterEntry(const RemappingUnit& unit, std::string title, uint32_t offset,
                           uint64_t value) {
  ExplainEntry e;
  e.title = std::move(title);
  e.chosen_by = absl::StrCat("offset ", Hex(offset));
  e.raw = {value};
  e.fields = RegisterFields(unit, offset, value, &e.section);
  e.color = kRegisterColor;
  return e;
}

// ---- the invalidation queue ----------------------------------------------------------------

std::string_view DescriptorSection(const InvalidationDescriptor& d) {
  switch (d.index()) {
    case 0:
      return "§6.5.2.1";
    case 1:
      return "§6.5.2.3";
    case 2:
      return "§6.5.2.5";
    case 3:
      return "§6.5.2.7";
    case 4:
      return "§6.5.2.8";
    case 5:
      return "§6.5.2.4";
    case 6:
      return "§6.5.2.2";
    case 8:
      return "§7.6.1";
    default:
      return "§6.5.2.6";
  }
}

std::string_view Granularity(uint8_t g, bool iotlb) {
  switch (g) {
    case 1:
      return "global";
    case 2:
      return "domain-selective";
    case 3:
      return iotlb ? "page-selective" : "device-selective";
    default:
      return "reserved";
  }
}

// CAIG / IAIG: the granularity performed, 00b when the request was not performed.
std::string Performed(uint8_t g, bool iotlb) {
  if (g == 0) return "not performed (00b: e.g. ignored while queued invalidation is on, S §6.5.1)";
  return absl::StrCat("done as ", std::string(Granularity(g, iotlb)));
}

std::vector<ExplainField> DescriptorFields(const InvalidationDescriptor& d) {
  struct Visitor {
    std::vector<ExplainField> operator()(const ContextCacheInvalidateDescriptor& c) const {
      return {{"type", "1 cc_inv_dsc"},
              {"G", std::string(Granularity(c.granularity, false))},
              F("DID", c.did),
              F("SID", c.sid),
              F("FM", c.function_mask)};
    }
    std::vector<ExplainField> operator()(const IotlbInvalidateDescriptor& i) const {
      return {{"type", "2 iotlb_inv_dsc"},
              {"G", std::string(Granularity(i.granularity, true))},
              B("DR", i.drain_reads),
              B("DW", i.drain_writes),
              F("DID", i.did),
              F("ADDR", i.address),
              F("AM", i.address_mask),
              B("IH", i.invalidation_hint)};
    }
    std::vector<ExplainField> operator()(const DeviceTlbInvalidateDescriptor& t) const {
      return {{"type", "3 dev_tlb_inv_dsc"}, F("SID", t.sid),      F("PFSID", t.pfsid),
              F("MIP", t.max_invs_pending),  F("ADDR", t.address), B("S", t.size)};
    }
    std::vector<ExplainField> operator()(const InterruptEntryCacheInvalidateDescriptor& e) const {
      return {{"type", "4 iec_inv_dsc"},
              {"G", e.index_selective ? "index" : "global"},
              F("IIDX", e.index),
              F("IM", e.index_mask)};
    }
    std::vector<ExplainField> operator()(const InvalidationWaitDescriptor& w) const {
      return {{"type", "5 inv_wait_dsc"},      B("IF", w.interrupt_flag),
              B("SW", w.status_write),         B("FN", w.fence),
              F("status_data", w.status_data), F("status_addr", w.status_address)};
    }
    std::vector<ExplainField> operator()(const PasidIotlbInvalidateDescriptor& p) const {
      return {{"type", "6 p_iotlb_inv_dsc"},
              {"G", p.granularity == 3 ? "page-selective-within-PASID" : "PASID-selective"},
              F("DID", p.did),
              F("PASID", p.pasid),
              F("ADDR", p.address),
              F("AM", p.address_mask),
              B("IH", p.invalidation_hint)};
    }
    std::vector<ExplainField> operator()(const PasidCacheInvalidateDescriptor& p) const {
      std::string g = "reserved";
      if (p.granularity == 0) g = "domain-selective";
      if (p.granularity == 1) g = "PASID-selective";
      if (p.granularity == 3) g = "global";
      return {{"type", "7 pc_inv_dsc"}, {"G", g}, F("DID", p.did), F("PASID", p.pasid)};
    }
    std::vector<ExplainField> operator()(const PasidDeviceTlbInvalidateDescriptor& t) const {
      return {{"type", "8 p_dev_tlb_inv_dsc"},
              F("SID", t.sid),
              F("PFSID", t.pfsid),
              F("MIP", t.max_invs_pending),
              F("PASID", t.pasid),
              B("G", t.global),
              F("ADDR", t.address),
              B("S", t.size)};
    }
    std::vector<ExplainField> operator()(const PageGroupResponseWords& r) const {
      // Field positions: invalidation.md §3.9.
      return {{"type", "9 page_grp_resp_dsc"},          B("PP", (r.words[0] >> 4) & 1),
              F("RC", (r.words[0] >> 12) & 0xf),        F("RID", (r.words[0] >> 16) & 0xffff),
              F("PASID", (r.words[0] >> 32) & 0xfffff), F("PRGI", (r.words[1] >> 3) & 0x1ff)};
    }
  };
  return std::visit(Visitor{}, d);
}

// What processing the descriptor did, in words.
std::string DescriptorEffect(const ProcessedDescriptor& p) {
  const InvalidationDescriptor& d = p.descriptor;
  const int n = p.outcome.entries_removed;
  const std::string entries = absl::StrFormat("%d entr%s dropped", n, n == 1 ? "y" : "ies");
  if (const auto* c = std::get_if<ContextCacheInvalidateDescriptor>(&d)) {
    return absl::StrFormat("context-cache invalidated (%s, %s): %s",
                           Granularity(c->granularity, false),
                           Performed(p.outcome.actual_granularity, false), entries);
  }
  if (const auto* i = std::get_if<IotlbInvalidateDescriptor>(&d)) {
    std::string what = absl::StrFormat("IOTLB and paging-structure caches invalidated (%s, %s",
                                       Granularity(i->granularity, true),
                                       Performed(p.outcome.actual_granularity, true));
    if (i->granularity == 3) {
      absl::StrAppend(&what, absl::StrFormat("; %d page%s from %s", uint64_t{1} << i->address_mask,
                                             i->address_mask == 0 ? "" : "s", Hex(i->address)));
    }
    return absl::StrCat(what, "): ", entries);
  }
  if (std::holds_alternative<DeviceTlbInvalidateDescriptor>(d)) {
    return absl::StrFormat(
        "invalidation request sent to the device's TLB (ATS); the device "
        "answered: %s",
        p.device_response ? DeviceTlbResponseName(*p.device_response)
                          : std::string_view("nothing"));
  }
  if (const auto* e = std::get_if<InterruptEntryCacheInvalidateDescriptor>(&d)) {
    return absl::StrFormat("interrupt entry cache invalidated (%s): %s",
                           e->index_selective ? absl::StrFormat("indexes %d..%d", e->index,
                                                                e->index + (1 << e->index_mask) - 1)
                                              : std::string("every entry"),
                           entries);
  }
  if (std::holds_alternative<PasidIotlbInvalidateDescriptor>(d)) {
    return absl::StrCat("PASID-granular IOTLB and paging-structure cache entries invalidated: ",
                        entries);
  }
  if (std::holds_alternative<PasidCacheInvalidateDescriptor>(d)) {
    return absl::StrCat("PASID-cache entries invalidated: ", entries);
  }
  if (std::holds_alternative<PasidDeviceTlbInvalidateDescriptor>(d)) {
    return absl::StrFormat(
        "PASID-based invalidation request sent to the device's TLB (ATS); the device "
        "answered: %s",
        p.device_response ? DeviceTlbResponseName(*p.device_response)
                          : std::string_view("nothing"));
  }
  if (std::holds_alternative<PageGroupResponseWords>(d)) {
    return "page group response sent to the device named by RID (PRG Response Message)";
  }
  const auto& w = std::get<InvalidationWaitDescriptor>(d);
  if (p.wait_aborted) {
    return "wait aborted by a device-TLB invalidation time-out: no status write, no IWC";
  }
  std::vector<std::string> parts;
  parts.push_back("every earlier descriptor has completed");
  if (p.status_written) {
    parts.push_back(absl::StrFormat("status write: %s written to %s", Hex(w.status_data),
                                    Hex(w.status_address)));
  } else if (w.status_write) {
    parts.push_back("status write dropped (address outside memory)");
  }
  if (p.completion_flagged) {
    parts.push_back("ICS.IWC set (invalidation completion event, S §6.5.2.10)");
  } else if (w.interrupt_flag) {
    parts.push_back("ICS.IWC already set: no new completion event");
  }
  return absl::StrJoin(parts, "; ");
}

// The queue's work during a step: each descriptor fetched and what it did, errors, where
// the head stopped.
void ExplainQueueRun(Explanation& x, const RegisterSnapshot& before, const RegisterSnapshot& after,
                     const QueueRun* run) {
  const uint64_t base = QueueRegisters::kIqaBase.InPlace(after.iqa);
  const uint64_t head0 = QueueRegisters::kQueueOffset.InPlace(before.iqh);
  const uint64_t head1 = QueueRegisters::kQueueOffset.InPlace(after.iqh);
  const uint64_t tail = QueueRegisters::kQueueOffset.InPlace(after.iqt);
  const int slot = QueueRegisters::kIqaDw.Get(after.iqa) ? 32 : 16;
  x.AddLine(
      absl::StrFormat("queue: %s (S §6.5.2); head IQH %s, tail IQT %s: hardware fetches "
                      "the descriptors between them, in order",
                      IqaText(after.iqa), Hex(head0), Hex(tail)));
  if (!after.queue_enabled || run == nullptr) {
    x.AddLine("queued invalidation is off (GSTS.QIES=0): hardware fetches nothing");
    return;
  }
  if ((before.fsts & (QueueRegisters::kFstsIqe.mask() | QueueRegisters::kFstsIte.mask())) != 0 &&
      (after.fsts & (QueueRegisters::kFstsIqe.mask() | QueueRegisters::kFstsIte.mask())) != 0 &&
      run->processed.empty()) {
    x.AddLine("FSTS.IQE or FSTS.ITE is set: the queue stays stopped until software clears it");
  }
  for (const ProcessedDescriptor& p : run->processed) {
    ExplainEntry e;
    e.title = absl::StrFormat("descriptor %s", DescriptorTypeName(DescriptorTypeOf(p.words[0])));
    e.section = std::string(DescriptorSection(p.descriptor));
    e.chosen_by = absl::StrFormat("slot %d (IQH offset %s)", p.offset / slot, Hex(p.offset));
    e.address = base + p.offset;
    e.raw.assign(p.words.begin(), p.words.begin() + p.width_bits / 64);
    e.fields = DescriptorFields(p.descriptor);
    e.color = kDescriptorColor;
    e.note = DescriptorEffect(p);
    if (p.wait_aborted) e.mark = EntryMark::kFault;
    x.AddEntry(std::move(e));
  }
  for (const QueueErrorEvent& err : run->errors) {
    ExplainEntry e;
    e.title = absl::StrFormat("queue error FSTS.%s", QueueErrorKindName(err.kind));
    e.section = "§6.5.2.11";
    e.chosen_by = absl::StrFormat("at IQH %s", Hex(err.head));
    e.address = base + err.head;
    e.mark = EntryMark::kFault;
    if (err.kind == QueueErrorKind::kQueueError) {
      e.fields = {{"IQEI", absl::StrFormat("%d %s", static_cast<int>(err.code),
                                           QueueErrorCodeName(err.code))}};
    } else {
      e.fields = {F(err.kind == QueueErrorKind::kTimeout ? "ITESID" : "ICESID", err.source_id)};
    }
    e.note = err.message;
    x.AddEntry(std::move(e),
               absl::StrFormat("error: FSTS.%s %s; the head stopped at IQH %s "
                               "(the descriptor there is not processed) "
                               "(S §6.5.2.11)",
                               QueueErrorKindName(err.kind), err.message, Hex(err.head)));
    x.fault = true;
  }
  for (const EventMessage& m : run->events) {
    x.AddLine(absl::StrFormat("%s event: %s (address %s data %s)", m.source,
                              m.sent ? "sent" : "pending (masked: IP set)", Hex(m.address),
                              Hex(m.data)));
  }
  for (const std::string& d : run->diagnostics) x.AddLine(absl::StrCat("note: ", d));
  x.outcome = absl::StrFormat("queue: %d descriptor%s processed; IQH %s -> %s, IQT %s%s",
                              run->processed.size(), run->processed.size() == 1 ? "" : "s",
                              Hex(head0), Hex(head1), Hex(tail),
                              head1 == tail ? " (queue empty)" : " (stopped before the tail)");
}

// ---- interrupts ----------------------------------------------------------------------------

std::vector<ExplainField> IrteFields(uint64_t lo, uint64_t hi, std::string* title,
                                     std::string* section) {
  if (IrteCommon::IsPosted(lo)) {
    const PostedIrte p = PostedIrte::Decode(lo, hi);
    *title = "IRTE (posted format, IM=1)";
    *section = "§9.10";
    return {B("P", p.present),      B("FPD", p.fpd),           {"IM", "1"},
            B("URG", p.urgent),     F("VV", p.virtual_vector), F("PDA", p.descriptor_address),
            F("SVT", p.source.svt), F("SQ", p.source.sq),      F("SID", p.source.sid)};
  }
  const RemappedIrte r = RemappedIrte::Decode(lo, hi);
  *title = "IRTE (remapped format, IM=0)";
  *section = "§9.9";
  return {B("P", r.present),
          B("FPD", r.fpd),
          {"IM", "0"},
          B("DM", r.logical_destination),
          B("RH", r.redirection_hint),
          B("TM", r.level_triggered),
          F("DLM", r.delivery_mode),
          F("V", r.vector),
          F("DST", r.destination),
          F("SVT", r.source.svt),
          F("SQ", r.source.sq),
          F("SID", r.source.sid)};
}

std::string DeliveryModeName(int mode) {
  switch (mode) {
    case 0:
      return "fixed";
    case 1:
      return "lowest priority";
    case 2:
      return "SMI";
    case 4:
      return "NMI";
    case 5:
      return "INIT";
    case 7:
      return "ExtINT";
    default:
      return "reserved";
  }
}

std::string MessageText(const InterruptMessage& m) {
  return absl::StrFormat("vector %s to %s ID %s (%s, %s delivery, %s-triggered)", Hex(m.vector),
                         m.x2apic ? "x2APIC" : "APIC", Hex(m.destination),
                         m.logical_destination ? "logical" : "physical",
                         DeliveryModeName(m.delivery_mode), m.level_triggered ? "level" : "edge");
}

// The SVT/SQ/SID check in words (S §9.9 SVT and SQ tables); the verdict is the flow's.
std::string SourceCheckText(const SourceValidation& v, SourceId requester, bool passed) {
  const uint16_t rid = requester.value();
  std::string text;
  switch (v.svt) {
    case 0:
      return "source-id check: SVT=00b, no check: any requester may use this entry";
    case 1: {
      const uint16_t mask = SourceValidation::CompareMask(v.sq);
      text = absl::StrFormat(
          "source-id check: SVT=01b (requester id against SID), SQ=%d%d compares bits under mask "
          "%s: requester %s (%s) & %s = %s vs SID %s & %s = %s",
          v.sq >> 1, v.sq & 1, Hex(mask), requester, Hex(rid), Hex(mask), Hex(rid & mask),
          Hex(v.sid), Hex(mask), Hex(v.sid & mask));
      break;
    }
    case 2:
      text = absl::StrFormat(
          "source-id check: SVT=10b (bus range): requester bus %s must lie in SID[15:8]..SID[7:0] "
          "= %s..%s",
          Hex(rid >> 8), Hex(v.sid >> 8), Hex(v.sid & 0xff));
      break;
    default:
      return "source-id check: SVT=11b is reserved (reported as a reserved field, 24h)";
  }
  absl::StrAppend(&text, passed ? ": passes" : ": FAILS");
  return text;
}

std::vector<ExplainField> PidFields(const std::array<uint64_t, 8>& w, int vector) {
  std::vector<std::string> pending;
  for (int v = 0; v < 256; ++v) {
    if ((w[v / 64] >> (v % 64)) & 1) pending.push_back(Hex(static_cast<uint64_t>(v)));
  }
  const uint64_t control = w[4];
  return {{"PIR set", pending.empty() ? "none" : absl::StrJoin(pending, ",")},
          B(absl::StrFormat("PIR[%s]", Hex(static_cast<uint64_t>(vector))),
            (w[vector / 64] >> (vector % 64)) & 1),
          B("ON", PostedInterruptDescriptor::kOn.Get(control)),
          B("SN", PostedInterruptDescriptor::kSn.Get(control)),
          F("NV", PostedInterruptDescriptor::kNv.Get(control)),
          F("NDST", PostedInterruptDescriptor::kNdst.Get(control))};
}

}  // namespace

RegisterSnapshot TakeRegisterSnapshot(const RemappingUnit& unit) {
  const RegisterFile& regs = unit.registers();
  RegisterSnapshot s;
  s.gsts = regs.global_command().status();
  if (const auto& root = regs.global_command().active_root_table()) s.root_table = root->rtaddr;
  s.interrupt_table = regs.global_command().active_interrupt_table();
  s.ccmd = regs.Get(RegId::kCcmd);
  s.iotlb = regs.Get(RegId::kIotlb);
  s.fsts = static_cast<uint32_t>(regs.Get(RegId::kFsts));
  s.iqa = regs.Get(RegId::kIqa);
  s.iqh = regs.Get(RegId::kIqh);
  s.iqt = regs.Get(RegId::kIqt);
  s.iqercd = regs.Get(RegId::kIqercd);
  s.ics = static_cast<uint32_t>(regs.Get(RegId::kIcs));
  s.queue_enabled = regs.global_command().queued_invalidation_enabled();
  return s;
}

Explanation ExplainInterrupt(const InterruptExplainInput& in) {
  Explanation x;
  x.kind = "interrupt";
  const InterruptRequest& r = in.request;
  x.title = absl::StrFormat("interrupt request from %s: write of %s to %s", r.source_id,
                            Hex(r.data), Hex(r.address));
  x.AddLine(
      absl::StrFormat("request: DWORD write of data %s to address %s from %s (segment %d): "
                      "an interrupt request, as the address lies in FEEx_xxxxh (S §5.1.2)",
                      Hex(r.data), Hex(r.address), r.source_id, r.segment));
  x.AddLine(absl::StrCat("routing: ", in.routing));
  const bool remappable = InterruptAddress::IsRemappable(r.address);
  ExplainSplit address;
  address.title = absl::StrFormat("MSI address %s (%s format)", Hex(r.address & 0xffffffff),
                                  remappable ? "remappable" : "compatibility");
  address.width_bits = 32;
  address.fields.push_back(ExplainBits{31, 20, "FEEh", InterruptAddress::kFee.Get(r.address), -1});
  if (remappable) {
    address.fields.push_back(ExplainBits{
        19, 5, "handle[14:0]", RemappableInterrupt::kHandleLow.Get(r.address), kHandleColor});
    address.fields.push_back(ExplainBits{4, 4, "format=1", 1, -1});
    address.fields.push_back(
        ExplainBits{3, 3, "SHV", RemappableInterrupt::kShv.Get(r.address), kSubhandleColor});
    address.fields.push_back(ExplainBits{
        2, 2, "handle[15]", RemappableInterrupt::kHandle15.Get(r.address), kHandleColor});
    address.fields.push_back(ExplainBits{1, 0, "ignored", r.address & 3, -1});
  } else {
    address.fields.push_back(ExplainBits{
        19, 12, "destination ID", CompatibilityInterrupt::kDestinationId.Get(r.address), -1});
    address.fields.push_back(ExplainBits{11, 5, "reserved", (r.address >> 5) & 0x7f, -1});
    address.fields.push_back(ExplainBits{4, 4, "format=0", 0, -1});
    address.fields.push_back(ExplainBits{3, 3, "RH", (r.address >> 3) & 1, -1});
    address.fields.push_back(ExplainBits{2, 2, "DM", (r.address >> 2) & 1, -1});
    address.fields.push_back(ExplainBits{1, 0, "ignored", r.address & 3, -1});
  }
  x.splits.push_back(std::move(address));
  if (in.unit_name.empty() || in.outcome == nullptr) {
    const CompatibilityInterrupt c = CompatibilityInterrupt::Decode(r.address, r.data);
    x.outcome = absl::StrFormat(
        "no remapping unit: the MSI is not remapped; decoded as compatibility format: vector %s "
        "to APIC ID %s (S §5.1.2.1)",
        Hex(c.vector), Hex(c.destination));
    return x;
  }
  const InterruptRemappingState& st = in.state;
  const InterruptOutcome& out = *in.outcome;
  if (st.enabled) {
    x.AddLine(
        absl::StrFormat("%s: interrupt remapping is on (GSTS.IRES=1); IRTA latched by the "
                        "last SIRTP: %s (S §11.4.10)",
                        in.unit_name, IrtaText(st.table.Encode())));
  } else {
    x.AddLine(absl::StrFormat(
        "%s: interrupt remapping is off (GSTS.IRES=0)%s (S §5.1.4)", in.unit_name,
        st.block_when_disabled ? ": with ECAP.IRREQ=1 every request is blocked"
                               : ": requests are processed as compatibility format"));
  }
  std::optional<uint32_t> index;
  if (remappable) {
    const RemappableInterrupt ri = RemappableInterrupt::Decode(r.address, r.data);
    ExplainSplit data;
    data.title = absl::StrFormat("MSI data %s", Hex(r.data));
    data.width_bits = 32;
    if (ri.subhandle_valid) {
      data.fields.push_back(ExplainBits{31, 16, "reserved (must be 0)",
                                        RemappableInterrupt::kDataReserved.Get(r.data), -1});
      data.fields.push_back(ExplainBits{15, 0, "sub-handle", ri.subhandle, kSubhandleColor});
    } else {
      data.fields.push_back(ExplainBits{31, 0, "ignored (SHV=0)", r.data, -1});
    }
    x.splits.push_back(std::move(data));
    index = ri.InterruptIndex();
    x.AddLine(absl::StrFormat(
        "handle: address bits 19:5 = %s are handle[14:0], bit 2 = %d is handle[15]: handle %s; "
        "SHV (bit 3) = %d: %s (S §5.1.2.2, §5.1.3)",
        Hex(RemappableInterrupt::kHandleLow.Get(r.address)),
        static_cast<int>(RemappableInterrupt::kHandle15.Get(r.address)), Hex(ri.handle),
        ri.subhandle_valid ? 1 : 0,
        ri.subhandle_valid
            ? absl::StrFormat("interrupt_index = handle + sub-handle (data 15:0 = %s) = %s",
                              Hex(ri.subhandle), Hex(*index))
            : absl::StrFormat("the data is ignored, interrupt_index = handle = %s", Hex(*index))));
    if (st.enabled) {
      x.AddLine(absl::StrFormat("index bound: %s %s %d entries (2^(S+1), S=%d)", Hex(*index),
                                *index < st.table.entries() ? "<" : ">=", st.table.entries(),
                                st.table.size));
    }
  } else if (st.enabled) {
    x.AddLine(absl::StrFormat(
        "address bit 4 = 0: compatibility format; with remapping on it passes only when "
        "GSTS.CFIS=1 and IRTA.EIME=0 (CFIS=%d, EIME=%d) (S §5.1.4)",
        st.compatibility_allowed ? 1 : 0, st.table.extended_mode ? 1 : 0));
  }
  const InterruptTrace* trace = in.trace;
  int irte_entry = -1;
  int pid_entry = -1;
  if (trace != nullptr && trace->irte) {
    ExplainEntry c;
    c.title = "interrupt entry cache lookup";
    c.chosen_by = absl::StrCat("index ", Hex(index.value_or(0)));
    c.mark = trace->irte_cached ? EntryMark::kCacheHit : EntryMark::kCacheMiss;
    c.note = trace->irte_cached ? "hit: the IRTE comes from the cache, memory is not read (S §6.4)"
                                : "miss: the IRTE is read from memory";
    x.AddEntry(std::move(c));
    ExplainEntry e;
    const IrteFetch& f = *trace->irte;
    e.fields = IrteFields(f.words[0], f.words[1], &e.title, &e.section);
    e.title = absl::StrCat(e.title, " ", index.value_or(0));
    e.chosen_by = absl::StrFormat("index %s: IRTA base + 16 x %s", Hex(index.value_or(0)),
                                  Hex(index.value_or(0)));
    e.address = f.address;
    e.raw = {f.words[0], f.words[1]};
    e.color = kIrteColor;
    if (trace->irte_cached) e.note = "as cached";
    irte_entry = x.AddEntry(std::move(e));
    const uint64_t lo = f.words[0], hi = f.words[1];
    SourceValidation v;
    v.sid = static_cast<uint16_t>(IrteCommon::kSid.Get(hi));
    v.sq = static_cast<uint8_t>(IrteCommon::kSq.Get(hi));
    v.svt = static_cast<uint8_t>(IrteCommon::kSvt.Get(hi));
    if (IrteCommon::kPresent.Get(lo) != 0) {
      x.AddLine(SourceCheckText(v, r.source_id, v.Accepts(r.source_id)));
    } else {
      x.AddLine("P=0: the entry is not present (checked before the source-id, S §5.1.4)");
    }
  }
  if (trace != nullptr && trace->pid_read) {
    const int vector = out.result && out.result->posted ? out.result->posted->target.vector : 0;
    ExplainEntry e;
    e.title = "posted-interrupt descriptor (read)";
    e.section = "§9.11";
    e.chosen_by = "IRTE PDA";
    e.address =
        trace->irte
            ? PostedIrte::Decode(trace->irte->words[0], trace->irte->words[1]).descriptor_address
            : 0;
    e.raw.assign(trace->pid_read->begin() + 4, trace->pid_read->begin() + 5);
    e.fields = PidFields(*trace->pid_read, vector);
    e.color = kPidColor;
    e.note = "one locked read-modify-write of the 64-byte descriptor (S §5.2.3); raw: qword 4";
    pid_entry = x.AddEntry(std::move(e));
    if (trace->pid_written) {
      ExplainEntry w = x.chain[pid_entry];
      w.title = "posted-interrupt descriptor (written back)";
      w.raw.assign(trace->pid_written->begin() + 4, trace->pid_written->begin() + 5);
      w.fields = PidFields(*trace->pid_written, vector);
      w.mark = EntryMark::kWritten;
      w.note = absl::StrFormat(
          "PIR[%s] set%s", Hex(static_cast<uint64_t>(vector)),
          out.result && out.result->posted && out.result->posted->notification ? ", ON set" : "");
      x.AddEntry(std::move(w));
    }
  }
  for (const StaleEntryReport& s : out.stale) {
    x.AddLine(absl::StrCat("invalidation checker: ", s.ToString()));
  }
  if (out.fault) {
    x.fault = true;
    x.outcome = FaultText(*out.fault, out.recorded, out.fault_record);
    const FaultReason reason = out.fault->reason;
    int at = -1;
    if (reason == FaultReason::kPostedDescriptorAccessError ||
        reason == FaultReason::kPostedDescriptorReserved) {
      at = pid_entry;
    } else if (reason == FaultReason::kIrteNotPresent ||
               reason == FaultReason::kIrSourceIdCheckFailed ||
               reason == FaultReason::kIrteReserved) {
      at = irte_entry;
    }
    if (at >= 0) {
      x.chain[at].mark = EntryMark::kFault;
      x.chain[at].note = absl::StrFormat("blocked here: fault %s (%s)", FaultReasonHex(reason),
                                         FaultReasonSymbol(reason));
    }
    return x;
  }
  if (!out.result) {
    x.fault = true;
    x.outcome = "blocked without a fault record";
    return x;
  }
  const InterruptResult& res = *out.result;
  switch (res.disposition) {
    case InterruptDisposition::kPassedThrough:
      x.outcome = absl::StrCat("result: compatibility format passed through, not remapped: ",
                               MessageText(res.message), " (S §5.1.4)");
      break;
    case InterruptDisposition::kRemapped:
      x.outcome = absl::StrCat("result: remapped through IRTE ", Hex(res.index.value_or(0)), ": ",
                               MessageText(res.message), " (IRTE V, DST, DM, DLM, TM)");
      break;
    case InterruptDisposition::kPosted: {
      const PostedDelivery& p = *res.posted;
      x.AddLine(absl::StrFormat(
          "posting: PIR[%s] %s; ON was %d, SN %d, URG %d: %s (S §5.2.3)",
          Hex(static_cast<uint64_t>(p.target.vector)), p.was_pending ? "was already set" : "set",
          p.outstanding_before ? 1 : 0, p.suppressed ? 1 : 0, p.target.urgent ? 1 : 0,
          p.notification ? "ON set and a notification event sent"
                         : "no notification (ON already set, or SN=1 without URG)"));
      x.outcome = absl::StrFormat(
          "result: posted to the descriptor at %s, vector %s%s", Hex(p.target.descriptor_address),
          Hex(static_cast<uint64_t>(p.target.vector)),
          p.notification ? absl::StrCat("; notification: ", MessageText(*p.notification)) : "");
      break;
    }
  }
  return x;
}

Explanation ExplainQueue(const QueueExplainInput& in) {
  Explanation x;
  x.kind = "queue";
  x.title = absl::StrFormat("%s: software writes descriptors at the queue tail and moves IQT",
                            in.unit_name);
  x.AddLine(absl::StrFormat(
      "software writes the descriptors at the tail (IQT %s) and then IQT = %s, which hands them "
      "to hardware",
      Hex(QueueRegisters::kQueueOffset.InPlace(in.before.iqt)),
      Hex(QueueRegisters::kQueueOffset.InPlace(in.after.iqt))));
  ExplainQueueRun(x, in.before, in.after, in.run);
  return x;
}

Explanation ExplainRegisterWrite(const RegisterWriteExplainInput& in) {
  Explanation x;
  x.kind = "mmio_write";
  const RemappingUnit& unit = *in.unit;
  const RegisterFile& regs = unit.registers();
  auto is = [&](RegId id) { return in.offset == regs.OffsetOf(id); };
  const std::string name = in.reg_name.empty() ? Hex(in.offset) : in.reg_name;
  x.title = absl::StrFormat("%s: software writes %s = %s", in.unit_name, name, Hex(in.value));
  x.AddEntry(RegisterEntry(unit, absl::StrCat(name, " written"), in.offset, in.value), "");
  const RegisterSnapshot& b = in.before;
  const RegisterSnapshot& a = in.after;
  if (is(RegId::kGcmd)) {
    const uint32_t v = static_cast<uint32_t>(in.value);
    std::vector<std::string> commands;
    for (const BitName& bit : kGcmdBits) {
      const bool one_shot = (Gcmd::kOneShotMask >> bit.bit) & 1;
      const int want = (v >> bit.bit) & 1, was = (b.gsts >> bit.bit) & 1;
      if (one_shot ? want == 1 : want != was) {
        commands.push_back(absl::StrFormat("%s=%d (%s%s)", bit.name, want,
                                           want || one_shot ? "" : "un-", bit.meaning));
      }
    }
    x.AddLine(absl::StrFormat(
        "command: GCMD is read as a difference from GSTS (software writes GSTS & 96FFFFFFh with "
        "one "
        "bit changed, S §11.4.4.1): %s",
        commands.empty() ? std::string("no command (every persistent bit matches GSTS)")
                         : absl::StrJoin(commands, ", ")));
    if (commands.size() > 1) x.AddLine("more than one command in one write: the spec asks for one");
    x.AddLine(absl::StrFormat("status: GSTS %s -> %s: %s", Hex(b.gsts), Hex(a.gsts),
                              StatusChange(b.gsts, a.gsts)));
    x.AddEntry(RegisterEntry(unit, "GSTS_REG after", regs.OffsetOf(RegId::kGsts), a.gsts));
    if (a.root_table && (Gcmd::kSrtp.Get(v) != 0)) {
      x.AddLine(
          absl::StrFormat("latched: RTADDR_REG = %s: %s; walks use it from now on (S §11.4.5)",
                          Hex(*a.root_table), RootPointerText(*a.root_table)));
    }
    if (a.interrupt_table && (Gcmd::kSirtp.Get(v) != 0)) {
      x.AddLine(absl::StrFormat("latched: IRTA_REG = %s: %s (S §11.4.10)", Hex(*a.interrupt_table),
                                IrtaText(*a.interrupt_table)));
    }
    if (Gcmd::kQie.Get(v) && !Gsts::kQies.Get(b.gsts) && Gsts::kQies.Get(a.gsts)) {
      ExplainQueueRun(x, b, a, in.run);
    }
  } else if (is(RegId::kCcmd) && (in.width == 64 || in.offset % 8 == 4)) {
    const uint64_t cirg = (in.value >> 61) & 3;
    x.AddLine(absl::StrFormat(
        "command: ICC=%d asks for a %s context-cache invalidation (CIRG=%d%s) (S §6.5.1, §11.4.6)",
        static_cast<int>(in.value >> 63), Granularity(static_cast<uint8_t>(cirg), false),
        static_cast<int>(cirg), cirg >= 2 ? absl::StrCat(", DID ", Hex(in.value & 0xffff)) : ""));
    x.AddLine(absl::StrFormat("status: CCMD now %s: ICC=%d (%s), CAIG=%d: %s", Hex(a.ccmd),
                              static_cast<int>(a.ccmd >> 63),
                              (a.ccmd >> 63) ? "still pending" : "complete",
                              static_cast<int>((a.ccmd >> 59) & 3),
                              Performed(static_cast<uint8_t>((a.ccmd >> 59) & 3), false)));
  } else if (is(RegId::kIotlb) || in.offset == regs.OffsetOf(RegId::kIotlb) + 4) {
    const uint64_t v = in.width == 64 ? in.value : in.value << 32;
    const uint64_t iirg = (v >> 60) & 3;
    x.AddLine(absl::StrFormat(
        "command: IVT=%d asks for a %s IOTLB invalidation (IIRG=%d%s%s%s) (S §6.5.1, §11.4.8.1)",
        static_cast<int>(v >> 63), Granularity(static_cast<uint8_t>(iirg), true),
        static_cast<int>(iirg), iirg >= 2 ? absl::StrCat(", DID ", Hex((v >> 32) & 0xffff)) : "",
        (v >> 49) & 1 ? ", drain reads" : "", (v >> 48) & 1 ? ", drain writes" : ""));
    x.AddLine(absl::StrFormat("status: IOTLB_REG now %s: IVT=%d (%s), IAIG=%d: %s", Hex(a.iotlb),
                              static_cast<int>(a.iotlb >> 63),
                              (a.iotlb >> 63) ? "still pending" : "complete",
                              static_cast<int>((a.iotlb >> 57) & 3),
                              Performed(static_cast<uint8_t>((a.iotlb >> 57) & 3), true)));
  } else if (is(RegId::kIqt)) {
    x.AddLine("IQT moved: hardware fetches the descriptors from IQH up to the new tail");
    ExplainQueueRun(x, b, a, in.run);
  } else if (is(RegId::kFsts)) {
    x.AddLine(absl::StrFormat(
        "FSTS bits are write-1-to-clear: FSTS %s -> %s (set before: %s; set now: %s) (S §11.4.7.1)",
        Hex(b.fsts), Hex(a.fsts), SetBits(kFstsBits, b.fsts), SetBits(kFstsBits, a.fsts)));
    const uint32_t stalls = QueueRegisters::kFstsIqe.mask() | QueueRegisters::kFstsIte.mask();
    if ((b.fsts & stalls) != 0 && (a.fsts & stalls) == 0 && in.run != nullptr) {
      x.AddLine("the queue error is cleared: hardware fetches again from IQH (S §6.5.2.11)");
      ExplainQueueRun(x, b, a, in.run);
    }
  } else if (is(RegId::kRtaddr)) {
    x.AddLine(
        absl::StrFormat("RTADDR_REG = %s: %s; hardware uses it only after GCMD.SRTP "
                        "latches it (S §11.4.5)",
                        Hex(in.value), RootPointerText(in.value)));
  } else if (is(RegId::kIrta)) {
    x.AddLine(
        absl::StrFormat("IRTA_REG = %s: %s; hardware uses it only after GCMD.SIRTP latches "
                        "it (S §11.4.10)",
                        Hex(in.value), IrtaText(in.value)));
  } else if (is(RegId::kIqa)) {
    x.AddLine(absl::StrFormat("IQA_REG = %s: %s (S §6.5.2)", Hex(in.value), IqaText(in.value)));
  } else {
    x.AddLine("the register keeps the value (within its writable bits); no command");
  }
  return x;
}

Explanation ExplainSoftwareStep(const Step& step, std::string_view what,
                                std::optional<uint64_t> value, const RemappingUnit* unit) {
  Explanation x;
  x.kind = std::string(ActionKindName(step.kind()));
  x.title = std::string(what);
  switch (step.kind()) {
    case ActionKind::kMmioRead: {
      const MmioRead& m = std::get<MmioRead>(step.action);
      const std::string name = m.reg.name.empty() ? Hex(m.reg.offset) : m.reg.name;
      if (unit != nullptr && value) {
        x.AddEntry(RegisterEntry(*unit, absl::StrCat(name, " read"), m.reg.offset, *value));
      }
      x.outcome = absl::StrFormat("software reads %s: %s", name, value ? Hex(*value) : "-");
      break;
    }
    case ActionKind::kMemRead:
      x.AddLine("software reads host memory directly: no remapping unit is involved");
      x.outcome = absl::StrFormat("value %s", value ? Hex(*value) : "-");
      break;
    case ActionKind::kMemWrite:
      x.AddLine(
          "software writes host memory directly: no remapping unit sees it, and no cache is told; "
          "after changing a structure that hardware may cache, software must invalidate it "
          "(S §6.5)");
      break;
    case ActionKind::kMap: {
      const MapStep& m = std::get<MapStep>(step.action);
      if (m.scalable && m.pgtt.value == 1) {
        x.AddLine(
            "software (the table builder, as an SVA driver would) writes the scalable-mode root "
            "entry (S §9.2), context entry (S §9.4), PASID directory entry (S §9.5) and the PASID "
            "table entry (S §9.6) with PGTT=001b and FSPTPTR, then first-stage paging entries "
            "(S §9.7: P, R/W, U/S, XD) down to the page size; plain memory writes, no cache is "
            "invalidated");
      } else if (m.scalable && m.pgtt.value == 3) {
        x.AddLine(absl::StrFormat(
            "software writes the scalable-mode structures (S §9.2, §9.4, §9.5) and the PASID "
            "table entry (S §9.6) with PGTT=011b, FSPTPTR (a GPA) and SSPTPTR; the guest's "
            "first-stage entries (S §9.7) map the IOVA to GPA %s and point to tables by GPA; "
            "the domain's second-stage entries (S §9.8) map that GPA to HPA %s and every guest "
            "table page's GPA to its host page (S §3.8); no cache is invalidated",
            Hex(m.gpa.value), Hex(m.hpa.value)));
      } else {
        x.AddLine(
            "software (the table builder, as a driver would) writes the root entry (S §9.1) for "
            "the requester's bus, its context entry (S §9.3) with the domain, and second-stage "
            "paging entries (S §9.8) down to the page size; plain memory writes, no cache is "
            "invalidated");
      }
      ExplainSplit s;
      const uint64_t iova = m.iova.value;
      s.title = absl::StrFormat("IOVA %s (first page of the mapping)", Hex(iova));
      const int levels = static_cast<int>(m.levels.value);
      s.width_bits = 12 + 9 * levels;
      const int leaf = m.page_size.value == (uint64_t{1} << 30)   ? 3
                       : m.page_size.value == (uint64_t{1} << 21) ? 2
                                                                  : 1;
      for (int level = levels; level >= leaf; --level) {
        const int lo = 12 + 9 * (level - 1);
        s.fields.push_back(ExplainBits{lo + 8, lo,
                                       absl::StrCat(internal::LevelName(level), " index"),
                                       (iova >> lo) & 0x1ff, 2 + (5 - level)});
      }
      const int offset_bits = 12 + 9 * (leaf - 1);
      s.fields.push_back(ExplainBits{offset_bits - 1, 0, "offset in the page",
                                     iova & ((uint64_t{1} << offset_bits) - 1), -1});
      x.splits.push_back(std::move(s));
      x.AddLine(
          absl::StrFormat("each page of %s: %d levels of 512-entry tables, the leaf at level %d",
                          Hex(m.page_size.value), levels, leaf));
      break;
    }
    case ActionKind::kEnable:
      x.AddLine(
          "the driver's enable sequence: RTADDR, GCMD.SRTP (poll GSTS.RTPS), global "
          "context-cache invalidation (CCMD), global IOTLB invalidation (IOTLB_REG), write-buffer "
          "flush when CAP.RWBF, then GCMD.TE (poll GSTS.TES) (S §11.4.4.1, §11.4.5, §6.5.1)");
      if (unit != nullptr) {
        const RegisterSnapshot a = TakeRegisterSnapshot(*unit);
        x.AddEntry(RegisterEntry(*unit, "GSTS_REG after", unit->registers().OffsetOf(RegId::kGsts),
                                 a.gsts));
        if (a.root_table) {
          x.AddLine(absl::StrFormat("latched: RTADDR_REG = %s: %s (S §11.4.5)", Hex(*a.root_table),
                                    RootPointerText(*a.root_table)));
        }
      }
      break;
    case ActionKind::kIrte: {
      const IrteStep& i = std::get<IrteStep>(step.action);
      absl::StatusOr<std::array<uint64_t, 2>> words =
          std::visit([](const auto& entry) { return entry.Encode(); }, i.entry);
      x.AddLine(
          "software writes one interrupt-remapping table entry in memory: the interrupt entry "
          "cache is not told; an iec_inv_dsc must follow if hardware may have cached it (S §6.4)");
      if (words.ok()) {
        ExplainEntry e;
        e.fields = IrteFields((*words)[0], (*words)[1], &e.title, &e.section);
        e.title = absl::StrCat(e.title, " ", i.index.value);
        e.chosen_by = absl::StrFormat("index %d: table + 16 x %d", i.index.value, i.index.value);
        if (unit != nullptr) {
          const uint64_t table =
              i.table
                  ? i.table->value
                  : InterruptRemapTableAddress::kIrta.InPlace(unit->registers().Get(RegId::kIrta));
          e.address = table + uint64_t{16} * i.index.value;
        }
        e.raw = {(*words)[0], (*words)[1]};
        e.mark = EntryMark::kWritten;
        e.color = kIrteColor;
        x.AddEntry(std::move(e));
      }
      break;
    }
    default:
      break;
  }
  return x;
}

}  // namespace vtd::scenario

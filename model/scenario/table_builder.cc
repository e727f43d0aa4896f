#include "model/scenario/table_builder.h"

#include <array>
#include <cstdint>
#include <vector>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/structs/context_entry.h"
#include "model/structs/pasid_directory_entry.h"
#include "model/structs/pasid_entry.h"
#include "model/structs/root_entry.h"
#include "model/structs/scalable_context_entry.h"
#include "model/structs/scalable_root_entry.h"
#include "model/structs/second_stage_pte.h"

namespace vtd::scenario {
namespace {

constexpr uint64_t kTableBytes = 4096;
constexpr uint64_t kAddressMask = 0x000f'ffff'ffff'f000;  // bits 51:12

}  // namespace

TableBuilder::TableBuilder(HostMemory* memory, uint64_t pool_base, uint64_t pool_size)
    : memory_(memory), pool_base_(pool_base), pool_end_(pool_base + pool_size), next_(pool_base) {}

absl::StatusOr<uint64_t> TableBuilder::AllocateTable(int pages) {
  const uint64_t bytes = kTableBytes * static_cast<uint64_t>(pages);
  if (next_ + bytes > pool_end_ || !memory_->Contains(next_, bytes)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the builders' table pool [%s, %s) is full after %d tables (expected a larger "
        "'tables: {size: ...}')",
        Hex(pool_base_), Hex(pool_end_), tables_allocated_));
  }
  const uint64_t table = next_;
  next_ += bytes;
  tables_allocated_ += pages;
  // A driver zeroes a table before publishing it (entries not present).
  static const std::array<uint8_t, kTableBytes> kZero{};
  for (int page = 0; page < pages; ++page) {
    absl::Status written = memory_->WriteBytes(table + kTableBytes * page, kZero);
    if (!written.ok()) return written;
  }
  return table;
}

absl::StatusOr<uint64_t> TableBuilder::RootTable(int unit) {
  auto it = roots_.find(unit);
  if (it != roots_.end()) return it->second;
  absl::StatusOr<uint64_t> table = AllocateTable();
  if (!table.ok()) return table.status();
  roots_[unit] = *table;
  return *table;
}

std::optional<bool> TableBuilder::Scalable(int unit) const {
  auto it = scalable_.find(unit);
  if (it == scalable_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<QueuePages> TableBuilder::Queue(int unit) {
  auto it = queues_.find(unit);
  if (it != queues_.end()) return it->second;
  absl::StatusOr<uint64_t> queue = AllocateTable(2);
  if (!queue.ok()) return queue.status();
  absl::StatusOr<uint64_t> status = AllocateTable();
  if (!status.ok()) return status.status();
  return queues_[unit] = QueuePages{*queue, *status};
}

absl::Status TableBuilder::WriteWords(uint64_t address, absl::Span<const uint64_t> words) {
  // The qwords above the first, then the first: the present bit lives in qword 0, so the
  // entry becomes present last, the order a driver publishes in.
  for (size_t i = words.size(); i-- > 1;) {
    absl::Status s = memory_->Write64(address + 8 * i, words[i]);
    if (!s.ok()) return s;
  }
  return memory_->Write64(address, words[0]);
}

absl::Status TableBuilder::Map(int unit, const MapRequest& m) {
  if (m.levels < 3 || m.levels > 5) {
    return absl::InvalidArgumentError(absl::StrFormat("levels %d (expected 3, 4 or 5)", m.levels));
  }
  const bool scalable = m.scalable.has_value();
  auto [mode, inserted] = scalable_.emplace(unit, scalable);
  if (mode->second != scalable) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the unit's tables are %s-mode ones (expected every map of a unit in one mode: %s)",
        mode->second ? "scalable" : "legacy",
        mode->second ? "give pasid, pgtt or rid_pasid" : "without pasid, pgtt and rid_pasid"));
  }
  return scalable ? MapScalable(unit, m) : MapLegacy(unit, m);
}

absl::StatusOr<uint64_t> TableBuilder::DomainTables(int unit, const MapRequest& m) {
  const auto key = std::make_pair(unit, m.domain);
  auto it = domains_.find(key);
  if (it != domains_.end()) {
    if (it->second.second != m.levels) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "domain %d already uses %d-level tables (expected levels: %d for every mapping of "
          "the domain)",
          m.domain, it->second.second, it->second.second));
    }
    return it->second.first;
  }
  absl::StatusOr<uint64_t> t = AllocateTable();
  if (!t.ok()) return t.status();
  domains_[key] = {*t, m.levels};
  return *t;
}

absl::Status TableBuilder::MapLegacy(int unit, const MapRequest& m) {
  const int aw = m.levels - 2;  // S §9.3: AW 1 = 39-bit (3-level) ... 3 = 57-bit (5-level)
  absl::StatusOr<uint64_t> root = RootTable(unit);
  if (!root.ok()) return root.status();

  // Root entry for the bus (S §9.1).
  const uint64_t root_entry = *root + uint64_t{16} * m.sid.bus();
  absl::StatusOr<uint64_t> root_lo = memory_->Read64(root_entry);
  if (!root_lo.ok()) return root_lo.status();
  uint64_t context_table;
  if ((*root_lo & 1) == 0) {
    absl::StatusOr<uint64_t> t = AllocateTable();
    if (!t.ok()) return t.status();
    context_table = *t;
    RootEntry entry;
    entry.present = true;
    entry.context_table = context_table;
    absl::StatusOr<std::array<uint64_t, 2>> words = entry.Encode();
    if (!words.ok()) return words.status();
    absl::Status s = WriteWords(root_entry, *words);
    if (!s.ok()) return s;
  } else {
    context_table = *root_lo & kAddressMask;
  }

  // Context entry for devfn (S §9.3).
  const uint64_t context_entry = context_table + uint64_t{16} * m.sid.devfn();
  absl::StatusOr<uint64_t> ce_lo = memory_->Read64(context_entry);
  absl::StatusOr<uint64_t> ce_hi = memory_->Read64(context_entry + 8);
  if (!ce_lo.ok()) return ce_lo.status();
  if (!ce_hi.ok()) return ce_hi.status();
  const auto key = std::make_pair(unit, m.domain);
  uint64_t top;
  if ((*ce_lo & 1) == 0) {
    absl::StatusOr<uint64_t> t = DomainTables(unit, m);
    if (!t.ok()) return t.status();
    top = *t;
    ContextEntry entry;
    entry.present = true;
    entry.tt = static_cast<uint8_t>(TranslationType::kUntranslatedOnly);
    entry.second_stage_root = top;
    entry.aw = static_cast<uint8_t>(aw);
    entry.did = DomainId(m.domain);
    absl::StatusOr<std::array<uint64_t, 2>> words = entry.Encode();
    if (!words.ok()) return words.status();
    absl::Status s = WriteWords(context_entry, *words);
    if (!s.ok()) return s;
  } else {
    const ContextEntry entry = ContextEntry::Decode(*ce_lo, *ce_hi);
    if (entry.did.value() != m.domain || entry.aw != aw ||
        entry.translation_type() != TranslationType::kUntranslatedOnly) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "requester %s already has a context entry (domain %d, AW %d, TT %s) that this "
          "mapping (domain %d, %d levels) cannot reuse (expected the same domain and levels)",
          m.sid, entry.did.value(), entry.aw, TranslationTypeName(entry.translation_type()),
          m.domain, m.levels));
    }
    top = entry.second_stage_root;
    domains_.emplace(key, std::make_pair(top, m.levels));
  }
  return MapSecondStage(top, m);
}

absl::Status TableBuilder::MapScalable(int unit, const MapRequest& m) {
  const ScalableTarget& target = *m.scalable;
  absl::StatusOr<uint64_t> root = RootTable(unit);
  if (!root.ok()) return root.status();
  const int devfn = m.sid.devfn();

  // Scalable-mode root entry for the bus (S §9.2): the half for devfn.
  const uint64_t root_entry = *root + uint64_t{ScalableRootEntry::kSizeBytes} * m.sid.bus();
  absl::StatusOr<uint64_t> root_lo = memory_->Read64(root_entry);
  absl::StatusOr<uint64_t> root_hi = memory_->Read64(root_entry + 8);
  if (!root_lo.ok()) return root_lo.status();
  if (!root_hi.ok()) return root_hi.status();
  ScalableRootEntry re = ScalableRootEntry::Decode(*root_lo, *root_hi);
  if (!re.PresentFor(devfn)) {
    absl::StatusOr<uint64_t> t = AllocateTable();
    if (!t.ok()) return t.status();
    if (devfn >= ScalableRootEntry::kUpperDevfn) {
      re.upper_present = true;
      re.upper_context_table = *t;
    } else {
      re.lower_present = true;
      re.lower_context_table = *t;
    }
    absl::StatusOr<std::array<uint64_t, 2>> words = re.Encode();
    if (!words.ok()) return words.status();
    // Only the half that changed is written: the other may be in use.
    const int half = devfn >= ScalableRootEntry::kUpperDevfn ? 1 : 0;
    absl::Status s = memory_->Write64(root_entry + 8 * half, (*words)[half]);
    if (!s.ok()) return s;
  }

  // Scalable-mode context entry (S §9.4): 32 bytes at devfn & 0x7F.
  const uint64_t context_entry =
      re.ContextTableFor(devfn) +
      uint64_t{ScalableContextEntry::kSizeBytes} * ScalableRootEntry::ContextIndex(devfn);
  std::array<uint64_t, 4> ce_words{};
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<uint64_t> w = memory_->Read64(context_entry + 8 * i);
    if (!w.ok()) return w.status();
    ce_words[i] = *w;
  }
  absl::StatusOr<ScalableContextEntry> ce = ScalableContextEntry::Decode(ce_words);
  if (!ce.ok()) return ce.status();
  if (!ce->present) {
    absl::StatusOr<uint64_t> directory = AllocateTable();
    if (!directory.ok()) return directory.status();
    ScalableContextEntry entry;
    entry.present = true;
    entry.pdts = kBuilderPdts;
    entry.pasid_directory = *directory;
    entry.rid_pasid = target.rid_pasid;
    entry.pasid_enable = target.pasid.has_value();
    absl::StatusOr<std::array<uint64_t, 4>> words = entry.Encode();
    if (!words.ok()) return words.status();
    absl::Status s = WriteWords(context_entry, *words);
    if (!s.ok()) return s;
    *ce = entry;
  } else {
    if (ce->rid_pasid != target.rid_pasid) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "requester %s already has a scalable-mode context entry with RID_PASID %s (expected "
          "rid_pasid: %s in every map of the requester)",
          m.sid, Hex(ce->rid_pasid), Hex(ce->rid_pasid)));
    }
    if (target.pasid.has_value() && !ce->pasid_enable) {
      // The device now takes requests with PASID: PASIDE, in qword 0 (S §9.4).
      ce->pasid_enable = true;
      absl::Status s =
          memory_->Write64(context_entry, ce_words[0] | ScalableContextEntry::kPaside.mask());
      if (!s.ok()) return s;
    }
  }
  const uint32_t pasid = target.pasid.value_or(ce->rid_pasid);
  if (pasid > ce->MaxPasid()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PASID %s is beyond the %d entries of %s's PASID directory (PDTS %d; expected a PASID "
        "up to %s)",
        Hex(pasid), ce->PasidDirectoryEntries(), m.sid, ce->pdts, Hex(ce->MaxPasid())));
  }

  // PASID directory entry PASID[19:6] (S §9.5).
  const uint64_t directory_entry =
      ce->pasid_directory + uint64_t{PasidDirectoryEntry::kSizeBytes} * PasidDirectoryIndex(pasid);
  absl::StatusOr<uint64_t> de_raw = memory_->Read64(directory_entry);
  if (!de_raw.ok()) return de_raw.status();
  PasidDirectoryEntry de = PasidDirectoryEntry::Decode(*de_raw);
  if (!de.present) {
    absl::StatusOr<uint64_t> t = AllocateTable();
    if (!t.ok()) return t.status();
    de.present = true;
    de.fpd = false;
    de.pasid_table = *t;
    absl::StatusOr<uint64_t> encoded = de.Encode();
    if (!encoded.ok()) return encoded.status();
    absl::Status s = memory_->Write64(directory_entry, *encoded);
    if (!s.ok()) return s;
  }

  // PASID table entry PASID[5:0] (S §9.6).
  const uint64_t pasid_entry =
      de.pasid_table + uint64_t{PasidEntry::kSizeBytes} * PasidTableIndex(pasid);
  std::array<uint64_t, 8> pe_words{};
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<uint64_t> w = memory_->Read64(pasid_entry + 8 * i);
    if (!w.ok()) return w.status();
    pe_words[i] = *w;
  }
  absl::StatusOr<PasidEntry> pe = PasidEntry::Decode(pe_words);
  if (!pe.ok()) return pe.status();
  const bool second_stage = target.pgtt == static_cast<uint8_t>(PasidTranslationType::kSecondStage);
  const uint8_t aw = second_stage ? static_cast<uint8_t>(m.levels - 2) : 0;
  if (!pe->present) {
    PasidEntry entry;
    entry.present = true;
    entry.pgtt = target.pgtt;
    entry.did = DomainId(m.domain);
    entry.pwsnp = target.page_walk_snoop;
    if (second_stage) {
      absl::StatusOr<uint64_t> top = DomainTables(unit, m);
      if (!top.ok()) return top.status();
      entry.aw = aw;
      entry.second_stage_root = *top;
    }
    absl::StatusOr<std::array<uint64_t, 8>> words = entry.Encode();
    if (!words.ok()) return words.status();
    absl::Status s = WriteWords(pasid_entry, *words);
    if (!s.ok()) return s;
    *pe = entry;
  } else if (pe->pgtt != target.pgtt || pe->did.value() != m.domain ||
             (second_stage && pe->aw != aw)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PASID %s of %s already has a PASID entry (PGTT %s, domain %d, AW %d) that this "
        "mapping (PGTT %s, domain %d, %d levels) cannot reuse (expected the same pgtt, domain "
        "and levels)",
        Hex(pasid), m.sid, PasidTranslationTypeName(pe->pgtt), pe->did.value(), pe->aw,
        PasidTranslationTypeName(target.pgtt), m.domain, m.levels));
  } else if (second_stage) {
    domains_.emplace(std::make_pair(unit, m.domain),
                     std::make_pair(pe->second_stage_root, m.levels));
  }
  if (!second_stage) return absl::OkStatus();
  return MapSecondStage(pe->second_stage_root, m);
}

absl::Status TableBuilder::MapSecondStage(uint64_t top, const MapRequest& m) {
  // Second-stage tables (S §9.8, §3.7).
  const int leaf_level = m.page_size == 4096 ? 1 : m.page_size == (uint64_t{2} << 20) ? 2 : 3;
  for (uint64_t offset = 0; offset < m.size; offset += m.page_size) {
    const uint64_t iova = m.iova + offset;
    uint64_t table = top;
    for (int level = m.levels; level > leaf_level; --level) {
      const int shift = 12 + 9 * (level - 1);
      const uint64_t entry_address = table + 8 * ((iova >> shift) & 511);
      absl::StatusOr<uint64_t> raw = memory_->Read64(entry_address);
      if (!raw.ok()) return raw.status();
      const SecondStagePte pte = SecondStagePte::Decode(*raw);
      if (!pte.present()) {
        absl::StatusOr<uint64_t> t = AllocateTable();
        if (!t.ok()) return t.status();
        SecondStagePte next;
        next.read = true;
        next.write = true;
        next.address = *t;
        absl::StatusOr<uint64_t> encoded = next.Encode();
        if (!encoded.ok()) return encoded.status();
        absl::Status s = memory_->Write64(entry_address, *encoded);
        if (!s.ok()) return s;
        table = *t;
      } else if (pte.IsLeaf(level)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "iova %s is already inside a %s page mapped at level %d (expected a range not "
            "covered by a larger page)",
            Hex(iova), level == 3 ? "1G" : "2M", level));
      } else {
        table = pte.address;
      }
    }
    const int shift = 12 + 9 * (leaf_level - 1);
    const uint64_t entry_address = table + 8 * ((iova >> shift) & 511);
    SecondStagePte leaf;
    leaf.read = m.read;
    leaf.write = m.write;
    leaf.page_size = leaf_level > 1;
    leaf.address = m.hpa + offset;
    absl::StatusOr<uint64_t> encoded = leaf.Encode();
    if (!encoded.ok()) return encoded.status();
    absl::Status s = memory_->Write64(entry_address, *encoded);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace vtd::scenario

#include "model/scenario/table_builder.h"

#include <array>
#include <cstdint>
#include <vector>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/structs/context_entry.h"
#include "model/structs/first_stage_pte.h"
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
    entry.device_tlb_enable = target.device_tlb;
    entry.page_request_enable = target.page_requests;
    entry.translated_pasid_enable = target.translated_pasid;
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
    // Enables a later map asks for (PASIDE for its PASID, DTE, PRE, EPTR): bits of qword 0
    // (S §9.4), set in the entry in use.
    uint64_t lo = ce_words[0];
    if (target.pasid.has_value()) lo |= ScalableContextEntry::kPaside.mask();
    if (target.device_tlb) lo |= ScalableContextEntry::kDte.mask();
    if (target.page_requests) lo |= ScalableContextEntry::kPre.mask();
    if (target.translated_pasid) lo |= ScalableContextEntry::kEptr.mask();
    if (lo != ce_words[0]) {
      absl::Status s = memory_->Write64(context_entry, lo);
      if (!s.ok()) return s;
      ce_words[0] = lo;
      ce = ScalableContextEntry::Decode(ce_words);
      if (!ce.ok()) return ce.status();
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
  const auto pgtt = static_cast<PasidTranslationType>(target.pgtt);
  const bool second_stage = pgtt == PasidTranslationType::kSecondStage;
  const bool nested = pgtt == PasidTranslationType::kNested;
  const bool first_stage = pgtt == PasidTranslationType::kFirstStage || nested;
  const bool uses_second_stage = second_stage || nested;
  const uint8_t aw = uses_second_stage ? static_cast<uint8_t>(m.levels - 2) : 0;
  const uint8_t fspm = first_stage && target.fs_levels == 5 ? 1 : 0;
  const auto fs_key = std::make_tuple(unit, m.domain, pasid);
  if (!pe->present) {
    PasidEntry entry;
    entry.present = true;
    entry.pgtt = target.pgtt;
    entry.did = DomainId(m.domain);
    entry.pwsnp = target.page_walk_snoop;
    if (uses_second_stage) {
      absl::StatusOr<uint64_t> top = DomainTables(unit, m);
      if (!top.ok()) return top.status();
      entry.aw = aw;
      entry.second_stage_root = *top;
      entry.ssade = target.ssade;
    }
    if (first_stage) {
      // One first-stage table per domain and PASID: a device joining them shares it.
      auto root = fs_roots_.find(fs_key);
      if (root == fs_roots_.end()) {
        absl::StatusOr<FsTable> t = AllocateFsTable(unit, m, entry.second_stage_root);
        if (!t.ok()) return t.status();
        root = fs_roots_.emplace(fs_key, t->pointer).first;
      }
      entry.first_stage_root = root->second;
      entry.fspm = fspm;
      entry.sre = target.sre;
      entry.wpe = target.wpe;
      entry.eafe = target.eafe;
    }
    absl::StatusOr<std::array<uint64_t, 8>> words = entry.Encode();
    if (!words.ok()) return words.status();
    absl::Status s = WriteWords(pasid_entry, *words);
    if (!s.ok()) return s;
    *pe = entry;
  } else if (pe->pgtt != target.pgtt || pe->did.value() != m.domain ||
             (uses_second_stage && (pe->aw != aw || pe->ssade != target.ssade))) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PASID %s of %s already has a PASID entry (PGTT %s, domain %d, AW %d, SSADE %d) that "
        "this mapping (PGTT %s, domain %d, %d levels, SSADE %d) cannot reuse (expected the "
        "same pgtt, domain, levels and ssade)",
        Hex(pasid), m.sid, PasidTranslationTypeName(pe->pgtt), pe->did.value(), pe->aw,
        pe->ssade ? 1 : 0, PasidTranslationTypeName(target.pgtt), m.domain, m.levels,
        target.ssade ? 1 : 0));
  } else if (first_stage && (pe->fspm != fspm || pe->sre != target.sre || pe->wpe != target.wpe ||
                             pe->eafe != target.eafe)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PASID %s of %s already has a first-stage PASID entry (FSPM %d, SRE %d, WPE %d, EAFE "
        "%d) that this mapping (%d levels, sre %d, wpe %d, eafe %d) cannot reuse (expected the "
        "same levels, sre, wpe and eafe)",
        Hex(pasid), m.sid, pe->fspm, pe->sre, pe->wpe, pe->eafe, target.fs_levels, target.sre,
        target.wpe, target.eafe));
  } else {
    if (uses_second_stage) {
      domains_.emplace(std::make_pair(unit, m.domain),
                       std::make_pair(pe->second_stage_root, m.levels));
    }
    if (first_stage) fs_roots_.emplace(fs_key, pe->first_stage_root);
  }
  if (second_stage) return MapSecondStage(pe->second_stage_root, m);
  if (!first_stage) return absl::OkStatus();
  uint64_t root_hpa = pe->first_stage_root;
  if (nested) {
    absl::StatusOr<uint64_t> hpa =
        SecondStageOutput(pe->second_stage_root, m.levels, pe->first_stage_root);
    if (!hpa.ok()) return hpa.status();
    root_hpa = *hpa;
    // The data: GPA -> HPA in the domain's second stage (S §3.8).
    absl::Status s = MapSecondStageRange(pe->second_stage_root, m.levels, target.gpa, m.hpa, m.size,
                                         target.ss_page_size, target.ss_read, target.ss_write,
                                         /*keep_other=*/true);
    if (!s.ok()) return s;
  }
  return MapFirstStage(unit, m, root_hpa, pe->second_stage_root);
}

absl::StatusOr<TableBuilder::FsTable> TableBuilder::AllocateFsTable(int unit, const MapRequest& m,
                                                                    uint64_t ss_top) {
  absl::StatusOr<uint64_t> hpa = AllocateTable();
  if (!hpa.ok()) return hpa.status();
  if (m.scalable->pgtt != static_cast<uint8_t>(PasidTranslationType::kNested)) {
    return FsTable{*hpa, *hpa};
  }
  // The guest's table page: its GPA, mapped read/write in the second stage (a first-stage
  // table read needs SS read, an A/D update SS write: translation-structures.md §11).
  uint64_t gpa = *hpa;
  const auto key = std::make_pair(unit, m.domain);
  auto region = guest_tables_.find(key);
  if (region == guest_tables_.end() && m.scalable->guest_tables.has_value()) {
    region = guest_tables_
                 .emplace(key, GuestTables{*m.scalable->guest_tables, *m.scalable->guest_tables})
                 .first;
  }
  if (region != guest_tables_.end()) {
    if (m.scalable->guest_tables.has_value() && *m.scalable->guest_tables != region->second.start) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "domain %d's guest tables already start at GPA %s (expected guest_tables: %s or no "
          "guest_tables in its later maps)",
          m.domain, Hex(region->second.start), Hex(region->second.start)));
    }
    gpa = region->second.next;
    region->second.next += kTableBytes;
  }
  absl::Status s = MapSecondStageRange(ss_top, m.levels, gpa, *hpa, kTableBytes, kTableBytes,
                                       /*read=*/true, /*write=*/true, /*keep_other=*/true);
  if (!s.ok()) return s;
  return FsTable{*hpa, gpa};
}

absl::Status TableBuilder::MapFirstStage(int unit, const MapRequest& m, uint64_t root_hpa,
                                         uint64_t ss_top) {
  // First-stage tables (S §9.7, §3.6): indices from bits 56:48 (5-level), 47:39, 38:30,
  // 29:21, 20:12 of the input address.
  const ScalableTarget& target = *m.scalable;
  const bool nested = target.pgtt == static_cast<uint8_t>(PasidTranslationType::kNested);
  const uint64_t output = nested ? target.gpa : m.hpa;
  const int leaf_level = m.page_size == 4096 ? 1 : m.page_size == (uint64_t{2} << 20) ? 2 : 3;
  for (uint64_t offset = 0; offset < m.size; offset += m.page_size) {
    const uint64_t va = m.iova + offset;
    uint64_t table = root_hpa;
    for (int level = target.fs_levels; level > leaf_level; --level) {
      const uint64_t entry_address = table + 8 * ((va >> (12 + 9 * (level - 1))) & 511);
      absl::StatusOr<uint64_t> raw = memory_->Read64(entry_address);
      if (!raw.ok()) return raw.status();
      if (!FirstStagePte::kPresent.Get(*raw)) {
        absl::StatusOr<FsTable> t = AllocateFsTable(unit, m, ss_top);
        if (!t.ok()) return t.status();
        // Non-leaf entries grant everything: the leaf carries the mapping's rights, as
        // Linux writes them.
        FirstStagePte next;
        next.level = level;
        next.present = true;
        next.write = true;
        next.user = true;
        next.address = t->pointer;
        absl::StatusOr<uint64_t> encoded = next.Encode();
        if (!encoded.ok()) return encoded.status();
        absl::Status s = memory_->Write64(entry_address, *encoded);
        if (!s.ok()) return s;
        table = t->hpa;
      } else if (FirstStagePte::IsLeaf(*raw, level)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "iova %s is already inside a first-stage %s page mapped at level %d (expected a "
            "range not covered by a larger page)",
            Hex(va), level == 3 ? "1G" : "2M", level));
      } else {
        const uint64_t pointer = FirstStagePte::kAddress.InPlace(*raw);
        if (nested) {
          absl::StatusOr<uint64_t> hpa = SecondStageOutput(ss_top, m.levels, pointer);
          if (!hpa.ok()) return hpa.status();
          table = *hpa;
        } else {
          table = pointer;
        }
      }
    }
    FirstStagePte leaf;
    leaf.level = leaf_level;
    leaf.present = true;
    leaf.write = m.write;
    leaf.user = target.user;
    leaf.page_size = leaf_level > 1;
    leaf.xd = target.xd;
    leaf.address = output + offset;
    absl::StatusOr<uint64_t> encoded = leaf.Encode();
    if (!encoded.ok()) return encoded.status();
    absl::Status s =
        memory_->Write64(table + 8 * ((va >> (12 + 9 * (leaf_level - 1))) & 511), *encoded);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> TableBuilder::SecondStageOutput(uint64_t top, int levels, uint64_t gpa) {
  uint64_t table = top;
  for (int level = levels; level >= 1; --level) {
    const int shift = 12 + 9 * (level - 1);
    absl::StatusOr<uint64_t> raw = memory_->Read64(table + 8 * ((gpa >> shift) & 511));
    if (!raw.ok()) return raw.status();
    const SecondStagePte pte = SecondStagePte::Decode(*raw);
    if (!pte.present()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "guest table GPA %s is not mapped in the domain's second stage (expected the "
          "guest's tables where the builder placed them, or a second-stage mapping for them)",
          Hex(gpa)));
    }
    if (pte.IsLeaf(level)) {
      return pte.address + (gpa & ((uint64_t{1} << shift) - 1));
    }
    table = pte.address;
  }
  return absl::InternalError("unreachable: a level-1 entry is a leaf");
}

absl::Status TableBuilder::MapSecondStage(uint64_t top, const MapRequest& m) {
  return MapSecondStageRange(top, m.levels, m.iova, m.hpa, m.size, m.page_size, m.read, m.write,
                             /*keep_other=*/false);
}

absl::Status TableBuilder::MapSecondStageRange(uint64_t top, int levels, uint64_t input,
                                               uint64_t output, uint64_t size, uint64_t page_size,
                                               bool read, bool write, bool keep_other) {
  // Second-stage tables (S §9.8, §3.7).
  const int leaf_level = page_size == 4096 ? 1 : page_size == (uint64_t{2} << 20) ? 2 : 3;
  for (uint64_t offset = 0; offset < size; offset += page_size) {
    const uint64_t iova = input + offset;
    uint64_t table = top;
    for (int level = levels; level > leaf_level; --level) {
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
    if (keep_other) {
      absl::StatusOr<uint64_t> raw = memory_->Read64(entry_address);
      if (!raw.ok()) return raw.status();
      const SecondStagePte old = SecondStagePte::Decode(*raw);
      if (old.present() && old.address != output + offset) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "GPA %s is already mapped to HPA %s in the domain's second stage (expected the "
            "guest's data and page-table pages at distinct guest-physical addresses)",
            Hex(iova), Hex(old.address)));
      }
    }
    SecondStagePte leaf;
    leaf.read = read;
    leaf.write = write;
    leaf.page_size = leaf_level > 1;
    leaf.address = output + offset;
    absl::StatusOr<uint64_t> encoded = leaf.Encode();
    if (!encoded.ok()) return encoded.status();
    absl::Status s = memory_->Write64(entry_address, *encoded);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace vtd::scenario

#include "model/scenario/table_builder.h"

#include <array>
#include <cstdint>
#include <vector>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/structs/context_entry.h"
#include "model/structs/root_entry.h"
#include "model/structs/second_stage_pte.h"

namespace vtd::scenario {
namespace {

constexpr uint64_t kTableBytes = 4096;
constexpr uint64_t kAddressMask = 0x000f'ffff'ffff'f000;  // bits 51:12

}  // namespace

TableBuilder::TableBuilder(HostMemory* memory, uint64_t pool_base, uint64_t pool_size)
    : memory_(memory), pool_base_(pool_base), pool_end_(pool_base + pool_size), next_(pool_base) {}

absl::StatusOr<uint64_t> TableBuilder::AllocateTable() {
  if (next_ + kTableBytes > pool_end_ || !memory_->Contains(next_, kTableBytes)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the builders' table pool [%s, %s) is full after %d tables (expected a larger "
        "'tables: {size: ...}')",
        Hex(pool_base_), Hex(pool_end_), tables_allocated_));
  }
  const uint64_t table = next_;
  next_ += kTableBytes;
  ++tables_allocated_;
  // A driver zeroes a table before publishing it (entries not present).
  static const std::array<uint8_t, kTableBytes> kZero{};
  absl::Status written = memory_->WriteBytes(table, kZero);
  if (!written.ok()) return written;
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

absl::Status TableBuilder::Map(int unit, const MapRequest& m) {
  if (m.levels < 3 || m.levels > 5) {
    return absl::InvalidArgumentError(absl::StrFormat("levels %d (expected 3, 4 or 5)", m.levels));
  }
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
    absl::Status s = memory_->Write64(root_entry + 8, (*words)[1]);
    if (s.ok()) s = memory_->Write64(root_entry, (*words)[0]);
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
    auto it = domains_.find(key);
    if (it != domains_.end()) {
      if (it->second.second != m.levels) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "domain %d already uses %d-level tables (expected levels: %d for every mapping of "
            "the domain)",
            m.domain, it->second.second, it->second.second));
      }
      top = it->second.first;
    } else {
      absl::StatusOr<uint64_t> t = AllocateTable();
      if (!t.ok()) return t.status();
      top = *t;
      domains_[key] = {top, m.levels};
    }
    ContextEntry entry;
    entry.present = true;
    entry.tt = static_cast<uint8_t>(TranslationType::kUntranslatedOnly);
    entry.second_stage_root = top;
    entry.aw = static_cast<uint8_t>(aw);
    entry.did = DomainId(m.domain);
    absl::StatusOr<std::array<uint64_t, 2>> words = entry.Encode();
    if (!words.ok()) return words.status();
    // The high qword first, then the low one with P: the order a driver publishes in.
    absl::Status s = memory_->Write64(context_entry + 8, (*words)[1]);
    if (s.ok()) s = memory_->Write64(context_entry, (*words)[0]);
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

#include "tests/fuzz/table_enumerator.h"

#include <array>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/memory/host_memory.h"

namespace vtd::fuzz {
namespace {

constexpr int kBudget = 1 << 15;  // present entries visited per question
constexpr uint64_t kPageMask = ~uint64_t{0xfff};

constexpr uint64_t PageSize(int level) { return uint64_t{1} << (12 + 9 * (level - 1)); }

}  // namespace

TableEnumerator::TableEnumerator(const HostMemory& memory, int haw) : memory_(memory) {
  address_mask_ = ((uint64_t{1} << haw) - 1) & kPageMask;
}

uint64_t TableEnumerator::Read(uint64_t address) const {
  absl::StatusOr<uint64_t> v = memory_.Read64(address);
  return v.ok() ? *v : 0;
}

std::optional<bool> TableEnumerator::LegacyMaps(uint64_t rta, const IsolationQuery& q) {
  const uint64_t root = Read(rta + (q.sid >> 8) * 16);
  if ((root & 1) == 0) return false;
  const uint64_t context_at = (root & address_mask_) + (q.sid & 0xff) * 16;
  const uint64_t lo = Read(context_at);
  const uint64_t hi = Read(context_at + 8);
  if ((lo & 1) == 0) return false;
  if (((lo >> 2) & 3) == 2) return q.hpa == q.iova;  // pass-through: output = input
  budget_ = kBudget;
  const bool found = SecondStage(
      lo & address_mask_, static_cast<int>(hi & 7) + 2, 0, true, true, [&](const Leaf& leaf) {
        return q.hpa - leaf.out < leaf.size && (q.write ? leaf.w : leaf.r);
      });
  if (budget_ < 0) return std::nullopt;
  return found;
}

std::optional<bool> TableEnumerator::ScalableMaps(uint64_t rta, const IsolationQuery& q) {
  const uint8_t devfn = q.sid & 0xff;
  const uint64_t root = Read(rta + (q.sid >> 8) * 16 + (devfn >= 0x80 ? 8 : 0));
  if ((root & 1) == 0) return false;
  const uint64_t context_at = (root & address_mask_) + 32 * (devfn & 0x7f);
  const uint64_t c0 = Read(context_at), c1 = Read(context_at + 8);
  if ((c0 & 1) == 0) return false;
  const uint32_t pasid = q.pasid ? *q.pasid : static_cast<uint32_t>(c1 & 0xfffff);
  const bool privileged = q.pasid ? q.privileged : ((c1 >> 20) & 1) != 0;
  const uint64_t directory = Read((c0 & address_mask_) + 8 * (pasid >> 6));
  if ((directory & 1) == 0) return false;
  const uint64_t entry_at = (directory & address_mask_) + 64 * (pasid & 0x3f);
  const uint64_t p0 = Read(entry_at), p2 = Read(entry_at + 16);
  if ((p0 & 1) == 0) return false;
  const int pgtt = static_cast<int>((p0 >> 6) & 7);
  const int ss_levels = static_cast<int>((p0 >> 2) & 7) + 2;
  const uint64_t ss_root = p0 & address_mask_;
  const int fspm = static_cast<int>((p2 >> 2) & 3);
  const int fs_levels = fspm == 0 ? 4 : 5;
  const uint64_t fs_root = p2 & address_mask_;
  const bool wpe = ((p2 >> 4) & 1) != 0;
  // S §3.6.1: what a first-stage leaf's accumulated rights allow this request.
  auto first_stage_allows = [&](const Leaf& leaf) {
    if (!q.write) return privileged || leaf.u;
    return privileged ? (leaf.w || !wpe) : (leaf.w && leaf.u);
  };
  budget_ = kBudget;
  bool found = false;
  switch (pgtt) {
    case 4:
      return q.hpa == q.iova;
    case 2:
      found = SecondStage(ss_root, ss_levels, 0, true, true, [&](const Leaf& leaf) {
        return q.hpa - leaf.out < leaf.size && (q.write ? leaf.w : leaf.r);
      });
      break;
    case 1:
      if (fspm > 1) return false;
      found = FirstStage(
          fs_root, fs_levels, 0, true, true, [](uint64_t a) { return std::optional<uint64_t>(a); },
          [&](const Leaf& leaf) {
            return q.hpa - leaf.out < leaf.size && first_stage_allows(leaf);
          });
      break;
    case 3: {
      if (fspm > 1) return false;
      // Guest pages the second stage maps to the host page with the access's permission.
      std::vector<uint64_t> guest_pages;
      SecondStage(ss_root, ss_levels, 0, true, true, [&](const Leaf& leaf) {
        if (q.hpa - leaf.out < leaf.size && (q.write ? leaf.w : leaf.r)) {
          guest_pages.push_back(leaf.in + (q.hpa - leaf.out));
        }
        return false;
      });
      if (budget_ < 0) return std::nullopt;
      if (guest_pages.empty()) return false;
      found = FirstStage(
          fs_root, fs_levels, 0, true, true,
          [&](uint64_t gpa) { return SecondStageAddress(ss_root, ss_levels, gpa); },
          [&](const Leaf& leaf) {
            if (!first_stage_allows(leaf)) return false;
            for (uint64_t gpa : guest_pages) {
              if (gpa - leaf.out < leaf.size) return true;
            }
            return false;
          });
      break;
    }
    default:
      return false;
  }
  if (budget_ < 0) return std::nullopt;
  return found;
}

bool TableEnumerator::SecondStage(uint64_t table, int level, uint64_t in, bool r, bool w,
                                  const LeafFn& fn) {
  if (level < 1 || level > 5) return false;
  std::array<uint8_t, 4096> bytes{};
  if (!memory_.ReadBytes(table & kPageMask, absl::MakeSpan(bytes)).ok()) return false;
  for (int i = 0; i < 512; ++i) {
    uint64_t entry = 0;
    for (int k = 7; k >= 0; --k) entry = (entry << 8) | bytes[i * 8 + k];
    if ((entry & 3) == 0) continue;  // neither R nor W: not present
    if (--budget_ < 0) return false;
    const bool r2 = r && (entry & 1) != 0;
    const bool w2 = w && (entry & 2) != 0;
    const uint64_t address = entry & address_mask_;
    const uint64_t in2 = in | uint64_t(i) * PageSize(level);
    const bool leaf = level == 1 || (level <= 3 && ((entry >> 7) & 1) != 0);
    if (leaf) {
      const uint64_t size = PageSize(level);
      if (fn(Leaf{in2, address & ~(size - 1), size, r2, w2, false})) return true;
    } else if (SecondStage(address, level - 1, in2, r2, w2, fn)) {
      return true;
    }
  }
  return false;
}

bool TableEnumerator::FirstStage(uint64_t table, int level, uint64_t in, bool w, bool u,
                                 const std::function<std::optional<uint64_t>(uint64_t)>& locate,
                                 const LeafFn& fn) {
  if (level < 1 || level > 5) return false;
  const std::optional<uint64_t> at = locate(table & kPageMask);
  if (!at) return false;
  std::array<uint8_t, 4096> bytes{};
  if (!memory_.ReadBytes(*at & kPageMask, absl::MakeSpan(bytes)).ok()) return false;
  for (int i = 0; i < 512; ++i) {
    uint64_t entry = 0;
    for (int k = 7; k >= 0; --k) entry = (entry << 8) | bytes[i * 8 + k];
    if ((entry & 1) == 0) continue;  // P
    if (--budget_ < 0) return false;
    const bool w2 = w && (entry & 2) != 0;
    const bool u2 = u && (entry & 4) != 0;
    const uint64_t address = entry & address_mask_;
    const uint64_t in2 = in | uint64_t(i) * PageSize(level);
    const bool leaf = level == 1 || (level <= 3 && ((entry >> 7) & 1) != 0);
    if (leaf) {
      const uint64_t size = PageSize(level);
      if (fn(Leaf{in2, address & ~(size - 1), size, true, w2, u2})) return true;
    } else if (FirstStage(address, level - 1, in2, w2, u2, locate, fn)) {
      return true;
    }
  }
  return false;
}

std::optional<uint64_t> TableEnumerator::SecondStageAddress(uint64_t root, int levels,
                                                            uint64_t gpa) const {
  if (levels < 3 || levels > 5) return std::nullopt;
  uint64_t table = root;
  for (int level = levels; level >= 1; --level) {
    const uint64_t entry = Read((table & kPageMask) + 8 * ((gpa >> (12 + 9 * (level - 1))) & 511));
    if ((entry & 1) == 0) return std::nullopt;  // a table read needs R
    const uint64_t address = entry & address_mask_;
    if (level == 1 || (level <= 3 && ((entry >> 7) & 1) != 0)) {
      const uint64_t size = PageSize(level);
      return (address & ~(size - 1)) | (gpa & (size - 1));
    }
    table = address;
  }
  return std::nullopt;
}

}  // namespace vtd::fuzz

#include "model/translate/paging_walk.h"

#include <utility>

namespace vtd {

bool WalkMemory::LockedSetBits(uint64_t address, uint64_t expected, uint64_t set_bits,
                               MemoryAccessTag tag, uint64_t* now) {
  if (writable_ == nullptr || !BelowWidth(address + 7, haw_)) return false;
  uint64_t value = 0;
  if (!writable_->HwReadAligned64(address, tag, &value)) return false;
  // Another agent changed the entry since the walk read it: no update (the walk sees the
  // new value on its next read).
  if (value == expected && (value & set_bits) != set_bits) {
    value |= set_bits;
    if (!writable_->HwWrite(address, 8, value, tag).ok()) return false;
  }
  *now = value;
  return true;
}

void AddWalkStep(WalkTrace* trace, std::string_view structure, int level, int index,
                 std::string_view source, BitRange bits, uint64_t address, const uint64_t* raw,
                 int qwords, Json decoded) {
  WalkStep step;
  step.structure = structure;
  step.level = level;
  step.index = index;
  step.index_source = source;
  step.index_bits = bits;
  step.entry_address = address;
  step.raw_qwords = qwords;
  if (raw != nullptr) {
    step.raw[0] = raw[0];
    if (qwords == 2) step.raw[1] = raw[1];
  }
  step.decoded = std::move(decoded);
  trace->push_back(std::move(step));
}

SecondStageFormat::SecondStageFormat(const SsPteFormat& pte, FaultCondition root_fetch_error,
                                     FaultCondition fetch_error, FaultCondition reserved,
                                     bool stop_without_access)
    : root_fetch_error(root_fetch_error),
      fetch_error(fetch_error),
      reserved(reserved),
      stop_without_access(stop_without_access),
      pte_(pte) {
  for (int level = 1; level <= kMaxPagingLevels; ++level) {
    reserved_masks_[2 * level] = SecondStagePte::ReservedMask(0, level, pte);
    reserved_masks_[2 * level + 1] =
        SecondStagePte::ReservedMask(SecondStagePte::kPageSize.mask(), level, pte);
  }
}

std::string_view SecondStageFormat::LevelName(int level) {
  static constexpr std::string_view kNames[] = {"",        "ss_pte",   "ss_pde",
                                                "ss_pdpe", "ss_pml4e", "ss_pml5e"};
  return level >= 1 && level <= 5 ? kNames[level] : std::string_view("ss_entry");
}

}  // namespace vtd

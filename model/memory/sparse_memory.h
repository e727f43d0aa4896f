// Sparse host-physical memory, the default HostMemory: 4 KiB pages allocated on first write,
// zero elsewhere. A 4 GiB memory with a few tables costs a few pages.
#ifndef VTDSIM_MODEL_MEMORY_SPARSE_MEMORY_H_
#define VTDSIM_MODEL_MEMORY_SPARSE_MEMORY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "model/memory/host_memory.h"

namespace vtd {

class SparseMemory : public HostMemory {
 public:
  // `size` bytes: a non-zero multiple of 4 KiB, at most 2^52 (MAXPHYADDR).
  static absl::StatusOr<std::unique_ptr<SparseMemory>> Create(uint64_t size);

  std::vector<uint64_t> AllocatedPages() const override;
  int allocated_page_count() const override { return static_cast<int>(pages_.size()); }

 protected:
  explicit SparseMemory(uint64_t size) : HostMemory(size) {}

  uint8_t* FindPage(uint64_t page_number) const override;
  uint8_t* GetOrAllocatePage(uint64_t page_number) override;
  // Frees the pages [first, first + count) (their contents read as zero again).
  void ReleasePages(uint64_t first, uint64_t count);

 private:
  struct alignas(8) Page {
    std::array<uint8_t, kPageSize> bytes{};
  };

  // Iterated only by AllocatedPages, which sorts.
  absl::flat_hash_map<uint64_t, std::unique_ptr<Page>> pages_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_MEMORY_SPARSE_MEMORY_H_

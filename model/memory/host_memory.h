// Sparse host-physical memory: 4 KiB pages allocated on first write, zero elsewhere, with a
// fixed size. Every remapping structure and every DMA buffer lives here.
//
// Two kinds of access:
//  - Software accesses (Read/Write, ReadBytes/WriteBytes): what the CPU does when a
//    scenario builds tables. Not observed.
//  - Hardware accesses (HwRead64 and friends): what the remapping hardware does. Each one
//    is reported to the attached MemoryObserver with a tag naming what was fetched (root
//    entry, second-stage entry at level N, DMA data, ...). With no observer attached the
//    cost is one predictable branch.
// An access past the end (or whose end wraps) is OutOfRange naming the address; the walk
// turns that into the spec's "error accessing ..." fault. Iteration order never leaks into
// output: pages are only listed through AllocatedPages(), sorted.
#ifndef VTDSIM_MODEL_MEMORY_HOST_MEMORY_H_
#define VTDSIM_MODEL_MEMORY_HOST_MEMORY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace vtd {

// What a hardware access was for. Timing models cost them; traces print them.
enum class MemoryAccessKind : uint8_t {
  kDmaData,       // the device's own read or write
  kRootEntry,     // legacy or scalable-mode root entry
  kContextEntry,  // legacy or scalable-mode context entry
  kPasidDirEntry,
  kPasidEntry,
  kSecondStageEntry,  // level in MemoryAccessTag::level (5 = PML5E ... 1 = PTE)
  kFirstStageEntry,   // level as above
  kHptEntry,
  kIrte,
  kPostedDescriptor,
  kInvalidationDescriptor,
  kInvalidationStatus,  // inv_wait_dsc status write
  kPageRequest,
  kOther,
};
std::string_view MemoryAccessKindName(MemoryAccessKind kind);  // "root_entry", ...

struct MemoryAccessTag {
  MemoryAccessKind kind = MemoryAccessKind::kOther;
  int8_t level = 0;  // paging level for *_Entry kinds, else 0
};

// Sees every hardware access, before it is performed (so it also sees accesses that fail
// because they are out of range). Must not access the memory itself.
class MemoryObserver {
 public:
  virtual ~MemoryObserver() = default;
  virtual void OnRead(uint64_t address, int size, MemoryAccessTag tag) = 0;
  virtual void OnWrite(uint64_t address, int size, MemoryAccessTag tag) = 0;
};

class HostMemory {
 public:
  static constexpr uint64_t kPageSize = 4096;

  // `size` bytes of memory: a non-zero multiple of 4 KiB, at most 2^52 (MAXPHYADDR).
  static absl::StatusOr<std::unique_ptr<HostMemory>> Create(uint64_t size);

  HostMemory(const HostMemory&) = delete;
  HostMemory& operator=(const HostMemory&) = delete;

  uint64_t size() const { return size_; }
  // True if [address, address + length) lies inside the memory.
  bool Contains(uint64_t address, uint64_t length) const {
    return address < size_ && length <= size_ - address;
  }

  // ---- Software accesses (not observed). `size` is 1, 2, 4 or 8; little-endian; any
  // alignment (an access crossing a page is split).
  absl::StatusOr<uint64_t> Read(uint64_t address, int size) const;
  absl::Status Write(uint64_t address, int size, uint64_t value);
  absl::Status ReadBytes(uint64_t address, absl::Span<uint8_t> out) const;
  absl::Status WriteBytes(uint64_t address, absl::Span<const uint8_t> data);
  absl::StatusOr<uint64_t> Read64(uint64_t address) const { return Read(address, 8); }
  absl::Status Write64(uint64_t address, uint64_t value) { return Write(address, 8, value); }

  // ---- Hardware accesses (observed).
  absl::StatusOr<uint64_t> HwRead(uint64_t address, int size, MemoryAccessTag tag) const {
    if (observer_ != nullptr) observer_->OnRead(address, size, tag);
    return Read(address, size);
  }
  absl::Status HwWrite(uint64_t address, int size, uint64_t value, MemoryAccessTag tag) {
    if (observer_ != nullptr) observer_->OnWrite(address, size, tag);
    return Write(address, size, value);
  }
  absl::Status HwReadBytes(uint64_t address, absl::Span<uint8_t> out, MemoryAccessTag tag) const {
    if (observer_ != nullptr) observer_->OnRead(address, static_cast<int>(out.size()), tag);
    return ReadBytes(address, out);
  }
  absl::Status HwWriteBytes(uint64_t address, absl::Span<const uint8_t> data, MemoryAccessTag tag) {
    if (observer_ != nullptr) observer_->OnWrite(address, static_cast<int>(data.size()), tag);
    return WriteBytes(address, data);
  }

  // The walk's fast path: an aligned 64-bit hardware read. Returns false (and leaves
  // `*value` alone) if the qword is outside the memory; `address` must be 8-byte aligned.
  bool HwReadAligned64(uint64_t address, MemoryAccessTag tag, uint64_t* value) const {
    if (observer_ != nullptr) observer_->OnRead(address, 8, tag);
    if (address >= size_) return false;
    *value = LoadAligned64(address);
    return true;
  }

  // A 16-byte aligned 128-bit hardware read (root and context entries are read
  // atomically, S §9): one observed access of 16 bytes. False if outside the memory.
  bool HwReadAligned128(uint64_t address, MemoryAccessTag tag, uint64_t value[2]) const {
    if (observer_ != nullptr) observer_->OnRead(address, 16, tag);
    if (address >= size_) return false;
    value[0] = LoadAligned64(address);
    value[1] = LoadAligned64(address + 8);
    return true;
  }

  // Not owned; nullptr detaches. The observer must outlive its attachment.
  void set_observer(MemoryObserver* observer) { observer_ = observer; }
  MemoryObserver* observer() const { return observer_; }

  // Page numbers (address >> 12) that have storage, ascending.
  std::vector<uint64_t> AllocatedPages() const;
  int allocated_page_count() const { return static_cast<int>(pages_.size()); }

 private:
  struct alignas(8) Page {
    std::array<uint8_t, kPageSize> bytes{};
  };

  explicit HostMemory(uint64_t size) : size_(size) {}

  // Aligned qword inside the memory.
  uint64_t LoadAligned64(uint64_t address) const {
    auto it = pages_.find(address >> 12);
    if (it == pages_.end()) return 0;
    uint64_t v;
    __builtin_memcpy(&v, it->second->bytes.data() + (address & (kPageSize - 1)), 8);
    return v;
  }
  const Page* FindPage(uint64_t page_number) const;
  Page& GetOrAllocatePage(uint64_t page_number);
  absl::Status CheckRange(uint64_t address, uint64_t length) const;

  uint64_t size_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Page>> pages_;
  MemoryObserver* observer_ = nullptr;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_MEMORY_HOST_MEMORY_H_

// Host-physical memory: every remapping structure and every DMA buffer lives here. A fixed
// size; memory never written reads as zero.
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

// Host-physical memory as the remapping hardware and software see it: an interface with one
// set of accessors, implemented over page storage that each implementation provides.
//
// Implementations: SparseMemory (sparse_memory.h; `HostMemory::Create` returns one) and
// MappedFileMemory (mapped_file_memory.h; raw image files mapped lazily). A user plugs in
// their own guest memory by deriving from HostMemory and implementing FindPage and
// GetOrAllocatePage (and AllocatedPages for inspection).
//
// The walk's hot path (HwReadAligned64/128) is not virtual: a table of page pointers (the
// model's own "TLB" for table pages: 1024 pages in 512 sets of two, so the root, context and
// paging tables of a few hundred translated pages stay in it) answers it, and only a page it
// does not hold goes to FindPage. Because of that table even const reads change internal
// state: one memory must not be used from two threads at once.
class HostMemory {
 public:
  static constexpr uint64_t kPageSize = 4096;

  // Sparse memory (SparseMemory) of `size` bytes: a non-zero multiple of 4 KiB, at most 2^52
  // (MAXPHYADDR).
  static absl::StatusOr<std::unique_ptr<HostMemory>> Create(uint64_t size);

  virtual ~HostMemory() = default;
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

  // An entry of `pieces` x 128 bits aligned to its size (scalable context entries 2, PASID
  // entries 4), read as 16-byte pieces as S §9 allows: one observed access per piece, in
  // address order, and one page look-up (such an entry lies in one page). False, with only
  // the first piece observed, if the entry is outside the memory (its size is a multiple of
  // the page size, so an entry is wholly inside or wholly outside).
  bool HwReadAligned128Pieces(uint64_t address, int pieces, MemoryAccessTag tag,
                              uint64_t* value) const {
    if (observer_ != nullptr) observer_->OnRead(address, 16, tag);
    if (address >= size_) return false;
    if (observer_ != nullptr) {
      for (int i = 1; i < pieces; ++i) observer_->OnRead(address + 16 * i, 16, tag);
    }
    const uint8_t* page = CachedPage(address >> 12);
    if (page == nullptr) {
      for (int i = 0; i < 2 * pieces; ++i) value[i] = 0;
    } else {
      __builtin_memcpy(value, page + (address & (kPageSize - 1)), 16 * pieces);
    }
    return true;
  }

  // A 16-byte aligned 128-bit hardware read (root and context entries are read
  // atomically, S §9): one observed access of 16 bytes. False if outside the memory.
  bool HwReadAligned128(uint64_t address, MemoryAccessTag tag, uint64_t value[2]) const {
    return HwReadAligned128Pieces(address, 1, tag, value);
  }

  // Not owned; nullptr detaches. The observer must outlive its attachment.
  void set_observer(MemoryObserver* observer) { observer_ = observer; }
  MemoryObserver* observer() const { return observer_; }

  // Page numbers (address >> 12) this memory allocated storage for, ascending (pages of a
  // mapped file are the file's, not counted).
  virtual std::vector<uint64_t> AllocatedPages() const = 0;
  virtual int allocated_page_count() const = 0;

 protected:
  // `size` must satisfy CheckSize.
  explicit HostMemory(uint64_t size) : size_(size) {}
  // InvalidArgument unless `size` is a non-zero multiple of 4 KiB and at most 2^52.
  static absl::Status CheckSize(uint64_t size);

  // The storage of page `page_number` (kPageSize bytes, writable), or nullptr when it has
  // none and reads as zero. Called for pages inside the memory only.
  virtual uint8_t* FindPage(uint64_t page_number) const = 0;
  // The storage of the page, created zero-filled if it has none.
  virtual uint8_t* GetOrAllocatePage(uint64_t page_number) = 0;
  // A page's storage must stay where FindPage/GetOrAllocatePage returned it until the
  // implementation calls this (pointers are remembered by the fast path).
  void ForgetCachedPages();

 private:
  // 2-way set-associative: a page goes to set page_number % kPageSets (consecutive pages,
  // as tables are usually allocated, never conflict until 1024 apart); within a set, way 0
  // holds the page filled last and a fill moves way 0 to way 1.
  static constexpr int kPageSets = 512;
  static constexpr int kPageWays = 2;
  struct PageSlot {
    uint64_t page_number = ~uint64_t{0};
    uint8_t* data = nullptr;
  };

  // The page's storage through the slot table, or nullptr (reads as zero).
  uint8_t* CachedPage(uint64_t page_number) const {
    const PageSlot* set = &page_slots_[(page_number % kPageSets) * kPageWays];
    if (set[0].page_number == page_number) return set[0].data;
    if (set[1].page_number == page_number) return set[1].data;
    return FillSlot(page_number);
  }
  // Makes `data` the page in way 0 of its set (the previous one moves to way 1).
  void InsertSlot(uint64_t page_number, uint8_t* data) const {
    PageSlot* set = &page_slots_[(page_number % kPageSets) * kPageWays];
    set[1] = set[0];
    set[0] = PageSlot{page_number, data};
  }
  uint8_t* FillSlot(uint64_t page_number) const;
  uint8_t* WritablePage(uint64_t page_number);
  // Aligned qword inside the memory.
  uint64_t LoadAligned64(uint64_t address) const {
    const uint8_t* page = CachedPage(address >> 12);
    if (page == nullptr) return 0;
    uint64_t v;
    __builtin_memcpy(&v, page + (address & (kPageSize - 1)), 8);
    return v;
  }
  absl::Status CheckRange(uint64_t address, uint64_t length) const;

  uint64_t size_;
  MemoryObserver* observer_ = nullptr;
  // Pages with storage only: a page without any is asked for again, so storage allocated
  // later is found.
  mutable std::array<PageSlot, kPageSets * kPageWays> page_slots_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_MEMORY_HOST_MEMORY_H_

// Host memory with raw image files mapped into it lazily. A window [offset, offset + length)
// of a file appears at a host address; nothing is read when it is mapped, and only the pages
// that are then accessed are read (the operating system maps the file on demand), so a
// mostly empty 2 GiB image costs next to nothing. Writes (software or DMA) stay private to
// the memory, copy-on-write: the file itself is never modified. Memory outside every window
// is sparse, as in SparseMemory.
//
// Windows are applied in order: a window covers whatever an earlier window or an earlier
// write put in its pages, and later writes land on top of it (a scenario's `memory:` entries
// keep their in-order meaning).
#ifndef VTDSIM_MODEL_MEMORY_MAPPED_FILE_MEMORY_H_
#define VTDSIM_MODEL_MEMORY_MAPPED_FILE_MEMORY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/memory/sparse_memory.h"

namespace vtd {

// A window of a raw image file placed in host memory.
struct FileWindow {
  std::string path;
  uint64_t address = 0;  // where byte `offset` of the file appears; 4 KiB aligned
  uint64_t offset = 0;   // first byte of the file mapped; 4 KiB aligned
  // Bytes mapped; default: the rest of the file from `offset`. Need not be a page multiple.
  std::optional<uint64_t> length;
};

class MappedFileMemory : public SparseMemory {
 public:
  // `size` bytes, as SparseMemory::Create.
  static absl::StatusOr<std::unique_ptr<MappedFileMemory>> Create(uint64_t size);
  ~MappedFileMemory() override;

  // Maps the window. Errors name the file: it cannot be opened or is not a regular file
  // (NotFound / InvalidArgument); `address` or `offset` not 4 KiB aligned, an empty window,
  // a window past the end of the file (InvalidArgument) or of the memory (OutOfRange).
  absl::Status MapFile(const FileWindow& window);

  // The length a window would have (its `length`, or the rest of the file), checked as
  // MapFile checks it, without mapping anything.
  static absl::StatusOr<uint64_t> WindowLength(const FileWindow& window);

  int window_count() const { return static_cast<int>(windows_.size()); }

 protected:
  uint8_t* FindPage(uint64_t page_number) const override;
  uint8_t* GetOrAllocatePage(uint64_t page_number) override;

 private:
  explicit MappedFileMemory(uint64_t size) : SparseMemory(size) {}

  struct Window {
    uint64_t first_page = 0;
    uint64_t mapped_pages = 0;  // whole pages backed by the file mapping
    uint8_t* mapping = nullptr;
    // The window's last page when it is only partly in the window: a private copy holding
    // the file's bytes over what the page held before.
    uint64_t tail_page = 0;
    std::unique_ptr<std::array<uint8_t, kPageSize>> tail;
  };
  uint8_t* WindowPage(uint64_t page_number) const;

  std::vector<Window> windows_;  // in mapping order; the newest covering a page wins
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_MEMORY_MAPPED_FILE_MEMORY_H_

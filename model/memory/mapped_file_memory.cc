#include "model/memory/mapped_file_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_format.h"

namespace vtd {
namespace {

// Closes the descriptor when the scope ends.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status FileError(const std::string& path, absl::string_view what) {
  return absl::NotFoundError(
      absl::StrFormat("memory image %s: %s: %s", path, what, std::strerror(errno)));
}

// Opens the file and checks the window against it; returns the window's length.
absl::StatusOr<uint64_t> OpenWindow(const FileWindow& w, int* fd_out) {
  const int fd = open(w.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(w.path, "cannot open");
  Fd guard(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) return FileError(w.path, "cannot stat");
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("memory image %s: not a regular file", w.path));
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (w.address % HostMemory::kPageSize != 0 || w.offset % HostMemory::kPageSize != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("memory image %s: address %#x and offset %#x must be 4 KiB aligned", w.path,
                        w.address, w.offset));
  }
  if (w.offset > file_size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("memory image %s: offset %#x is past the end of the file (%#x bytes)",
                        w.path, w.offset, file_size));
  }
  const uint64_t length = w.length.value_or(file_size - w.offset);
  if (length == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("memory image %s: the window at offset %#x is empty", w.path, w.offset));
  }
  if (length > file_size - w.offset) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "memory image %s: offset %#x + length %#x runs past the end of the file (%#x bytes)",
        w.path, w.offset, length, file_size));
  }
  if (fd_out != nullptr) {
    *fd_out = dup(fd);
    if (*fd_out < 0) return FileError(w.path, "cannot duplicate descriptor");
  }
  return length;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MappedFileMemory>> MappedFileMemory::Create(uint64_t size) {
  if (absl::Status s = CheckSize(size); !s.ok()) return s;
  return std::unique_ptr<MappedFileMemory>(new MappedFileMemory(size));
}

MappedFileMemory::~MappedFileMemory() {
  for (const Window& w : windows_) {
    if (w.mapping != nullptr) munmap(w.mapping, w.mapped_pages * kPageSize);
  }
}

absl::StatusOr<uint64_t> MappedFileMemory::WindowLength(const FileWindow& window) {
  return OpenWindow(window, nullptr);
}

absl::Status MappedFileMemory::MapFile(const FileWindow& window) {
  int raw_fd = -1;
  absl::StatusOr<uint64_t> length = OpenWindow(window, &raw_fd);
  if (!length.ok()) return length.status();
  Fd fd(raw_fd);
  if (!Contains(window.address, *length)) {
    return absl::OutOfRangeError(
        absl::StrFormat("memory image %s: %#x bytes at %#x run past the end of memory (size %#x)",
                        window.path, *length, window.address, size()));
  }
  Window w;
  w.first_page = window.address / kPageSize;
  w.mapped_pages = *length / kPageSize;
  const uint64_t tail_bytes = *length % kPageSize;
  if (w.mapped_pages > 0) {
    // Private and unreserved: pages are read when first touched, writes never reach the file,
    // and no swap is set aside for a window that is mostly never written.
    void* p = mmap(nullptr, w.mapped_pages * kPageSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_NORESERVE, fd.get(), static_cast<off_t>(window.offset));
    if (p == MAP_FAILED) return FileError(window.path, "cannot map");
    w.mapping = static_cast<uint8_t*>(p);
  }
  if (tail_bytes > 0) {
    w.tail_page = w.first_page + w.mapped_pages;
    w.tail = std::make_unique<std::array<uint8_t, kPageSize>>();
    // What the page held before, under the file's bytes.
    absl::Status s = ReadBytes(w.tail_page * kPageSize, absl::MakeSpan(*w.tail));
    const uint64_t at = window.offset + w.mapped_pages * kPageSize;
    const ssize_t got =
        s.ok() ? pread(fd.get(), w.tail->data(), tail_bytes, static_cast<off_t>(at)) : -1;
    if (!s.ok() || got != static_cast<ssize_t>(tail_bytes)) {
      if (w.mapping != nullptr) munmap(w.mapping, w.mapped_pages * kPageSize);
      return s.ok() ? FileError(window.path, "cannot read") : s;
    }
  }
  // Storage the window now covers is gone; pages of older windows are hidden.
  ReleasePages(w.first_page, w.mapped_pages);
  if (w.tail != nullptr) ReleasePages(w.tail_page, 1);
  windows_.push_back(std::move(w));
  ForgetCachedPages();
  return absl::OkStatus();
}

uint8_t* MappedFileMemory::WindowPage(uint64_t page_number) const {
  for (auto it = windows_.rbegin(); it != windows_.rend(); ++it) {
    if (page_number >= it->first_page && page_number - it->first_page < it->mapped_pages) {
      return it->mapping + (page_number - it->first_page) * kPageSize;
    }
    if (it->tail != nullptr && page_number == it->tail_page) return it->tail->data();
  }
  return nullptr;
}

uint8_t* MappedFileMemory::FindPage(uint64_t page_number) const {
  if (uint8_t* page = WindowPage(page_number)) return page;
  return SparseMemory::FindPage(page_number);
}

uint8_t* MappedFileMemory::GetOrAllocatePage(uint64_t page_number) {
  if (uint8_t* page = WindowPage(page_number)) return page;
  return SparseMemory::GetOrAllocatePage(page_number);
}

}  // namespace vtd

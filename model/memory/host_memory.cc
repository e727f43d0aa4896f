#include "model/memory/host_memory.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "model/memory/sparse_memory.h"

namespace vtd {

std::string_view MemoryAccessKindName(MemoryAccessKind kind) {
  switch (kind) {
    case MemoryAccessKind::kDmaData:
      return "dma_data";
    case MemoryAccessKind::kRootEntry:
      return "root_entry";
    case MemoryAccessKind::kContextEntry:
      return "context_entry";
    case MemoryAccessKind::kPasidDirEntry:
      return "pasid_dir_entry";
    case MemoryAccessKind::kPasidEntry:
      return "pasid_entry";
    case MemoryAccessKind::kSecondStageEntry:
      return "second_stage_entry";
    case MemoryAccessKind::kFirstStageEntry:
      return "first_stage_entry";
    case MemoryAccessKind::kHptEntry:
      return "hpt_entry";
    case MemoryAccessKind::kIrte:
      return "irte";
    case MemoryAccessKind::kPostedDescriptor:
      return "posted_descriptor";
    case MemoryAccessKind::kInvalidationDescriptor:
      return "invalidation_descriptor";
    case MemoryAccessKind::kInvalidationStatus:
      return "invalidation_status";
    case MemoryAccessKind::kPageRequest:
      return "page_request";
    case MemoryAccessKind::kOther:
      return "other";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<HostMemory>> HostMemory::Create(uint64_t size) {
  absl::StatusOr<std::unique_ptr<SparseMemory>> memory = SparseMemory::Create(size);
  if (!memory.ok()) return memory.status();
  return std::unique_ptr<HostMemory>(std::move(*memory));
}

absl::Status HostMemory::CheckSize(uint64_t size) {
  if (size == 0 || size % kPageSize != 0 || size > (uint64_t{1} << 52)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "memory size %#x must be a non-zero multiple of 4 KiB and at most 2^52", size));
  }
  return absl::OkStatus();
}

void HostMemory::ForgetCachedPages() { page_slots_.fill(PageSlot{}); }

uint8_t* HostMemory::FillSlot(uint64_t page_number) const {
  uint8_t* data = FindPage(page_number);
  if (data != nullptr) InsertSlot(page_number, data);
  return data;
}

uint8_t* HostMemory::WritablePage(uint64_t page_number) {
  if (uint8_t* data = CachedPage(page_number)) return data;
  uint8_t* data = GetOrAllocatePage(page_number);
  InsertSlot(page_number, data);
  return data;
}

absl::Status HostMemory::CheckRange(uint64_t address, uint64_t length) const {
  if (!Contains(address, length)) {
    return absl::OutOfRangeError(
        absl::StrFormat("access of %d bytes at %#x is beyond the end of memory (size %#x)", length,
                        address, size_));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> HostMemory::Read(uint64_t address, int size) const {
  if (size != 1 && size != 2 && size != 4 && size != 8) {
    return absl::InvalidArgumentError(absl::StrFormat("read size %d is not 1, 2, 4 or 8", size));
  }
  if (absl::Status s = CheckRange(address, size); !s.ok()) return s;
  const uint64_t offset = address & (kPageSize - 1);
  if (size == 8 && (offset & 7) == 0) return LoadAligned64(address);
  uint8_t bytes[8] = {};
  if (absl::Status s = ReadBytes(address, absl::MakeSpan(bytes, size)); !s.ok()) return s;
  uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

absl::Status HostMemory::Write(uint64_t address, int size, uint64_t value) {
  if (size != 1 && size != 2 && size != 4 && size != 8) {
    return absl::InvalidArgumentError(absl::StrFormat("write size %d is not 1, 2, 4 or 8", size));
  }
  if (size < 8 && (value >> (8 * size)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("value %#x does not fit in %d bytes", value, size));
  }
  uint8_t bytes[8];
  for (int i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
  return WriteBytes(address, absl::MakeConstSpan(bytes, size));
}

absl::Status HostMemory::ReadBytes(uint64_t address, absl::Span<uint8_t> out) const {
  if (absl::Status s = CheckRange(address, out.size()); !s.ok()) return s;
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t a = address + done;
    const uint64_t offset = a & (kPageSize - 1);
    const size_t chunk = std::min<uint64_t>(kPageSize - offset, out.size() - done);
    if (const uint8_t* page = CachedPage(a >> 12)) {
      std::memcpy(out.data() + done, page + offset, chunk);
    } else {
      std::memset(out.data() + done, 0, chunk);
    }
    done += chunk;
  }
  return absl::OkStatus();
}

absl::Status HostMemory::WriteBytes(uint64_t address, absl::Span<const uint8_t> data) {
  if (absl::Status s = CheckRange(address, data.size()); !s.ok()) return s;
  size_t done = 0;
  while (done < data.size()) {
    const uint64_t a = address + done;
    const uint64_t offset = a & (kPageSize - 1);
    const size_t chunk = std::min<uint64_t>(kPageSize - offset, data.size() - done);
    std::memcpy(WritablePage(a >> 12) + offset, data.data() + done, chunk);
    done += chunk;
  }
  return absl::OkStatus();
}

}  // namespace vtd

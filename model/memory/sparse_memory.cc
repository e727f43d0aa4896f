#include "model/memory/sparse_memory.h"

#include <algorithm>

namespace vtd {

absl::StatusOr<std::unique_ptr<SparseMemory>> SparseMemory::Create(uint64_t size) {
  if (absl::Status s = CheckSize(size); !s.ok()) return s;
  return std::unique_ptr<SparseMemory>(new SparseMemory(size));
}

uint8_t* SparseMemory::FindPage(uint64_t page_number) const {
  auto it = pages_.find(page_number);
  return it == pages_.end() ? nullptr : it->second->bytes.data();
}

uint8_t* SparseMemory::GetOrAllocatePage(uint64_t page_number) {
  std::unique_ptr<Page>& page = pages_[page_number];
  if (page == nullptr) page = std::make_unique<Page>();
  return page->bytes.data();
}

void SparseMemory::ReleasePages(uint64_t first, uint64_t count) {
  if (pages_.empty()) return;
  // Whichever is smaller: the range or the allocated pages.
  if (count <= pages_.size()) {
    for (uint64_t p = first; p < first + count; ++p) pages_.erase(p);
  } else {
    absl::erase_if(pages_, [&](const auto& entry) {
      return entry.first >= first && entry.first - first < count;
    });
  }
  ForgetCachedPages();
}

std::vector<uint64_t> SparseMemory::AllocatedPages() const {
  std::vector<uint64_t> pages;
  pages.reserve(pages_.size());
  for (const auto& [number, page] : pages_) pages.push_back(number);
  std::sort(pages.begin(), pages.end());
  return pages;
}

}  // namespace vtd

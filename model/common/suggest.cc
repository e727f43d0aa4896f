#include "model/common/suggest.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vtd {

int EditDistance(absl::string_view a, absl::string_view b) {
  // Optimal string alignment: a swap of two neighbours ("stpes") counts as one edit.
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  };
  const size_t n = b.size() + 1;
  std::vector<int> d((a.size() + 1) * n);
  for (size_t i = 0; i <= a.size(); ++i) d[i * n] = static_cast<int>(i);
  for (size_t j = 0; j <= b.size(); ++j) d[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      int best = std::min({d[(i - 1) * n + j] + 1, d[i * n + j - 1] + 1,
                           d[(i - 1) * n + j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1])) {
        best = std::min(best, d[(i - 2) * n + j - 2] + 1);
      }
      d[i * n + j] = best;
    }
  }
  return d[a.size() * n + b.size()];
}

std::string Closest(absl::string_view word, absl::Span<const absl::string_view> candidates) {
  // Long garbage would cost size² per candidate for nothing: no key is that long.
  if (word.empty() || word.size() > 64) return "";
  const int size = static_cast<int>(word.size());
  const int limit = size <= 3 ? 1 : std::max(2, size / 3);
  int best = limit + 1;
  absl::string_view found;
  for (absl::string_view candidate : candidates) {
    const int d = EditDistance(word, candidate);
    if (d < best) {
      best = d;
      found = candidate;
    }
  }
  return std::string(found);
}

}  // namespace vtd

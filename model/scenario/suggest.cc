#include "model/scenario/internal/suggest.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vtd::scenario::internal {

int EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      const int next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

std::string Closest(absl::string_view word, absl::Span<const absl::string_view> candidates) {
  // Long garbage would cost size² per candidate for nothing: no key is that long.
  if (word.empty() || word.size() > 64) return "";
  const int limit = std::max<int>(1, static_cast<int>(word.size()) / 3);
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

}  // namespace vtd::scenario::internal

// "Did you mean" suggestions for error messages (scenario keys, register names, cost-model
// keys): the candidate closest to a misspelled word by edit distance, when it is close
// enough to be a likely typo.
#ifndef VTDSIM_MODEL_COMMON_SUGGEST_H_
#define VTDSIM_MODEL_COMMON_SUGGEST_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vtd {

// Edit distance (insertions, deletions, substitutions and swaps of neighbours),
// case-insensitive.
int EditDistance(absl::string_view a, absl::string_view b);

// The candidate nearest to `word` if it is a likely typo: at most 1 edit for words of up to 3
// letters, else max(2, size/3) ("adr" finds "addr", "stpes" finds "steps"); ties go to the
// earlier candidate. "" otherwise.
std::string Closest(absl::string_view word, absl::Span<const absl::string_view> candidates);

}  // namespace vtd

#endif  // VTDSIM_MODEL_COMMON_SUGGEST_H_

// "Did you mean" suggestions for scenario messages (model/common/suggest.h), and the crossing
// between Abseil's and the standard string_view.
#ifndef VTDSIM_MODEL_SCENARIO_INTERNAL_SUGGEST_H_
#define VTDSIM_MODEL_SCENARIO_INTERNAL_SUGGEST_H_

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "model/common/suggest.h"

namespace vtd::scenario::internal {

// Debian 12's Abseil has its own string_view, distinct from the std::string_view that the
// register and fault tables use; this crosses between them.
inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The shared suggestion helpers (model/common/suggest.h), under the names this folder uses.
using ::vtd::Closest;
using ::vtd::EditDistance;

}  // namespace vtd::scenario::internal

#endif  // VTDSIM_MODEL_SCENARIO_INTERNAL_SUGGEST_H_

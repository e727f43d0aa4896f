#include "model/cache/set_associative_cache.h"

namespace vtd {

absl::StatusOr<ReplacementPolicy> ParseReplacementPolicy(std::string_view name) {
  if (name == "lru") return ReplacementPolicy::kLru;
  if (name == "fifo") return ReplacementPolicy::kFifo;
  if (name == "random") return ReplacementPolicy::kRandom;
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown replacement policy '%s' (expected lru, fifo or random)", name));
}

std::string_view ReplacementPolicyName(ReplacementPolicy policy) {
  switch (policy) {
    case ReplacementPolicy::kLru:
      return "lru";
    case ReplacementPolicy::kFifo:
      return "fifo";
    case ReplacementPolicy::kRandom:
      return "random";
  }
  return "?";
}

absl::Status ValidateCacheGeometry(const CacheGeometry& geometry, std::string_view what) {
  if (geometry.entries < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: entries must be >= 0, got %d", what, geometry.entries));
  }
  if (geometry.entries == 0) return absl::OkStatus();
  if (geometry.ways < 0 || geometry.ways > geometry.entries) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: ways must be between 0 (fully associative) and entries (%d), got %d",
                        what, geometry.entries, geometry.ways));
  }
  const int ways = geometry.effective_ways();
  if (geometry.entries % ways != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: entries (%d) must be a multiple of ways (%d)", what, geometry.entries, ways));
  }
  const int sets = geometry.entries / ways;
  if ((sets & (sets - 1)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: entries / ways = %d sets, which must be a power of two", what, sets));
  }
  return absl::OkStatus();
}

}  // namespace vtd

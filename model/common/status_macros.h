// Status propagation helpers. Debian 12's Abseil (20220623) has no RETURN_IF_ERROR or
// ASSIGN_OR_RETURN, so vtdsim defines its own, prefixed to avoid clashes.
#ifndef VTDSIM_MODEL_COMMON_STATUS_MACROS_H_
#define VTDSIM_MODEL_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function if not OK.
#define VTD_RETURN_IF_ERROR(expr)                                \
  do {                                                           \
    ::absl::Status vtd_status_internal_ = (expr);                \
    if (!vtd_status_internal_.ok()) return vtd_status_internal_; \
  } while (0)

#define VTD_STATUS_MACROS_CONCAT_INNER(x, y) x##y
#define VTD_STATUS_MACROS_CONCAT(x, y) VTD_STATUS_MACROS_CONCAT_INNER(x, y)

// `VTD_ASSIGN_OR_RETURN(lhs, expr)`: evaluates `expr` (an absl::StatusOr<T>); on error returns
// its status, otherwise moves the value into `lhs` (which may be a declaration).
#define VTD_ASSIGN_OR_RETURN(lhs, expr) \
  VTD_ASSIGN_OR_RETURN_IMPL(VTD_STATUS_MACROS_CONCAT(vtd_statusor_, __LINE__), lhs, expr)

#define VTD_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr)     \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // VTDSIM_MODEL_COMMON_STATUS_MACROS_H_

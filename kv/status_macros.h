// Small helpers for absl::Status propagation (the installed Abseil has none).

#ifndef ZVERSE_KV_STATUS_MACROS_H_
#define ZVERSE_KV_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ZVERSE_STATUS_CONCAT_INNER_(a, b) a##b
#define ZVERSE_STATUS_CONCAT_(a, b) ZVERSE_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the current function if it is not OK.
#define ZVERSE_RETURN_IF_ERROR(expr)                  \
  do {                                                \
    ::absl::Status zverse_status_ = (expr);           \
    if (!zverse_status_.ok()) return zverse_status_;  \
  } while (0)

// Evaluates `rexpr` (a StatusOr<T>); returns its status if not OK, otherwise
// moves the value into `lhs` (which may be a declaration, e.g. `auto x`).
#define ZVERSE_ASSIGN_OR_RETURN(lhs, rexpr)                                  \
  ZVERSE_ASSIGN_OR_RETURN_IMPL_(                                             \
      ZVERSE_STATUS_CONCAT_(zverse_statusor_, __LINE__), lhs, rexpr)

#define ZVERSE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // ZVERSE_KV_STATUS_MACROS_H_

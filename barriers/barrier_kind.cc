#include "barriers/barrier_kind.h"

#include <array>

namespace barriers {
namespace {

constexpr std::array kBarriers = {
#define WBBENCH_BARRIER_INFO(e, name, doc) \
  BarrierInfo{BarrierKind::e, name, doc},
    WBBENCH_FOR_EACH_BARRIER(WBBENCH_BARRIER_INFO)
#undef WBBENCH_BARRIER_INFO
};

}  // namespace

std::span<const BarrierInfo> AllBarriers() { return kBarriers; }

std::optional<BarrierKind> BarrierFromName(absl::string_view name) {
  for (const BarrierInfo& b : kBarriers) {
    if (b.name == name) return b.kind;
  }
  return std::nullopt;
}

absl::string_view BarrierName(BarrierKind kind) {
  return kBarriers[static_cast<size_t>(kind)].name;
}

}  // namespace barriers

#include "workloads/workload_kind.h"

#include <array>

namespace workloads {
namespace {

constexpr std::array kWorkloads = {
#define WBBENCH_WORKLOAD_INFO(e, name, doc) \
  WorkloadInfo{WorkloadKind::e, name, doc},
    WBBENCH_FOR_EACH_WORKLOAD(WBBENCH_WORKLOAD_INFO)
#undef WBBENCH_WORKLOAD_INFO
};

}  // namespace

std::span<const WorkloadInfo> AllWorkloads() { return kWorkloads; }

std::optional<WorkloadKind> WorkloadFromName(absl::string_view name) {
  for (const WorkloadInfo& w : kWorkloads) {
    if (w.name == name) return w.kind;
  }
  return std::nullopt;
}

absl::string_view WorkloadName(WorkloadKind kind) {
  for (const WorkloadInfo& w : kWorkloads) {
    if (w.kind == kind) return w.name;
  }
  return "?";
}

}  // namespace workloads

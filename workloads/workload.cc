#include "workloads/workload.h"

#include <cstdlib>

namespace workloads {

std::unique_ptr<Workload> MakeWorkload(WorkloadKind kind,
                                       barriers::BarrierKind barrier,
                                       barriers::Algorithm algorithm,
                                       const Params& params) {
  switch (kind) {
#define WBBENCH_WORKLOAD_CASE(e, name, doc) \
  case WorkloadKind::e:                     \
    return Make<WorkloadKind::e>(barrier, algorithm, params);
    WBBENCH_FOR_EACH_WORKLOAD(WBBENCH_WORKLOAD_CASE)
#undef WBBENCH_WORKLOAD_CASE
  }
  std::abort();
}

}  // namespace workloads

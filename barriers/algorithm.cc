#include "barriers/algorithm.h"

#include <array>

namespace barriers {
namespace {

constexpr std::array kAlgorithms = {
#define WBBENCH_ALGORITHM_INFO(e, name, old, nw, policy, doc) \
  AlgorithmInfo{Algorithm::e, name, old, nw, gc::StackScanPolicy::policy, doc},
    WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ALGORITHM_INFO)
#undef WBBENCH_ALGORITHM_INFO
};

}  // namespace

std::span<const AlgorithmInfo> AllAlgorithms() { return kAlgorithms; }

const AlgorithmInfo& InfoFor(Algorithm algorithm) {
  return kAlgorithms[static_cast<size_t>(algorithm)];
}

std::optional<Algorithm> AlgorithmFromName(absl::string_view name) {
  for (const AlgorithmInfo& a : kAlgorithms) {
    if (a.name == name) return a.algorithm;
  }
  return std::nullopt;
}

}  // namespace barriers

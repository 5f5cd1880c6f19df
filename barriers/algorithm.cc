#include "barriers/algorithm.h"

namespace barriers {

std::span<const AlgorithmInfo> AllAlgorithms() { return kAlgorithmInfos; }

std::optional<Algorithm> AlgorithmFromName(absl::string_view name) {
  for (const AlgorithmInfo& a : kAlgorithmInfos) {
    if (a.name == name) return a.algorithm;
  }
  return std::nullopt;
}

}  // namespace barriers

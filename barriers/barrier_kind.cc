#include "barriers/barrier_kind.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace barriers {

std::span<const BarrierInfo> AllBarriers() { return kBarrierInfos; }

std::vector<BarrierKind> BarriersWhere(bool (*pred)(const BarrierTraits&)) {
  std::vector<BarrierKind> kinds;
  for (const BarrierInfo& b : kBarrierInfos) {
    if (pred(b.traits)) kinds.push_back(b.kind);
  }
  return kinds;
}

std::vector<BarrierKind> SoundBarriers() {
  return BarriersWhere([](const BarrierTraits& t) { return t.sound; });
}

std::vector<BarrierKind> JitBarriers() {
  return BarriersWhere(
      [](const BarrierTraits& t) { return t.jit != JitCode::kNotGenerated; });
}

std::string BarrierNames(std::span<const BarrierKind> kinds,
                         absl::string_view last_separator) {
  std::string s;
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (i != 0)
      absl::StrAppend(&s, i + 1 == kinds.size() ? last_separator : ", ");
    absl::StrAppend(&s, BarrierName(kinds[i]));
  }
  return s;
}

std::optional<BarrierKind> BarrierFromName(absl::string_view name) {
  for (const BarrierInfo& b : kBarrierInfos) {
    if (b.name == name) return b.kind;
  }
  return std::nullopt;
}

std::optional<Filter> FilterFromName(absl::string_view name) {
  for (const FilterInfo& f : kFilterInfos) {
    if (f.name == name) return f.filter;
  }
  return std::nullopt;
}

absl::string_view BarrierName(BarrierKind kind) {
  return kBarrierInfos[static_cast<size_t>(kind)].name;
}

}  // namespace barriers

#include "barriers/barrier_config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gc/collector.h"

namespace barriers {
namespace {

BarrierConfig installed;

}  // namespace

absl::Status InstallBarrier(const BarrierConfig& config) {
  if (config.wbbuf_entries < 1 || config.wbbuf_entries > gc::kWbBufMaxEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("--wbbuf-entries=", config.wbbuf_entries,
                     ": expected an integer from 1 to ", gc::kWbBufMaxEntries));
  }
  installed = config;
  return absl::OkStatus();
}

const BarrierConfig& InstalledBarrier() { return installed; }

size_t EntryPointers(Algorithm algorithm) {
  const AlgorithmInfo& info = InfoFor(algorithm);
  return info.shades_old && info.shades_new ? 2 : 1;
}

void ResetWbBuf(gc::P* p) {
  size_t entries =
      installed.kind == BarrierKind::kCgocheck ? 1 : installed.wbbuf_entries;
  p->wb_buf.Reset(entries, EntryPointers(installed.algorithm));
}

bool ShouldShade(const gc::P* p) {
  return installed.flush == FlushMode::kShade && p->collector != nullptr &&
         p->collector->phase() != gc::GcPhase::kOff;
}

void ApplyToGcConfig(const BarrierConfig& config, gc::GcConfig* gc_config) {
  gc_config->stack_scan = InfoFor(config.algorithm).stack_scan;
  const bool cgocheck = config.kind == BarrierKind::kCgocheck;
  gc_config->wbbuf_entries = cgocheck ? 1 : config.wbbuf_entries;
  gc_config->barrier_always_on = cgocheck;
}

absl::Status CheckBarrierForGcMode(BarrierKind kind, gc::GcMode mode,
                                   bool unsafe_demonstration) {
  bool concurrent = mode == gc::GcMode::kConcurrent ||
                    mode == gc::GcMode::kContinuous ||
                    mode == gc::GcMode::kIncremental;
  if (kind == BarrierKind::kNone && concurrent && !unsafe_demonstration) {
    return absl::InvalidArgumentError(
        "--barrier=none loses objects under concurrent marking: use it with "
        "--gc=stw or --gc=off, or ask for the unsafe demonstration");
  }
  return absl::OkStatus();
}

absl::StatusOr<CgocheckMode> CgocheckModeFromName(absl::string_view name) {
  if (name == "count") return CgocheckMode::kCount;
  if (name == "abort") return CgocheckMode::kAbort;
  return absl::InvalidArgumentError(absl::StrCat(
      "--cgocheck=", std::string(name), ": expected count or abort"));
}

}  // namespace barriers

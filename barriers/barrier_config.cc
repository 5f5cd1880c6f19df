#include "barriers/barrier_config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "barriers/barrier_jit.h"
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
  SelectJitFilter(config.kind, config.filter);
  return absl::OkStatus();
}

const BarrierConfig& InstalledBarrier() { return installed; }

size_t BufferEntries(const BarrierConfig& config) {
  const size_t forced = TraitsOf(config.kind).forced_entries;
  return forced != 0 ? forced : config.wbbuf_entries;
}

bool ShouldShade(const gc::P* p) {
  return installed.flush == FlushMode::kShade && p->collector != nullptr &&
         p->collector->phase() != gc::GcPhase::kOff;
}

void ApplyToGcConfig(const BarrierConfig& config, gc::GcConfig* gc_config) {
  gc_config->stack_scan = InfoFor(config.algorithm).stack_scan;
  gc_config->wbbuf_entries = BufferEntries(config);
  gc_config->wbbuf_entry_pointers = EntryPointers(config.algorithm);
  gc_config->barrier_always_on = TraitsOf(config.kind).checks_slots;
  gc_config->cards = TraitsOf(config.kind).cards;
}

absl::Status CheckBarrierForGcMode(BarrierKind kind, gc::GcMode mode,
                                   bool unsafe_demonstration) {
  bool concurrent = mode == gc::GcMode::kConcurrent ||
                    mode == gc::GcMode::kContinuous ||
                    mode == gc::GcMode::kIncremental;
  if (!TraitsOf(kind).sound && concurrent && !unsafe_demonstration) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--barrier=", BarrierName(kind),
        " loses objects under concurrent marking: use it with "
        "--gc=stw or --gc=off, or ask for the unsafe demonstration"));
  }
  return absl::OkStatus();
}

}  // namespace barriers

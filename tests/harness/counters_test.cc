// File: tests/harness/counters_test.cc
//
// Counters: encoding without a PMU, the fallback when opens fail (injected
// through a fake PerfEventApi), multiplex scaling, plausibility (a counter
// that reads 0 where it cannot is unavailable), per-thread totals, and the
// real machine: task-clock always counts, and every hardware figure this
// machine reports as available reads nonzero.  These tests pass on a VM
// without a PMU and on bare metal alike; none of them checks a timing.
#include <perfmon/pfmlib_perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/clock.h"
#include "harness/counter_probe.h"
#include "harness/counter_set.h"
#include "harness/thread_counters.h"

namespace harness {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

// Busy work the real counters can see.
uint64_t Spin(uint64_t n) {
  uint64_t x = 1;
  for (uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    asm volatile("" : "+r"(x));
  }
  return x;
}

// A kernel that opens what it is told to, fails hardware opens with a
// chosen errno, and returns canned group reads.
class FakePerf : public PerfEventApi {
 public:
  struct Opened {
    perf_event_attr attr;
    int group_fd;
  };

  int Open(perf_event_attr* attr, pid_t, int, int group_fd,
           unsigned long) override {
    bool hardware =
        attr->type != PERF_TYPE_SOFTWARE && attr->type != PERF_TYPE_TRACEPOINT;
    if (hardware && hardware_error != 0) return -hardware_error;
    opened.push_back({*attr, group_fd});
    return next_fd++;
  }
  int Ioctl(int, unsigned long request, unsigned long) override {
    if (request == PERF_EVENT_IOC_ENABLE) ++enables;
    if (request == PERF_EVENT_IOC_DISABLE) ++disables;
    return 0;
  }
  ssize_t Read(int, void* buf, size_t size) override {
    std::vector<uint64_t> words = {values.size(), time_enabled, time_running};
    words.insert(words.end(), values.begin(), values.end());
    size_t bytes = std::min(size, words.size() * sizeof(uint64_t));
    memcpy(buf, words.data(), bytes);
    return static_cast<ssize_t>(bytes);
  }
  void Close(int) override { ++closes; }

  int hardware_error = 0;
  std::vector<Opened> opened;
  int next_fd = 100;
  int enables = 0, disables = 0, closes = 0;
  uint64_t time_enabled = 0, time_running = 0;
  std::vector<uint64_t> values;  // in open order
};

bool HasUnavailable(const CounterReadings& r, std::string_view name) {
  for (const UnavailableCounter& u : r.unavailable) {
    if (u.name == name) return true;
  }
  return false;
}

const UnavailableCounter* FindUnavailable(const CounterReadings& r,
                                          std::string_view name) {
  for (const UnavailableCounter& u : r.unavailable) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

// ---- encoding and parsing ---------------------------------------------

TEST(EncodeEventTest, GenericNamesEncodeWithoutAPmu) {
  for (const char* name :
       {"cycles", "instructions", "branch-misses", "L1-dcache-load-misses"}) {
    absl::StatusOr<EventSpec> e = EncodeEvent(name);
    ASSERT_TRUE(e.ok()) << name << ": " << e.status();
    EXPECT_EQ(e->source, CounterSource::kHardwareCounter) << name;
    EXPECT_EQ(e->name, name);
    EXPECT_FALSE(e->pfm_name.empty());
    EXPECT_EQ(e->attr->exclude_kernel, 1u) << "user level only: " << name;
  }
  absl::StatusOr<EventSpec> cycles = EncodeEvent("cycles");
  ASSERT_TRUE(cycles.ok());
  EXPECT_TRUE(cycles->core_cycles);
  EXPECT_TRUE(cycles->must_tick);
  EXPECT_EQ(cycles->attr->type, PERF_TYPE_HARDWARE);
  EXPECT_EQ(cycles->attr->config, PERF_COUNT_HW_CPU_CYCLES);

  absl::StatusOr<EventSpec> misses = EncodeEvent("branch-misses");
  ASSERT_TRUE(misses.ok());
  EXPECT_FALSE(misses->must_tick);
  EXPECT_FALSE(misses->core_cycles);

  absl::StatusOr<EventSpec> task_clock = EncodeEvent("task-clock");
  ASSERT_TRUE(task_clock.ok());
  EXPECT_EQ(task_clock->source, CounterSource::kSoftwareCounter);
  EXPECT_TRUE(task_clock->must_tick);
}

TEST(EncodeEventTest, LibpfmNamesEncode) {
  absl::StatusOr<EventSpec> e = EncodeEvent("perf::CYCLES");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->core_cycles);
}

TEST(CounterSetTest, AutoIsHardwareFirstThenTaskClock) {
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->is_auto());
  std::vector<std::string> names;
  for (const EventSpec& e : set->events()) names.push_back(e.name);
  EXPECT_THAT(names, ElementsAre("cycles", "instructions", "branch-misses",
                                 "L1-dcache-load-misses", "task-clock"));
}

TEST(CounterSetTest, ListKeepsOrderAddsTaskClockOnce) {
  absl::StatusOr<CounterSet> set =
      CounterSet::Parse(" page-faults, perf::TASK-CLOCK ,instructions");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_FALSE(set->is_auto());
  std::vector<std::string> names;
  for (const EventSpec& e : set->events()) names.push_back(e.name);
  EXPECT_THAT(names, ElementsAre("instructions", "page-faults", "task-clock"));
}

TEST(CounterSetTest, FallbackNamesAreAcceptedAndAlwaysReported) {
  absl::StatusOr<CounterSet> set =
      CounterSet::Parse("tsc_ticks,core_cycles_estimate,cycles");
  ASSERT_TRUE(set.ok()) << set.status();
  std::vector<std::string> names;
  for (const EventSpec& e : set->events()) names.push_back(e.name);
  EXPECT_THAT(names, ElementsAre("cycles", "task-clock"));
}

TEST(CounterSetTest, UnknownNameIsRejectedWithTheNameAndWhatIsAccepted) {
  absl::StatusOr<CounterSet> set = CounterSet::Parse("cycles,no-such-event");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()),
              AllOf(HasSubstr("\"no-such-event\""), HasSubstr("accepted"),
                    HasSubstr("auto")));
}

TEST(CounterSetTest, MalformedListsAreRejected) {
  for (const char* spec :
       {"", "cycles,,instructions", "cycles,cycles", "auto,cycles"}) {
    absl::StatusOr<CounterSet> set = CounterSet::Parse(spec);
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument)
        << "spec \"" << spec << "\"";
  }
}

// ---- scaling ----------------------------------------------------------

TEST(ScaleCountTest, ScalesByEnabledOverRunning) {
  EXPECT_THAT(ScaleCount(100, 200, 50), Optional(400.0));
  EXPECT_THAT(ScaleCount(100, 200, 200), Optional(100.0));
  EXPECT_THAT(ScaleCount(0, 200, 200), Optional(0.0));
  // Running above enabled (a kernel quirk) is not scaled down.
  EXPECT_THAT(ScaleCount(100, 100, 150), Optional(100.0));
  // Never scheduled: no estimate at all, rather than 0.
  EXPECT_EQ(ScaleCount(100, 200, 0), std::nullopt);
  EXPECT_DOUBLE_EQ(RunningFraction(200, 50), 0.25);
  EXPECT_DOUBLE_EQ(RunningFraction(200, 300), 1.0);
  EXPECT_DOUBLE_EQ(RunningFraction(0, 0), 0.0);
}

// ---- one thread, fake kernel ----------------------------------------------

TEST(ThreadCountersTest, OpensOneGroupLeaderFirstWithGroupReadFormat) {
  FakePerf fake;
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  ASSERT_TRUE(set.ok());
  {
    ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
    EXPECT_TRUE(tc.has_hardware());
    ASSERT_EQ(fake.opened.size(), 5u);
    EXPECT_EQ(fake.opened[0].group_fd, -1);
    EXPECT_EQ(fake.opened[0].attr.disabled, 1u);
    for (size_t i = 1; i < fake.opened.size(); ++i) {
      EXPECT_EQ(fake.opened[i].group_fd, 100) << "member " << i;
      EXPECT_EQ(fake.opened[i].attr.disabled, 0u) << "member " << i;
    }
    for (const FakePerf::Opened& o : fake.opened) {
      EXPECT_EQ(o.attr.read_format, PERF_FORMAT_GROUP |
                                        PERF_FORMAT_TOTAL_TIME_ENABLED |
                                        PERF_FORMAT_TOTAL_TIME_RUNNING);
      EXPECT_EQ(o.attr.inherit, 0u);
    }
    tc.Start();
    tc.Stop();
    EXPECT_EQ(fake.enables, 1);
    EXPECT_EQ(fake.disables, 1);
  }
  EXPECT_EQ(fake.closes, 5);
}

TEST(ThreadCountersTest, InjectedOpenFailureSelectsFallbackWithReason) {
  FakePerf fake;
  fake.hardware_error = ENOENT;
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
  EXPECT_FALSE(tc.has_hardware());
  EXPECT_THAT(tc.opened(), ElementsAre("task-clock"));
  fake.time_enabled = fake.time_running = 2'000'000;
  fake.values = {2'000'000};  // task-clock: 2 ms
  tc.Start();
  Spin(1000);
  tc.Stop();
  CounterReadings r = tc.Read();

  for (const char* name :
       {"cycles", "instructions", "branch-misses", "L1-dcache-load-misses"}) {
    EXPECT_EQ(r.Get(name), std::nullopt) << name << " must be absent, not 0";
    const UnavailableCounter* u = FindUnavailable(r, name);
    ASSERT_NE(u, nullptr) << name;
    EXPECT_EQ(u->error, ENOENT);
    EXPECT_THAT(u->reason, HasSubstr("ENOENT"));
  }
  ASSERT_TRUE(r.fallback_reason.has_value());
  EXPECT_THAT(*r.fallback_reason,
              AllOf(HasSubstr("cycles"), HasSubstr("ENOENT"),
                    HasSubstr("core_cycles_estimate")));

  std::optional<CounterReading> task_clock = r.Get("task-clock");
  const UnavailableCounter* why = FindUnavailable(r, "task-clock");
  ASSERT_TRUE(task_clock.has_value()) << (why ? why->reason : "no reason");
  EXPECT_EQ(task_clock->source, CounterSource::kSoftwareCounter);
  EXPECT_DOUBLE_EQ(task_clock->value, 2e6);

  std::optional<CounterReading> tsc = r.Get(kTscTicksName);
  ASSERT_TRUE(tsc.has_value());
  EXPECT_EQ(tsc->source, CounterSource::kTsc);
  EXPECT_GT(tsc->value, 0);
  EXPECT_EQ(tsc->unit, "ticks");

  std::optional<CounterReading> estimate = r.Get(kCoreCyclesEstimateName);
  ASSERT_TRUE(estimate.has_value());
  EXPECT_EQ(estimate->source, CounterSource::kEstimate);
  EXPECT_DOUBLE_EQ(estimate->value, 2e-3 * EstimatedCoreHz());
}

TEST(ThreadCountersTest, PermissionFailureNamesParanoidSetting) {
  FakePerf fake;
  fake.hardware_error = EACCES;
  absl::StatusOr<CounterSet> set = CounterSet::Parse("cycles");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
  CounterReadings r = tc.Read();
  const UnavailableCounter* u = FindUnavailable(r, "cycles");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->error, EACCES);
  EXPECT_THAT(u->reason, HasSubstr("perf_event_paranoid"));
}

TEST(ThreadCountersTest, MultiplexedCountsAreScaledWithRunningFraction) {
  FakePerf fake;
  absl::StatusOr<CounterSet> set = CounterSet::Parse("cycles,instructions");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
  fake.time_enabled = 400;
  fake.time_running = 100;
  fake.values = {1000, 3000, 100};  // cycles, instructions, task-clock
  tc.Start();
  tc.Stop();
  CounterReadings r = tc.Read();
  std::optional<CounterReading> cycles = r.Get("cycles");
  ASSERT_TRUE(cycles.has_value());
  EXPECT_DOUBLE_EQ(cycles->value, 4000);
  EXPECT_DOUBLE_EQ(cycles->running_fraction, 0.25);
  EXPECT_EQ(cycles->source, CounterSource::kHardwareCounter);
  ASSERT_TRUE(r.Get("instructions").has_value());
  EXPECT_DOUBLE_EQ(r.Get("instructions")->value, 12000);
  // Hardware cycles present: no estimate, no fallback.
  EXPECT_EQ(r.Get(kCoreCyclesEstimateName), std::nullopt);
  EXPECT_FALSE(r.fallback_reason.has_value());
}

TEST(ThreadCountersTest, HardwareZeroWhereImpossibleIsUnavailable) {
  FakePerf fake;  // opens everything, like libpfm4 on some VMs...
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
  // ...and then reads 0 cycles while the thread ran for 5 ms.
  fake.time_enabled = fake.time_running = 5'000'000;
  fake.values = {0, 0, 7, 0, 5'000'000};
  tc.Start();
  tc.Stop();
  CounterReadings r = tc.Read();
  for (const char* name :
       {"cycles", "instructions", "branch-misses", "L1-dcache-load-misses"}) {
    EXPECT_EQ(r.Get(name), std::nullopt) << name;
    const UnavailableCounter* u = FindUnavailable(r, name);
    ASSERT_NE(u, nullptr) << name;
    EXPECT_THAT(u->reason, HasSubstr("read 0"));
  }
  EXPECT_TRUE(r.Get("task-clock").has_value());
  EXPECT_TRUE(r.Get(kCoreCyclesEstimateName).has_value());
  EXPECT_TRUE(r.fallback_reason.has_value());
}

TEST(ThreadCountersTest, SoftwareMustTickZeroIsUnavailable) {
  FakePerf fake;
  absl::StatusOr<CounterSet> set = CounterSet::Parse("page-faults");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
  fake.time_enabled = fake.time_running = 1000;
  fake.values = {0, 0};  // page-faults may be 0; task-clock may not
  tc.Start();
  tc.Stop();
  CounterReadings r = tc.Read();
  ASSERT_TRUE(r.Get("page-faults").has_value());
  EXPECT_EQ(r.Get("page-faults")->value, 0);
  EXPECT_EQ(r.Get("task-clock"), std::nullopt);
  EXPECT_TRUE(HasUnavailable(r, "task-clock"));
}

TEST(ThreadCountersTest, NeverScheduledGroupYieldsNoFigures) {
  FakePerf fake;
  absl::StatusOr<CounterSet> set = CounterSet::Parse("cycles");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
  fake.time_enabled = 1000;
  fake.time_running = 0;
  fake.values = {0, 0};
  tc.Start();
  tc.Stop();
  CounterReadings r = tc.Read();
  EXPECT_EQ(r.Get("cycles"), std::nullopt);
  EXPECT_EQ(r.Get("task-clock"), std::nullopt);
  ASSERT_NE(FindUnavailable(r, "cycles"), nullptr);
  EXPECT_THAT(FindUnavailable(r, "cycles")->reason, HasSubstr("not counted"));
}

TEST(ThreadCountersTest, ResetSubtractsWhatWasCountedBefore) {
  FakePerf fake;
  absl::StatusOr<CounterSet> set = CounterSet::Parse("cycles");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set, 0, &fake);
  fake.time_enabled = fake.time_running = 100;
  fake.values = {1000, 100};
  tc.Reset();
  fake.time_enabled = fake.time_running = 300;
  fake.values = {1500, 300};
  tc.Start();
  tc.Stop();
  CounterReadings r = tc.Read();
  ASSERT_TRUE(r.Get("cycles").has_value());
  EXPECT_DOUBLE_EQ(r.Get("cycles")->value, 500);
  EXPECT_EQ(r.Get("cycles")->time_enabled_ns, 200u);
}

// ---- totals -----------------------------------------------------------

CounterReadings Thread(double cycles, uint64_t enabled, uint64_t running,
                       double ticks) {
  CounterReadings r;
  r.present.push_back({"cycles", cycles, CounterSource::kHardwareCounter,
                       RunningFraction(enabled, running), enabled, running,
                       "cycles"});
  r.present.push_back({std::string(kTscTicksName), ticks, CounterSource::kTsc,
                       1, 0, 0, "ticks"});
  return r;
}

TEST(CounterTotalsTest, PerThreadFiguresAddUp) {
  CounterTotals totals;
  totals.Add(Thread(100, 10, 10, 1000));
  totals.Add(Thread(300, 30, 10, 2000));
  EXPECT_EQ(totals.threads(), 2);
  CounterReadings sum = totals.Get();
  ASSERT_TRUE(sum.Get("cycles").has_value());
  EXPECT_DOUBLE_EQ(sum.Get("cycles")->value, 400);
  EXPECT_DOUBLE_EQ(sum.Get("cycles")->running_fraction, 20.0 / 40.0);
  EXPECT_EQ(sum.Get("cycles")->source, CounterSource::kHardwareCounter);
  ASSERT_TRUE(sum.Get(kTscTicksName).has_value());
  EXPECT_DOUBLE_EQ(sum.Get(kTscTicksName)->value, 3000);
  EXPECT_FALSE(sum.fallback_reason.has_value());
}

TEST(CounterTotalsTest, FigureMissingOnSomeThreadIsAbsentFromTotal) {
  CounterTotals totals;
  totals.Add(Thread(100, 10, 10, 1000));
  CounterReadings no_cycles;
  no_cycles.present.push_back(
      {std::string(kTscTicksName), 500, CounterSource::kTsc, 1, 0, 0, "ticks"});
  no_cycles.unavailable.push_back({"cycles", "injected", ENOENT});
  totals.Add(no_cycles);
  CounterReadings sum = totals.Get();
  EXPECT_EQ(sum.Get("cycles"), std::nullopt);
  EXPECT_TRUE(HasUnavailable(sum, "cycles"));
  EXPECT_DOUBLE_EQ(sum.Get(kTscTicksName)->value, 1500);
  EXPECT_TRUE(sum.fallback_reason.has_value());
}

TEST(CounterTotalsTest, PartialPresenceWithoutReasonGetsOne) {
  CounterTotals totals;
  totals.Add(Thread(100, 10, 10, 1000));
  totals.Add(CounterReadings{});
  CounterReadings sum = totals.Get();
  EXPECT_EQ(sum.Get("cycles"), std::nullopt);
  ASSERT_NE(FindUnavailable(sum, "cycles"), nullptr);
  EXPECT_THAT(FindUnavailable(sum, "cycles")->reason,
              HasSubstr("1 of 2 threads"));
}

// ---- this machine ---------------------------------------------------------

// Whatever this machine has: task-clock counts, every hardware figure that
// is reported reads nonzero, and without hardware cycles there is an
// estimate and a fallback reason.
void ExpectHonestReadings(const CounterReadings& r) {
  std::optional<CounterReading> task_clock = r.Get("task-clock");
  const UnavailableCounter* why = FindUnavailable(r, "task-clock");
  ASSERT_TRUE(task_clock.has_value()) << (why ? why->reason : "no reason");
  EXPECT_GT(task_clock->value, 0);
  for (const CounterReading& c : r.present) {
    if (c.source == CounterSource::kHardwareCounter &&
        c.name != "branch-misses" && c.name != "L1-dcache-load-misses") {
      EXPECT_GT(c.value, 0) << c.name;
    }
  }
  if (!r.Get("cycles")) {
    ASSERT_TRUE(r.Get(kCoreCyclesEstimateName).has_value());
    EXPECT_EQ(r.Get(kCoreCyclesEstimateName)->source, CounterSource::kEstimate);
    ASSERT_TRUE(HasUnavailable(r, "cycles"));
  }
  bool hardware = false;
  for (const CounterReading& c : r.present) {
    hardware |= c.source == CounterSource::kHardwareCounter;
  }
  EXPECT_EQ(r.fallback_reason.has_value(), !hardware);
}

TEST(RealCountersTest, CallingThreadCountsHonestly) {
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  ASSERT_TRUE(set.ok());
  ThreadCounters tc = ThreadCounters::Open(*set);
  tc.Start();
  Spin(2'000'000);
  tc.Stop();
  ExpectHonestReadings(tc.Read());
}

TEST(RealCountersTest, AnotherThreadCanBeCountedByTid) {
  absl::StatusOr<CounterSet> set = CounterSet::Parse("auto");
  ASSERT_TRUE(set.ok());
  std::atomic<pid_t> tid{0};
  std::atomic<uint64_t> progress{0};
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    tid = static_cast<pid_t>(syscall(SYS_gettid));
    while (!stop.load(std::memory_order_relaxed)) {
      Spin(1000);
      progress.fetch_add(1, std::memory_order_relaxed);
    }
  });
  while (tid.load() == 0) std::this_thread::yield();
  ThreadCounters tc = ThreadCounters::Open(*set, tid.load());
  tc.Start();
  // A task's counters only advance while it runs: wait until the worker
  // has visibly run while the group was enabled, however loaded the
  // machine is.
  uint64_t seen = progress.load();
  while (progress.load() < seen + 1000) std::this_thread::yield();
  tc.Stop();
  stop = true;
  worker.join();
  ExpectHonestReadings(tc.Read());
}

TEST(RealCountersTest, ProbeReportsTaskClockAndExplainsTheRest) {
  CounterAvailability a = ProbeCounters(CounterSet::ForList());
  bool task_clock = false;
  for (const EventAvailability& e : a.events) {
    if (e.name == "task-clock") task_clock = e.available;
    if (!e.available) {
      EXPECT_FALSE(e.detail.empty()) << e.name << " needs a reason";
    }
    if (e.source == CounterSource::kHardwareCounter && e.available) {
      EXPECT_TRUE(a.hardware_available);
    }
    if (e.source == CounterSource::kHardwareCounter && !a.core_pmu_listed) {
      EXPECT_FALSE(e.available) << e.name << " without a core PMU";
    }
  }
  EXPECT_TRUE(task_clock);
  EXPECT_GT(a.group_read_ns, 0);
  EXPECT_GT(a.tsc_hz, 0);

  std::vector<std::string> lines = DescribeCounterAvailability(a);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], HasSubstr("hardware PMU"));
  bool task_clock_line = false;
  for (const std::string& line : lines) {
    if (line.find("task-clock") != std::string::npos &&
        line.find(" available") != std::string::npos) {
      task_clock_line = true;
    }
  }
  EXPECT_TRUE(task_clock_line);

  bool read_ns = false;
  for (const auto& [key, value] : CounterContext(a)) {
    EXPECT_EQ(key.rfind("counters_", 0), 0u) << key;
    if (key == "counters_group_read_ns") read_ns = !value.empty();
  }
  EXPECT_TRUE(read_ns);
}

TEST(RealCountersTest, WithoutCorePmuHardwareIsUnavailable) {
  CounterAvailability a = ProbeCounters(CounterSet::ForList());
  if (a.core_pmu_listed) GTEST_SKIP() << "this machine lists a core PMU";
  EXPECT_FALSE(a.hardware_available);
  EXPECT_THAT(a.summary, HasSubstr("hardware PMU: "));
  for (const EventAvailability& e : a.events) {
    if (e.name == "cycles") {
      EXPECT_FALSE(e.available);
      EXPECT_NE(e.error, 0);
    }
  }
}

}  // namespace
}  // namespace harness

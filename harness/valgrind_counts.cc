#include "harness/valgrind_counts.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "barriers/barrier_jit.h"
#include "harness/callgrind_profile.h"
#include "harness/metadata.h"
#include "harness/repetition.h"
#include "workloads/workload_kind.h"

extern char** environ;

namespace harness {
namespace {

constexpr char kSource[] = "valgrind (simulated)";

// A figure and the callgrind events it sums.
struct Event {
  const char* stem;
  std::vector<const char*> sums;
};
const std::vector<Event>& Events() {
  static const std::vector<Event> events = {
      {"instructions", {"Ir"}},
      {"data_reads", {"Dr"}},
      {"data_writes", {"Dw"}},
      {"d1_misses", {"D1mr", "D1mw"}},
      {"ll_misses", {"ILmr", "DLmr", "DLmw"}},
      {"branch_mispredictions", {"Bcm", "Bim"}},
  };
  return events;
}

double Sum(const CallgrindProfile& p, const std::vector<double>& cost,
           const Event& e) {
  double s = 0;
  for (const char* name : e.sums) {
    int i = p.EventIndex(name);
    if (i >= 0) s += cost[i];
  }
  return s;
}

const char* LegName(CountedLeg leg) {
  switch (leg) {
    case CountedLeg::kBaseline:
      return "baseline";
    case CountedLeg::kOff:
      return "off";
    case CountedLeg::kOn:
      return "on";
  }
  return "?";
}

// One child: a configuration, and what it measured.
struct Job {
  size_t row = 0;
  CountedLeg leg = CountedLeg::kBaseline;
  workloads::WorkloadKind workload{};
  barriers::BarrierKind barrier{};
  std::string name;  // for progress and errors
  std::map<std::string, double> counters;
  std::string error;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string LastLines(const std::string& text, int n) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.size() > static_cast<size_t>(n)) {
    lines.erase(lines.begin(), lines.end() - n);
  }
  return absl::StrJoin(lines, " | ");
}

// Runs argv with stdout and stderr into `log`; the exit status, or -1.
int Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // One environment whatever the user's (see ChildFlags): a fixed PATH, and
  // only the variables valgrind and the JIT's test hook read.
  std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
  for (char** e = environ; *e != nullptr; ++e) {
    if (absl::StartsWith(*e, "VALGRIND_") ||
        absl::StartsWith(*e, "WBBENCH_JIT_TEST_NOPS=")) {
      env.emplace_back(*e);
    }
  }
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  int rc =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The figures of one child's profile and result file (valgrind_counts.h).
absl::Status Attribute(const CallgrindProfile& p, barriers::Algorithm algorithm,
                       barriers::Filter filter, Job& job) {
  auto& k = job.counters;
  const double stores = k[kCountedStores];
  const double barriered = k[kCountedBarrieredStores];
  if (!(stores > 0)) {
    return absl::InternalError("no counted chunk (no store was counted)");
  }
  for (const Event& e : Events()) {
    k[absl::StrCat(e.stem, "_per_store")] = Sum(p, p.totals(), e) / stores;
  }
  const int ir = p.EventIndex("Ir");
  if (ir < 0) return absl::InternalError("the profile has no Ir event");
  if (!(barriered > 0)) return absl::OkStatus();
  const barriers::JitFunction* fn =
      barriers::FindJitBarrier(job.barrier, algorithm, filter);
  if (fn != nullptr && k.contains("jit_code")) {
    const uint64_t code = static_cast<uint64_t>(k["jit_code"]);
    std::set<uint64_t> fast;
    for (const barriers::JitInstruction& i : fn->instructions) {
      if (i.fast_path) fast.insert(code + i.offset);
    }
    auto in_jit = [&](const CallgrindProfile::Line& l) {
      return l.address >= code && l.address < code + fn->size;
    };
    const double calls = p.SelfCost(
        [&](const CallgrindProfile::Line& l) { return l.address == code; })[ir];
    // A fast-path instruction counts once per call at most: what a store
    // that does not fill the buffer runs.  What runs more often (batched
    // walks to the P again after its flush) belongs to the flush.
    std::map<uint64_t, double> fast_by_address;
    for (const CallgrindProfile::Line& l : p.lines()) {
      if (!l.call && fast.contains(l.address)) {
        fast_by_address[l.address] += l.cost[ir];
      }
    }
    double fast_ir = 0;
    for (const auto& [address, n] : fast_by_address) {
      fast_ir += std::min(n, calls);
    }
    const double jit_ir = p.SelfCost(in_jit)[ir];
    const double flush_ir = jit_ir - fast_ir + p.CallCost(in_jit)[ir];
    k[kBarrierCalls] = calls;
    if (calls > 0) k[kFastPathInstructionsPerCall] = fast_ir / calls;
    k[kFastPathInstructionsPerBarriered] = fast_ir / barriered;
    k[kFlushInstructionsPerBarriered] = flush_ir / barriered;
  }
  // The unbuffered barrier's call is not split out: it switches to the
  // system stack, and callgrind, which follows calls by the stack pointer,
  // attributes what follows a switch to the wrong frames.  Its own cost is
  // the row's own_instructions.
  const double bulk = p.CallCost([](const CallgrindProfile::Line& l) {
    return absl::StrContains(l.callee, "BulkPreWrite");
  })[ir];
  if (bulk > 0) k[kBulkInstructionsPerBarriered] = bulk / barriered;
  return absl::OkStatus();
}

// The flags a child runs with, in one spelling whatever the parent's
// command line: the client's stack holds its argv and environment, so text
// of another length would move every stack address and, through the
// simulated caches, change the miss counts.
// A row's algorithm (AlgorithmFor) may differ from the run's, and so from
// its baseline's: the seed takes leading zeros to keep the text's length the
// same whichever algorithm a child runs.
std::vector<std::string> ChildFlags(const Options& o,
                                    barriers::Algorithm algorithm) {
  size_t longest = 0;
  for (const barriers::AlgorithmInfo& a : barriers::AllAlgorithms()) {
    longest = std::max(longest, a.name.size());
  }
  const absl::string_view name = barriers::InfoFor(algorithm).name;
  return {
      absl::StrCat("--algorithm=", name),
      absl::StrCat("--filter=", barriers::InfoFor(o.filter).name),
      absl::StrFormat("--scale=%.17g", o.scale),
      absl::StrCat("--seed=", std::string(longest - name.size(), '0'), o.seed),
      absl::StrCat("--ops=", o.ops.value_or(kValgrindDefaultOps)),
      absl::StrCat("--wbbuf_entries=", o.gc.wbbuf_entries),
      o.gc.gogc < 0 ? std::string("--gogc=off")
                    : absl::StrCat("--gogc=", o.gc.gogc),
      absl::StrCat("--heap_limit=", o.gc.heap_limit),
      o.cgocheck == barriers::CgocheckMode::kAbort ? "--cgocheck=abort"
                                                   : "--cgocheck=count",
      o.gc.verify ? "--verify=true" : "--verify=false",
      "--threads=1",
      "--counters=valgrind"};
}

// Runs one job in `dir` (files named after `id`): `self` is the wbbench
// binary under a name of fixed length (see ChildFlags).
void RunJob(const std::string& valgrind, const std::string& self,
            const Options& o, const std::string& dir, int id, Job& job) {
  const std::string base = absl::StrFormat("%s/%04d", dir, id);
  std::vector<std::string> argv = {
      valgrind,
      "--tool=callgrind",
      "--collect-atstart=no",
      "--cache-sim=yes",
      "--branch-sim=yes",
      "--dump-instr=yes",
      "--compress-strings=no",
      "--compress-pos=no",
      absl::StrCat("--callgrind-out-file=", base, ".callgrind"),
      absl::StrCat("--log-file=", base, ".valgrind")};
  for (absl::string_view g : absl::StrSplit(kCacheGeometry, ' ')) {
    argv.emplace_back(g);
  }
  argv.push_back(self);
  const barriers::Algorithm algorithm = AlgorithmFor(o, job.barrier);
  for (std::string& f : ChildFlags(o, algorithm)) argv.push_back(std::move(f));
  argv.push_back(absl::StrCat("--valgrind_child=", base, ".result"));
  argv.push_back(absl::StrCat("--valgrind_leg=", LegName(job.leg)));
  argv.push_back(
      absl::StrCat("--workload=", workloads::WorkloadName(job.workload)));
  argv.push_back(
      absl::StrCat("--barrier=", barriers::BarrierName(job.barrier)));
  const int status = Spawn(argv, base + ".log");
  if (status != 0) {
    absl::StatusOr<std::string> log = ReadFile(base + ".log");
    absl::StatusOr<std::string> vlog = ReadFile(base + ".valgrind");
    job.error = absl::StrCat("the valgrind child failed (status ", status,
                             "): ", LastLines(log.ok() ? *log : "", 2), " ",
                             LastLines(vlog.ok() ? *vlog : "", 2),
                             " (files in ", dir, ")");
    return;
  }
  absl::StatusOr<std::string> result = ReadFile(base + ".result");
  absl::StatusOr<std::string> profile = ReadFile(base + ".callgrind");
  if (!result.ok() || !profile.ok()) {
    job.error = std::string(
        (!result.ok() ? result.status() : profile.status()).message());
    return;
  }
  for (absl::string_view line :
       absl::StrSplit(*result, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(line, ' ');
    double v;
    if (kv.size() != 2 || !absl::SimpleAtod(kv[1], &v)) {
      job.error = absl::StrCat("bad line in ", base, ".result: ", line);
      return;
    }
    job.counters[std::string(kv[0])] = v;
  }
  absl::StatusOr<CallgrindProfile> p = CallgrindProfile::Parse(*profile);
  if (!p.ok()) {
    job.error = std::string(p.status().message());
    return;
  }
  if (absl::Status s = Attribute(*p, algorithm, o.filter, job); !s.ok()) {
    job.error = std::string(s.message());
    return;
  }
  std::filesystem::remove(base + ".callgrind");
  std::filesystem::remove(base + ".result");
  std::filesystem::remove(base + ".log");
  std::filesystem::remove(base + ".valgrind");
}

std::string ValgrindVersion(const std::string& valgrind) {
  std::string cmd = absl::StrCat(valgrind, " --version 2>/dev/null");
  std::string out;
  if (std::FILE* f = popen(cmd.c_str(), "r")) {
    char buf[128];
    while (std::fgets(buf, sizeof(buf), f)) out += buf;
    pclose(f);
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

// The row's decomposition from its legs' figures (valgrind_counts.h).
void Decompose(const std::map<std::string, double>& base,
               const std::map<std::string, double>& off,
               const std::map<std::string, double>* on,
               std::map<std::string, double>& k) {
  for (const auto& [key, v] : off) k[absl::StrCat("off_", key)] = v;
  if (on != nullptr) {
    for (const auto& [key, v] : *on) k[key] = v;
  }
  auto get = [](const std::map<std::string, double>& m,
                const std::string& key) -> std::optional<double> {
    auto it = m.find(key);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
  std::optional<double> frac;
  if (on != nullptr) {
    auto st = get(*on, kCountedStores), b = get(*on, kCountedBarrieredStores);
    if (st && b && *st > 0 && *b > 0) frac = *b / *st;
  }
  for (const Event& e : Events()) {
    const std::string key = absl::StrCat(e.stem, "_per_store");
    auto b = get(base, key), f = get(off, key);
    if (b && f) k[absl::StrCat("check_", key)] = *f - *b;
    if (on != nullptr && frac) {
      if (auto n = get(*on, key); n && b) {
        k[absl::StrCat("own_", e.stem, "_per_barriered_store")] =
            (*n - *b) / *frac;
      }
    }
  }
}

}  // namespace

absl::StatusOr<std::string> FindValgrind() {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path ? path : "/usr/bin:/bin", ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/valgrind");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::FailedPreconditionError(
      "--counters=valgrind needs valgrind, which is not installed: "
      "sudo apt-get install valgrind (./setup.sh installs it)");
}

absl::StatusOr<Report> RunValgrindCounts(const Options& o,
                                         const ProgressFn& progress) {
  // One mutator (--threads=1) is checked with the other flags (options.cc).
  absl::StatusOr<std::string> valgrind = FindValgrind();
  if (!valgrind.ok()) return valgrind.status();
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return absl::InternalError("cannot read /proc/self/exe");
  self[n] = '\0';

  Report report;
  Metadata& m = report.meta;
  FillMachineMetadata(&m);
  m.counting = kValgrindCounters;
  m.valgrind = absl::StrCat(ValgrindVersion(*valgrind),
                            " --tool=callgrind --cache-sim=yes "
                            "--branch-sim=yes ",
                            kCacheGeometry);
  m.gc_mode = "incremental (on), stw (off, baseline)";
  m.algorithm = std::string(barriers::InfoFor(o.algorithm).name);
  m.filter = std::string(barriers::InfoFor(o.filter).name);
  m.threads = 1;
  m.repetitions = 1;
  m.ops = static_cast<double>(o.ops.value_or(kValgrindDefaultOps));
  m.scale = o.scale;
  m.cycles_source = "";
  m.counters_missing_reason =
      "counts come from valgrind's simulation: no time, no cycles";
  for (const Event& e : Events()) m.counter_sources[e.stem] = kSource;
  m.counter_sources["valgrind"] = kSource;
  m.baseline =
      "own = (barrier on, gc=incremental with a fixed mark step - baseline) / "
      "barriered fraction; check = barrier code, gc=stw between blocks "
      "(barrier off) - baseline; baseline = no barrier code, gc=stw between "
      "blocks; counted: the workload's code in the timed chunks only "
      "(callgrind's collection switched on per chunk, one mutator)";

  std::vector<Row> rows;
  std::vector<Job> jobs;
  for (workloads::WorkloadKind w : o.workloads) {
    const std::string wname(workloads::WorkloadName(w));
    auto add_row = [&](const std::string& b, std::vector<std::string> configs) {
      Row row;
      row.workload = wname;
      row.barrier = b;
      row.name = absl::StrCat(wname, "/barrier=", b);
      row.configs = std::move(configs);
      rows.push_back(std::move(row));
      return rows.size() - 1;
    };
    auto add_job = [&](size_t row, CountedLeg leg, barriers::BarrierKind b) {
      Job j;
      j.row = row;
      j.leg = leg;
      j.workload = w;
      j.barrier = b;
      j.name = absl::StrCat(rows[row].name, " ", LegName(leg));
      jobs.push_back(std::move(j));
    };
    for (barriers::BarrierKind b : o.barriers) {
      const bool none = !barriers::TraitsOf(b).sound;
      const size_t r = add_row(std::string(barriers::BarrierName(b)),
                               none ? std::vector<std::string>{"off"}
                                    : std::vector<std::string>{"off", "on"});
      rows[r].algorithm = RowAlgorithmLabel(o, b);
      add_job(r, CountedLeg::kOff, b);
      if (!none) add_job(r, CountedLeg::kOn, b);
    }
    add_job(add_row("baseline", {"baseline"}), CountedLeg::kBaseline,
            barriers::BarrierKind::kNone);
  }

  char dir_template[] = "/tmp/wbbench-valgrind-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp /tmp: ", std::strerror(errno)));
  }
  const std::string dir = dir_template;
  // The binary under a name of fixed length (ChildFlags).
  const std::string client = dir + "/wbbench";
  if (symlink(self, client.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("symlink ", client, ": ", std::strerror(errno)));
  }
  std::mutex mu;
  size_t next = 0;
  int done = 0;
  const int total = static_cast<int>(jobs.size());
  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::lock_guard<std::mutex> l(mu);
        if (next >= jobs.size() || interrupt_requested) return;
        i = next++;
        if (progress) progress(done, total, jobs[i].name + " (callgrind)");
      }
      RunJob(*valgrind, client, o, dir, static_cast<int>(i), jobs[i]);
      std::lock_guard<std::mutex> l(mu);
      ++done;
    }
  };
  const unsigned parallel =
      std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < parallel; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  m.interrupted = interrupt_requested.load();

  bool failed = false;
  for (const Job& j : jobs) {
    if (!j.error.empty()) {
      failed = true;
      if (rows[j.row].error.empty()) {
        rows[j.row].error = absl::StrCat(LegName(j.leg), ": ", j.error);
      }
    }
  }
  if (!failed) std::filesystem::remove_all(dir);

  // Rows from their legs; every row of a workload uses its baseline.
  for (size_t r = 0; r < rows.size(); ++r) {
    const Job *base = nullptr, *off = nullptr, *on = nullptr;
    for (const Job& j : jobs) {
      if (j.counters.empty()) continue;
      if (rows[j.row].workload != rows[r].workload) continue;
      if (j.leg == CountedLeg::kBaseline) base = &j;
      if (j.row == r && j.leg == CountedLeg::kOff) off = &j;
      if (j.row == r && j.leg == CountedLeg::kOn) on = &j;
    }
    Repetition rep;
    rep.index = 0;
    if (rows[r].barrier == "baseline") {
      if (base == nullptr) continue;
      rep.counters = base->counters;
    } else {
      if (off == nullptr || base == nullptr) continue;
      Decompose(base->counters, off->counters, on ? &on->counters : nullptr,
                rep.counters);
    }
    for (const auto& [key, v] : rep.counters) {
      if (key.ends_with(kLostObjects) && v > 0) {
        rows[r].error = absl::StrCat("verifier found ", v, " lost objects");
      }
      if (key.ends_with(kCountedSwitches) && v > 0) {
        rows[r].error = absl::StrCat(
            v, " counted chunks saw the barrier switched inside them");
      }
    }
    rows[r].repetitions.push_back(std::move(rep));
  }
  report.rows = std::move(rows);
  return report;
}

int RunValgrindChild(const Options& o) {
  CountedLeg leg = CountedLeg::kBaseline;
  if (o.valgrind_leg == "off") leg = CountedLeg::kOff;
  if (o.valgrind_leg == "on") leg = CountedLeg::kOn;
  const barriers::BarrierKind b = o.barriers.at(0);
  // Only what valgrind does not distort: its time is not the program's.
  std::map<std::string, double> k;
  for (const auto& [key, v] :
       RunCountedConfiguration(o, o.workloads.at(0), b, leg)) {
    for (const char* keep :
         {kStores, kBarrieredStores, kFlushes, kFlushesPer1000, kGcCycles,
          kMarkSteps, kMarkStepChunks, kLostObjects, kCountedChunks,
          kCountedStores, kCountedBarrieredStores, kCountedSwitches,
          kFilteredStores, kFilteredFraction}) {
      if (key == keep) k[key] = v;
    }
  }
  if (const barriers::JitFunction* fn =
          barriers::FindJitBarrier(b, AlgorithmFor(o, b), o.filter);
      fn != nullptr) {
    k["jit_code"] = static_cast<double>(reinterpret_cast<uintptr_t>(fn->code));
  }
  std::FILE* f = std::fopen(o.valgrind_child.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "wbbench: cannot write %s: %s\n",
                 o.valgrind_child.c_str(), std::strerror(errno));
    return 1;
  }
  for (const auto& [key, v] : k) std::fprintf(f, "%s %.17g\n", key.c_str(), v);
  return std::fclose(f) == 0 ? 0 : 1;
}

std::string ValgrindConsoleReport(const Report& report) {
  const Metadata& m = report.meta;
  std::string out = absl::StrFormat("wbbench  %s  %s  --counters=valgrind\n",
                                    m.cpu_model, m.git_commit);
  absl::StrAppend(&out, "counts: ", kSource,
                  ", the same on every run: ", m.valgrind, "\n");
  out +=
      "per store (of the counted chunks) unless it says per barriered "
      "store (bstore); algorithm " +
      m.algorithm + "\n";
  std::vector<std::vector<std::string>> table = {
      {"workload", "barrier", "instr/store", "check", "own instr/bstore",
       "fast path/call", "flush/bstore", "D1 miss/store", "LL miss/store",
       "own D1/bstore", "mispred/store"}};
  auto fmt = [](const std::map<std::string, double>& k, const std::string& key,
                int digits = 2) -> std::string {
    auto it = k.find(key);
    if (it == k.end()) return "-";
    return absl::StrFormat("%.*f", digits, it->second);
  };
  for (const Row& row : report.rows) {
    if (!row.error.empty() || row.repetitions.empty()) {
      table.push_back(
          {row.workload, BarrierCell(row),
           "error: " + (row.error.empty() ? "no data" : row.error)});
      continue;
    }
    const auto& k = row.repetitions[0].counters;
    std::string fast = fmt(k, kFastPathInstructionsPerCall);
    std::string flush = fmt(k, kFlushInstructionsPerBarriered);
    table.push_back(
        {row.workload, BarrierCell(row), fmt(k, "instructions_per_store"),
         fmt(k, "check_instructions_per_store"),
         fmt(k, "own_instructions_per_barriered_store"), fast, flush,
         fmt(k, "d1_misses_per_store", 3), fmt(k, "ll_misses_per_store", 3),
         fmt(k, "own_d1_misses_per_barriered_store", 3),
         fmt(k, "branch_mispredictions_per_store", 3)});
  }
  out += FormatConsoleTable(table);
  out += FilteredSummary(report);
  out += WrapConsole(absl::StrCat("baseline: ", m.baseline));
  if (m.interrupted) out += "interrupted: the table holds what finished\n";
  return out;
}

}  // namespace harness

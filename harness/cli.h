// File: harness/cli.h
//
// The wbbench program: parse and validate the command line, then list, dump
// a barrier, or run.  Exit status: 0 success, 1 a run failed (verifier found
// lost objects, an errored row, the heap limit), 2 bad input, 3 the --out
// file could not be written at the end (the report went to stdout instead),
// 130 interrupted (the report is still written).
#ifndef WBBENCH_HARNESS_CLI_H_
#define WBBENCH_HARNESS_CLI_H_

namespace harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitNotWritten = 3;
inline constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells do

int WbbenchMain(int argc, char** argv);

}  // namespace harness

#endif  // WBBENCH_HARNESS_CLI_H_

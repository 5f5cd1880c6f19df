// File: harness/json_report.h
//
// The report (harness/report.h) as Google Benchmark JSON, so that
// compare.py and analysis/ read it.  A figure that was not measured is a
// missing key, never 0; a row counted under valgrind has no time
// ("real_time": null).
#ifndef WBBENCH_HARNESS_JSON_REPORT_H_
#define WBBENCH_HARNESS_JSON_REPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "harness/report.h"

namespace harness {

std::string JsonReport(const Report& report);

// `s` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view s);
// `v` as JSON spells a number ("%.10g"); "null" when not finite.  The CSV
// reporter prints its numbers the same way.
std::string JsonNumber(double v);

}  // namespace harness

#endif  // WBBENCH_HARNESS_JSON_REPORT_H_

#include "barriers/barrier_dump.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "barriers/barrier_jit.h"
#include "barriers/barrier_kind.h"

namespace barriers {
namespace {

// objdump's listing of the code, or nullopt when objdump cannot be run.
std::optional<std::string> Objdump(const JitFunction& fn) {
  char path[] = "/tmp/wbbench-dump-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return std::nullopt;
  bool written = write(fd, fn.code, fn.size) == static_cast<ssize_t>(fn.size);
  close(fd);
  std::optional<std::string> out;
  if (written) {
    std::string cmd = absl::StrCat("objdump -D -b binary -mi386:x86-64 ", path,
                                   " 2>/dev/null");
    if (std::FILE* p = popen(cmd.c_str(), "r")) {
      std::string text;
      char chunk[4096];
      size_t n;
      while ((n = std::fread(chunk, 1, sizeof(chunk), p)) > 0) {
        text.append(chunk, n);
      }
      if (pclose(p) == 0) out = std::move(text);
    }
  }
  unlink(path);
  return out;
}

std::string Hex(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i)
    absl::StrAppendFormat(&s, "%s%02x", i ? " " : "", p[i]);
  return s;
}

// The call site wbbench inlines and Go's own barrier for the same job,
// counted from Go's source (runtime/asm_amd64.s).  Go's assembler adds a
// frame to a function declared with one ($120, $112): SUBQ, MOVQ BP and LEAQ
// BP on entry, MOVQ BP and ADDQ before RET, with frame pointers on (amd64's
// default since Go 1.7); on linux/amd64 get_tls(R13) assembles to nothing
// (the local-exec TLS rewrite), so its MOVQ g(R13) is the one load of g.
// satb's counterpart is HotSpot's G1 pre-barrier, counted from
// src/hotspot/cpu/x86/gc/g1/g1BarrierSetAssembler_x86.cpp
// (g1_write_barrier_pre with generate_queue_insertion).
struct GoCounterpart {
  BarrierKind kind;
  const char* call_site;
  const char* go;
  const char* whose = "Go's own";
};
constexpr GoCounterpart kGoCounterparts[] = {
    {BarrierKind::kBuffered,
     "the enabled test (GCC 12: movzbl gc::write_barrier_enabled, test, "
     "je), call *entry, and the moves that put slot in rdi and value in rax "
     "(0-2); the store is the barrier's (barriers/buffered_barrier.h).  On "
     "tree-reverse that is 6 instructions per barriered store over the "
     "baseline's plain store, with the workload's count of barriered "
     "stores (one add)",
     "Go 1.10 gcWriteBarrier (runtime/asm_amd64.s), counted from the source: "
     "22 on the fast path = 17 written (save R14, R13; g, m, p; next, bump, "
     "store next, compare end; record value, load and record old; JEQ flush; "
     "restore R14, R13; the store; RET) + 5 of the $120 frame; call site: "
     "CMPL $0, runtime.writeBarrier; JNE; out of line LEAQ/MOVQ into DI and "
     "AX, CALL, JMP back"},
    {BarrierKind::kCgocheck,
     "as buffered: the same call site and the same code (the buffer's end is "
     "one entry past its start, so every store flushes)",
     "Go's cgocheck=2 runs gcWriteBarrier too, with the same end: 22 on the "
     "fast path, then the flush on every store"},
    {BarrierKind::kBatched,
     "the enabled test (GCC 12: movzbl gc::write_barrier_enabled, test, "
     "je), call *entry, then the entry filled at the call site (the values, "
     "and for the old value a load) and the store "
     "(barriers/batched_barrier.h)",
     "Go 1.21 gcWriteBarrier2 (runtime/asm_amd64.s), counted from the "
     "source: 21 on the fast path = 2 (MOVL $16, R11; JMP) + 14 written (save "
     "R12, R13; m, p from g in R14; next, add, compare end, JA flush; store "
     "next; the reservation's address in R11; restore R12, R13; RET) + 5 of "
     "the $112 frame; call site: CMPL; JEQ; CALL; MOVQ AX, (R11); MOVQ "
     "88(CX), DX; MOVQ DX, 8(R11)"},
    {BarrierKind::kSatb,
     "as buffered: the same call site (barriers/satb_barrier.h); the null "
     "test comes first, and a skipped store runs 5 instructions here "
     "(cmp, je, the count, the store, ret)",
     "G1's pre-barrier (g1_write_barrier_pre, x86), counted from the source, "
     "inline with the thread in r15: 13 with marking on and a non-null old "
     "value = 2 (cmpb active, jcc) + 3 (load old, cmp null, jcc) + 8 (load "
     "index, test, jcc full, sub, store index, add buffer, store old, jmp "
     "done); 5 for a null old value, 2 with marking off (wbbench tests "
     "write_barrier_enabled at the call site instead); uncompressed oops",
     "HotSpot's own"},
    {BarrierKind::kCardmark,
     "as buffered: the enabled test, call *entry with slot in rdi and value "
     "in rax; the store is the barrier's (barriers/cardmark_barrier.h)",
     "HotSpot's card-table post barrier "
     "(CardTableBarrierSetAssembler::oop_store_at and store_check, "
     "cpu/x86/gc/shared/cardTableBarrierSetAssembler_x86.cpp), counted from "
     "the source: inline, no call and no saved register (the JIT allocates "
     "the scratch), 4 on the fast path with UseCondCardMark = the store, "
     "SHR obj by card_shift, CMPB card, dirty; JCC equal (when "
     "byte_map_base fits a 32-bit displacement; 5 with a 64-bit base, which "
     "as_Address loads into rscratch1 first; 6 for a precise array store, "
     "LEA of the element first), then MOVB card, dirty when it was clean.  "
     "A field store dirties the card of the object's start (imprecise "
     "marking); here the card of the slot",
     "HotSpot's own (Go has none)"},
};

// What the fast path of a generated kind is, and the tag --dump-barrier
// gives the instructions outside it.
absl::string_view FastPathMeaning(BarrierKind kind) {
  return TraitsOf(kind).cards ? "a store whose card is already dirty"
                              : "a store that does not fill the buffer";
}
absl::string_view SlowTag(BarrierKind kind) {
  return TraitsOf(kind).cards ? "[dirty] " : "[flush] ";
}

}  // namespace

absl::StatusOr<std::string> DumpBarrier(absl::string_view name,
                                        Algorithm algorithm, Filter filter) {
  const std::vector<BarrierKind> jit = JitBarriers();
  std::optional<BarrierKind> kind = BarrierFromName(name);
  if (!kind.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--dump-barrier=", std::string(name),
                     ": unknown barrier; expected ", BarrierNames(jit)));
  }
  const JitFunction* fn = FindJitBarrier(*kind, algorithm, filter);
  if (fn == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--dump-barrier=", std::string(name),
                     " --algorithm=", std::string(InfoFor(algorithm).name),
                     ": not generated code; expected ", BarrierNames(jit)));
  }
  std::string out = absl::StrFormat(
      "%s --algorithm=%s: %s at %p, %zu bytes\n"
      "instructions: %zu on the fast path (%s), %zu in all\n",
      std::string(name), std::string(InfoFor(algorithm).name), fn->name,
      fn->code, fn->size, fn->FastPathInstructions(), FastPathMeaning(*kind),
      fn->instructions.size());
  for (const GoCounterpart& g : kGoCounterparts) {
    if (g.kind != *kind) continue;
    absl::StrAppend(&out, "call site: ", g.call_site, "\n", g.whose, ": ", g.go,
                    "\n(measured, with the call site: wbbench "
                    "--counters=valgrind, fast_path_instructions_per_call "
                    "and own_instructions_per_barriered_store)\n\n");
  }
  out += "code:\n";
  for (size_t off = 0; off < fn->size; off += 16) {
    absl::StrAppendFormat(
        &out, "  %04x  %s\n", off,
        Hex(fn->code + off, std::min<size_t>(16, fn->size - off)));
  }
  std::map<uint32_t, const JitInstruction*> by_offset;
  for (const JitInstruction& i : fn->instructions) by_offset[i.offset] = &i;
  std::optional<std::string> listing = Objdump(*fn);
  if (listing.has_value()) {
    out += "\ndisassembly (objdump -D -b binary -mi386:x86-64):\n";
    for (absl::string_view line : absl::StrSplit(*listing, '\n')) {
      // Instruction lines look like "   1d:\t41 55   \tpush   %r13".
      std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
      if (fields.size() < 2 || fields[0].empty() || fields[0].back() != ':') {
        continue;
      }
      absl::string_view offset = absl::StripLeadingAsciiWhitespace(
          fields[0].substr(0, fields[0].size() - 1));
      char* end = nullptr;
      std::string offset_text(offset);
      unsigned long at = std::strtoul(offset_text.c_str(), &end, 16);
      if (end == offset_text.c_str() || *end != '\0') continue;
      auto it = by_offset.find(static_cast<uint32_t>(at));
      std::string text(line);
      if (fields.size() >= 3 && it != by_offset.end()) {
        absl::StrAppendFormat(&out, "%-60s // %s%s\n", text,
                              it->second->fast_path ? "" : SlowTag(*kind),
                              it->second->pseudo_c);
      } else {
        absl::StrAppend(&out, text, "\n");
      }
    }
  } else {
    out += "\ninstructions (objdump not found):\n";
    for (size_t k = 0; k < fn->instructions.size(); ++k) {
      const JitInstruction& i = fn->instructions[k];
      uint32_t next = k + 1 < fn->instructions.size()
                          ? fn->instructions[k + 1].offset
                          : static_cast<uint32_t>(fn->size);
      absl::StrAppendFormat(&out, "  %4x:  %-33s // %s%s\n", i.offset,
                            Hex(fn->code + i.offset, next - i.offset),
                            i.fast_path ? "" : SlowTag(*kind), i.pseudo_c);
    }
  }
  return out;
}

}  // namespace barriers

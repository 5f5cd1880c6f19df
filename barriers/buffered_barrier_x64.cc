// File: barriers/buffered_barrier_x64.cc
//
// The x86-64 code generator for the buffered (Go 1.10 gcWriteBarrier),
// batched (Go 1.21 gcWriteBarrier2) and cardmark (CMS) barriers, run once
// before main.
//
// Buffered, entered by `call` with the slot in rdi and the value in rax:
//
//   save the scratch registers it uses (r12, r13; r14 for hybrid-cond)
//   p = tls_g->m->p                      one fs-relative load, two loads
//   next = p->wb_buf.next + entry; p->wb_buf.next = next
//   compare next with p->wb_buf.end      (flags survive the movs below)
//   next[-entry..] = what the algorithm records
//   if full: flush (below)
//   restore the scratch registers; *slot = value; ret
//
// A filter (--filter, or satb's built-in nil filter) tests first, before it
// saves anything, and jumps to a skip path that counts the store (one
// fs-relative increment of a thread_local), does it and returns:
//   nil   yuasa (satb): cmp *slot, 0; dijkstra: test value; hybrid and
//         hybrid-cond: *slot != 0 goes on, else test value
//   same  cmp *slot, value
// The skip path is a fast path too (no flush).
//
// Batched: the same walk to the P, but it only reserves the entry (flushing
// first when it does not fit) and returns its address in r11; the call site
// writes the entry and does the store.
//
// Cardmark (CMS's card marking, UseCondCardMark), entered as buffered:
//
//   *slot = value
//   save r12, r13
//   cards = g_card_table[slot >> 26]     (0: no card, return)
//   if (cards[slot >> 9] != dirty) goto dirty   (out of line: dirty it)
//   restore r12, r13; ret
//
// The flush (cold, after the fast path): the C++ flush may clobber what the
// SysV ABI lets a callee clobber, so save the caller-saved general registers
// (rax, rcx, rdx, rsi, rdi, r8-r11) and xmm0-15; the callee-saved ones (rbx,
// rbp, r12-r15) are preserved by the flush itself, as the ABI guarantees, and
// the fast path's own scratch registers were saved on entry.  rbp holds the
// unaligned stack pointer while rsp is aligned to 16 for the call.  Upper
// halves of ymm/zmm and xmm16-31 are not saved: the project is compiled for
// baseline x86-64, so no caller keeps values there.
//
// Unwinding.  The generated functions register no unwind table: they are
// leaves for the unwinder (perf's DWARF call graphs and sanitizer stacks stop
// at them; perf still names them through /tmp/perf-PID.map).  That is sound
// because nothing ever unwinds through them: they throw nothing, and the
// only call they make, WbBufFlush, is noexcept and aborts rather than throws
// when memory runs out.
//
// Register use matches Go's: entry pointer (Go: next) in a register, the P
// in another; the old value reuses the P's register once the P is no longer
// needed.  Offsets come from the static_asserted constants in gc/runtime.h.
// Every instruction carries its pseudo-C comment, kept with the code for
// --dump-barrier.
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "barriers/barrier_config.h"
#include "barriers/barrier_jit.h"
#include "barriers/wb_buf_flush.h"
#include "gc/card_table.h"
#include "gc/runtime.h"
#include "xbyak/xbyak.h"

namespace barriers {

namespace internal {

void* jit_entry[kNumBarriers][kNumAlgorithms];

}  // namespace internal

// Counted by the filters' skip paths (FilteredStoresOnThisThread).
thread_local uint64_t tls_filtered_stores
    __attribute__((tls_model("initial-exec"))) = 0;

namespace {

// G::stack_black, read by hybrid-cond as one byte.
constexpr size_t kGOffsetStackBlack = offsetof(gc::G, stack_black);
static_assert(sizeof(std::atomic<bool>) == 1 &&
              std::atomic<bool>::is_always_lock_free);

// Room for every generated function: each is under 400 bytes.
constexpr size_t kCodeBytes = 16 * 1024;

// Caller-saved general registers, saved around the C++ flush.
constexpr int kCallerSaved[] = {
    Xbyak::Operand::RAX, Xbyak::Operand::RCX, Xbyak::Operand::RDX,
    Xbyak::Operand::RSI, Xbyak::Operand::RDI, Xbyak::Operand::R8,
    Xbyak::Operand::R9,  Xbyak::Operand::R10, Xbyak::Operand::R11};

class BarrierAssembler : public Xbyak::CodeGenerator {
 public:
  explicit BarrierAssembler(intptr_t tls_g_offset)
      : Xbyak::CodeGenerator(kCodeBytes, Xbyak::DontSetProtectRWE),
        tls_g_offset_(tls_g_offset) {}

  std::vector<JitFunction>& functions() { return functions_; }

  // The code of `kind` (a row whose JitCode is `jit`) for algorithm a,
  // skipping what `filter` filters (its EffectiveFilter).
  void* Emit(JitCode jit, BarrierKind kind, Algorithm a, Filter filter) {
    Begin(kind, a, filter);
    switch (jit) {
      case JitCode::kBuffered:
        EmitBuffered(a, filter);
        break;
      case JitCode::kBatched:
        EmitBatched(a);
        break;
      case JitCode::kCardmark:
        EmitCardmark();
        break;
      case JitCode::kNotGenerated:
        std::abort();
    }
    return End();
  }

 private:
  void EmitBuffered(Algorithm a, Filter filter) {
    const bool cond = a == Algorithm::kHybridCond;
    const int entry = 8 * static_cast<int>(EntryPointers(a));
    Xbyak::Label flush, done, skip;
    EmitFilterTest(a, filter, skip);
    push(r12), N("save r12: the call site clobbers no register");
    push(r13), N("save r13");
    if (cond) push(r14), N("save r14");
    LoadG(r12);
    if (cond) {
      movzx(r14d, byte[r12 + kGOffsetStackBlack]), N("r14 = g->stack_black");
      dec(r14), N("r14 = g->stack_black ? 0 : ~0");
      and_(r14, rax), N("r14 = stack still grey ? value : nil");
    }
    LoadP(r12);
    mov(r13, ptr[r12 + gc::kPOffsetWbBufNext]), N("r13 = p->wb_buf.next");
    lea(r13, ptr[r13 + entry]),
        N(absl::StrCat("r13 += ", entry / 8, " (one entry)"));
    mov(ptr[r12 + gc::kPOffsetWbBufNext], r13), N("p->wb_buf.next = r13");
    cmp(r13, ptr[r12 + gc::kPOffsetWbBufEnd]),
        N("flags = r13 <=> p->wb_buf.end");
    switch (a) {
      case Algorithm::kHybrid:
        mov(ptr[r13 - 16], rax), N("r13[-2] = value");
        RecordOld();
        break;
      case Algorithm::kHybridCond:
        mov(ptr[r13 - 16], r14), N("r13[-2] = value, or nil if stack black");
        RecordOld();
        break;
      case Algorithm::kDijkstra:
        mov(ptr[r13 - 8], rax), N("r13[-1] = value");
        break;
      case Algorithm::kYuasa:
        RecordOld();
        break;
    }
    jae(flush, T_SHORT), N("if (r13 >= end) goto flush  // buffer full");
    L(done);
    if (cond) pop(r14), N("restore r14");
    pop(r13), N("restore r13");
    pop(r12), N("restore r12");
    mov(ptr[rdi], rax), N("*slot = value");
    ret(), N("return");
    if (filter != Filter::kNone) {
      L(skip);
      putSeg(fs);
      inc(qword[reinterpret_cast<void*>(TlsFilteredOffset())]);
      N(absl::StrCat("++tls_filtered_stores  // fs:", TlsFilteredOffset(),
                     "; filtered: ", InfoFor(filter).name));
      mov(ptr[rdi], rax), N("*slot = value");
      ret(), N("return");
    }
    fast_path_ = false;
    L(flush);
    CallFlush(/*pass_store=*/true);
    jmp(done, T_NEAR), N("goto done  // restore, store, return");
  }

  // Jumps to `skip` when `filter` filters the store; touches no register.
  void EmitFilterTest(Algorithm a, Filter filter, Xbyak::Label& skip) {
    switch (filter) {
      case Filter::kNone:
        return;
      case Filter::kSame:
        cmp(ptr[rdi], rax), N("flags = *slot <=> value  // filter: same");
        je(skip, T_NEAR),
            N("if (*slot == value) goto skip  // no edge changes");
        return;
      case Filter::kNil:
        break;
    }
    const bool old = InfoFor(a).shades_old, nw = InfoFor(a).shades_new;
    Xbyak::Label record;
    if (old) {
      cmp(qword[rdi], 0), N("flags = *slot <=> nil  // filter: nil");
      if (!nw) {
        je(skip, T_NEAR), N("if (old == nil) goto skip  // nothing to record");
        return;
      }
      jne(record, T_SHORT), N("if (old != nil) goto record");
    }
    test(rax, rax), N("flags = value <=> nil  // filter: nil");
    je(skip, T_NEAR),
        N(old ? "if (value == nil) goto skip  // both nil"
              : "if (value == nil) goto skip  // nothing to record");
    L(record);
  }

  void EmitBatched(Algorithm a) {
    const int entry = 8 * static_cast<int>(EntryPointers(a));
    Xbyak::Label flush, retry;
    push(r12), N("save r12: the call site clobbers only r11");
    push(r13), N("save r13");
    L(retry);
    LoadG(r12);
    LoadP(r12);
    mov(r13, ptr[r12 + gc::kPOffsetWbBufNext]), N("r13 = p->wb_buf.next");
    lea(r13, ptr[r13 + entry]),
        N(absl::StrCat("r13 += ", entry / 8, " (the reservation)"));
    cmp(r13, ptr[r12 + gc::kPOffsetWbBufEnd]),
        N("flags = r13 <=> p->wb_buf.end");
    ja(flush, T_SHORT), N("if (r13 > end) goto flush  // does not fit");
    mov(ptr[r12 + gc::kPOffsetWbBufNext], r13), N("p->wb_buf.next = r13");
    lea(r11, ptr[r13 - entry]), N("r11 = reserved words (the old next)");
    pop(r13), N("restore r13");
    pop(r12), N("restore r12");
    ret(), N("return r11");
    fast_path_ = false;
    L(flush);
    CallFlush(/*pass_store=*/false);
    jmp(retry, T_NEAR), N("goto retry  // the buffer is empty now");
  }

  // The store, then its card (gc/card_table.h): the order the collector's
  // preclean relies on.  The fast path is a store whose card is already
  // dirty (HotSpot's UseCondCardMark: it reads the card and writes nothing).
  void EmitCardmark() {
    Xbyak::Label done, dirty;
    mov(ptr[rdi], rax), N("*slot = value  // the store, then its card");
    push(r12), N("save r12: the call site clobbers no register");
    push(r13), N("save r13");
    mov(r12, rdi), N("r12 = slot");
    shr(r12, gc::kCardGranuleShift),
        N(absl::StrCat("r12 = slot >> ", gc::kCardGranuleShift,
                       "  // its 64 MiB granule"));
    mov(r13, reinterpret_cast<size_t>(&gc::g_card_table[0])),
        N("r13 = g_card_table");
    mov(r13, ptr[r13 + r12 * 8]),
        N("r13 = g_card_table[r12]  // the granule's cards, biased");
    test(r13, r13), N("flags = r13 == 0");
    jz(done, T_SHORT), N("if (!r13) goto done  // no card: not heap, globals");
    mov(r12, rdi), N("r12 = slot");
    shr(r12, gc::kCardShift),
        N(absl::StrCat("r12 = slot >> ", gc::kCardShift, "  // its card"));
    cmp(byte[r13 + r12], gc::kCardDirty), N("flags = r13[r12] <=> dirty");
    jne(dirty, T_SHORT), N("if (r13[r12] != dirty) goto dirty  // clean");
    L(done);
    pop(r13), N("restore r13");
    pop(r12), N("restore r12");
    ret(), N("return");
    // Out of line, as the buffered flush: the fast path runs straight
    // through (no taken branch).
    fast_path_ = false;
    L(dirty);
    mov(byte[r13 + r12], gc::kCardDirty), N("r13[r12] = dirty  // the card");
    jmp(done, T_SHORT), N("goto done  // restore, return");
  }

  // Records the instruction just emitted with its pseudo-C comment.
  void N(std::string pseudo_c) {
    JitFunction& f = functions_.back();
    f.instructions.push_back({static_cast<uint32_t>(last_end_ - begin_),
                              fast_path_, std::move(pseudo_c)});
    last_end_ = getSize();
  }

  void Begin(BarrierKind kind, Algorithm a, Filter filter) {
    align(32);
    begin_ = last_end_ = getSize();
    fast_path_ = true;
    // A --filter variant is named after its filter; a built-in one is not.
    const bool variant = filter != TraitsOf(kind).filter;
    functions_.push_back(JitFunction{
        kind,
        a,
        filter,
        absl::StrCat("wbbench_", BarrierName(kind), "_", InfoFor(a).name,
                     variant ? absl::StrCat("_", InfoFor(filter).name) : ""),
        nullptr,
        0,
        {}});
    // A test hook: the pinned fast-path counts must notice a longer path
    // (tests/harness/fast_path_pin_test.sh).
    if (const char* n = std::getenv("WBBENCH_JIT_TEST_NOPS")) {
      for (int i = std::atoi(n); i > 0; --i) {
        nop(), N("nop  // WBBENCH_JIT_TEST_NOPS: a test hook");
      }
    }
  }

  void* End() {
    JitFunction& f = functions_.back();
    f.size = getSize() - begin_;
    // getCode() is the final address: the buffer never moves (no AutoGrow).
    f.code = getCode() + begin_;
    return const_cast<uint8_t*>(f.code);
  }

  void LoadG(const Xbyak::Reg64& r) {
    putSeg(fs);
    mov(r, ptr[reinterpret_cast<void*>(tls_g_offset_)]);
    N(absl::StrCat(r.toString(), " = tls_g  // fs:", tls_g_offset_));
  }

  // r holds g on entry, p on exit.
  void LoadP(const Xbyak::Reg64& r) {
    mov(r, ptr[r + gc::kGOffsetM]), N(absl::StrCat(r.toString(), " = g->m"));
    mov(r, ptr[r + gc::kMOffsetP]), N(absl::StrCat(r.toString(), " = m->p"));
  }

  // The P is no longer needed: r12 carries the old value.
  void RecordOld() {
    mov(r12, ptr[rdi]), N("r12 = *slot  // the old value");
    mov(ptr[r13 - 8], r12), N("r13[-1] = old");
  }

  void CallFlush(bool pass_store) {
    push(rbp), N("save rbp: it keeps rsp across the alignment");
    for (int idx : kCallerSaved) {
      Xbyak::Reg64 r(idx);
      push(r), N(absl::StrCat("save ", r.toString(), "  // caller-saved"));
    }
    mov(rbp, rsp), N("rbp = rsp");
    sub(rsp, 16 * 16), N("make room for xmm0-15");
    and_(rsp, -16), N("rsp &= -16  // SysV: aligned at the call");
    for (int i = 0; i < 16; ++i) {
      movdqa(ptr[rsp + 16 * i], Xbyak::Xmm(i)),
          N(absl::StrCat("save xmm", i, "  // caller-saved"));
    }
    if (pass_store) {
      mov(rsi, rax), N("arg 2 = value  // arg 1 (rdi) is already slot");
    } else {
      xor_(edi, edi), N("arg 1 = nullptr  // no store to check");
      xor_(esi, esi), N("arg 2 = 0");
    }
    mov(rax, reinterpret_cast<size_t>(&WbBufFlush)), N("rax = &WbBufFlush");
    call(rax), N("WbBufFlush(arg 1, arg 2)");
    for (int i = 0; i < 16; ++i) {
      movdqa(Xbyak::Xmm(i), ptr[rsp + 16 * i]),
          N(absl::StrCat("restore xmm", i));
    }
    mov(rsp, rbp), N("rsp = rbp");
    for (int k = std::size(kCallerSaved) - 1; k >= 0; --k) {
      Xbyak::Reg64 r(kCallerSaved[k]);
      pop(r), N(absl::StrCat("restore ", r.toString()));
    }
    pop(rbp), N("restore rbp");
  }

  intptr_t tls_g_offset_;
  size_t begin_ = 0;
  size_t last_end_ = 0;
  bool fast_path_ = true;
  std::vector<JitFunction> functions_;
};

// perf's JIT interface: "START SIZE name" per line, hex, in
// /tmp/perf-PID.map; perf reads it when it resolves anonymous executable
// memory.  Best effort: a read-only /tmp costs names, not correctness.
void WritePerfMap(const std::vector<JitFunction>& functions) {
  char path[64];
  std::snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
  std::FILE* f = std::fopen(path, "a");
  if (f == nullptr) return;
  for (const JitFunction& fn : functions) {
    std::fprintf(f, "%lx %zx %s\n", reinterpret_cast<unsigned long>(fn.code),
                 fn.size, fn.name.c_str());
  }
  std::fclose(f);
}

struct Jit {
  std::unique_ptr<BarrierAssembler> code;
  const JitFunction* functions[kNumBarriers][kNumAlgorithms][kNumFilters] = {};
};

Jit Generate() {
  Jit jit;
  jit.code = std::make_unique<BarrierAssembler>(TlsGOffset());
  for (const BarrierInfo& b : AllBarriers()) {
    if (b.traits.jit == JitCode::kNotGenerated) continue;
    for (const AlgorithmInfo& a : AllAlgorithms()) {
      if (!Supports(b.kind, a.algorithm)) continue;
      // One function per filter the kind can run (EffectiveFilter).
      for (const FilterInfo& f : kFilterInfos) {
        if (EffectiveFilter(b.kind, f.filter) != f.filter) continue;
        void* code =
            jit.code->Emit(b.traits.jit, b.kind, a.algorithm, f.filter);
        if (f.filter == EffectiveFilter(b.kind, Filter::kNone)) {
          internal::jit_entry[static_cast<size_t>(b.kind)]
                             [static_cast<size_t>(a.algorithm)] = code;
        }
      }
    }
  }
  // Code is written: from now on read+execute only.
  jit.code->ready();
  jit.code->setProtectModeRE();
  // Pointers into functions() are taken only now that it no longer grows.
  for (const JitFunction& fn : jit.code->functions()) {
    jit.functions[static_cast<size_t>(fn.kind)][static_cast<size_t>(
        fn.algorithm)][static_cast<size_t>(fn.filter)] = &fn;
  }
  WritePerfMap(jit.code->functions());
  return jit;
}

const Jit& TheJit() {
  static const Jit* jit = new Jit(Generate());
  return *jit;
}

// Generates the code before main, so call sites always find their entry.
[[maybe_unused]] const Jit& generated_at_startup = TheJit();

}  // namespace

namespace {

intptr_t FsOffset(const void* tls_variable) {
  uintptr_t thread_pointer;
  asm("mov %%fs:0, %0" : "=r"(thread_pointer));
  return static_cast<intptr_t>(reinterpret_cast<uintptr_t>(tls_variable) -
                               thread_pointer);
}

}  // namespace

intptr_t TlsGOffset() { return FsOffset(&gc::tls_g); }
intptr_t TlsFilteredOffset() { return FsOffset(&tls_filtered_stores); }

uint64_t FilteredStoresOnThisThread() { return tls_filtered_stores; }

size_t JitFunction::FastPathInstructions() const {
  size_t n = 0;
  for (const JitInstruction& i : instructions) n += i.fast_path;
  return n;
}

const JitFunction* FindJitBarrier(BarrierKind kind, Algorithm algorithm,
                                  Filter filter) {
  return TheJit().functions[static_cast<size_t>(kind)][static_cast<size_t>(
      algorithm)][static_cast<size_t>(EffectiveFilter(kind, filter))];
}

void SelectJitFilter(BarrierKind kind, Filter filter) {
  for (const AlgorithmInfo& a : AllAlgorithms()) {
    if (const JitFunction* fn = FindJitBarrier(kind, a.algorithm, filter)) {
      internal::jit_entry[static_cast<size_t>(kind)]
                         [static_cast<size_t>(a.algorithm)] =
                             const_cast<uint8_t*>(fn->code);
    }
  }
}

std::span<const JitFunction> AllJitFunctions() {
  return TheJit().code->functions();
}

}  // namespace barriers

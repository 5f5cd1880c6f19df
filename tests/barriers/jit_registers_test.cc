// Tests that the generated barriers preserve the caller's registers.
//
// The buffered call site tells the compiler that the call clobbers nothing
// but memory and the flags (batched: r11 too).  A generated caller loads a
// distinct canary into every general register and xmm0-15, calls the
// barrier on its slow path, and stores every register back for comparison:
// for a kind with a buffer, with the buffer one entry short of full (so it
// flushes; a flush hook clobbers every register the SysV ABI lets a callee
// clobber, so a missing save shows); for a card-marking kind, on a slot
// whose card is clean (so it dirties it).
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "barriers/barrier_config.h"
#include "barriers/barrier_jit.h"
#include "barriers/wb_buf_flush.h"
#include "gc/card_table.h"
#include "gc/globals.h"
#include "gtest/gtest.h"
#include "tests/barriers/barrier_cases.h"
#include "tests/barriers/fake_thread.h"
#include "xbyak/xbyak.h"

namespace barriers {
namespace {

// Register file image: general registers by Xbyak index (rsp unused), then
// xmm0-15 as two words each.
struct Registers {
  uint64_t gpr[16];
  uint64_t xmm[16][2];
};

// void Call(void* entry, Registers* in, Registers* out): loads *in into
// every register but rsp, calls entry, saves every register into *out.
class CanaryCaller : public Xbyak::CodeGenerator {
 public:
  CanaryCaller() : Xbyak::CodeGenerator(4096, Xbyak::DontSetProtectRWE) {
    using namespace Xbyak;
    const Reg64 callee_saved[] = {rbx, rbp, r12, r13, r14, r15};
    for (const Reg64& r : callee_saved) push(r);
    push(rdx);  // [rsp + 8]: out
    push(rdi);  // [rsp]: entry
    for (int i = 0; i < 16; ++i) {
      movdqu(Xmm(i), ptr[rsi + offsetof(Registers, xmm) + 16 * i]);
    }
    for (int i = 0; i < 16; ++i) {
      if (i == Operand::RSP || i == Operand::RSI) continue;
      mov(Reg64(i), ptr[rsi + 8 * i]);
    }
    mov(rsi, ptr[rsi + 8 * Operand::RSI]);
    call(ptr[rsp]);
    // Everything onto the stack, then into *out through rax.
    for (int i = 15; i >= 0; --i) {
      if (i != Operand::RSP) push(Reg64(i));
    }
    // Stack now: 15 registers (rax lowest), entry, out.
    mov(rax, ptr[rsp + 8 * 16]);
    for (int i = 0; i < 16; ++i) {
      movdqu(ptr[rax + offsetof(Registers, xmm) + 16 * i], Xmm(i));
    }
    for (int i = 0, k = 0; i < 16; ++i) {
      if (i == Operand::RSP) continue;
      mov(rbx, ptr[rsp + 8 * k++]);
      mov(ptr[rax + 8 * i], rbx);
    }
    add(rsp, 8 * 17);
    for (int i = 5; i >= 0; --i) pop(callee_saved[i]);
    ret();
    ready();
    setProtectModeRE();
  }

  void Call(void* entry, Registers* in, Registers* out) {
    getCode<void (*)(void*, Registers*, Registers*)>()(entry, in, out);
  }
};

// Every register the ABI lets a callee clobber, clobbered.
void ClobberCallerSaved() {
  asm volatile(
      "mov $0xdead, %%eax\n\tmov %%rax, %%rcx\n\tmov %%rax, %%rdx\n\t"
      "mov %%rax, %%rsi\n\tmov %%rax, %%rdi\n\tmov %%rax, %%r8\n\t"
      "mov %%rax, %%r9\n\tmov %%rax, %%r10\n\tmov %%rax, %%r11\n\t"
      "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\t"
      "pcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\t"
      "pcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
      "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
      "pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm9, %%xmm9\n\t"
      "pcmpeqd %%xmm10, %%xmm10\n\tpcmpeqd %%xmm11, %%xmm11\n\t"
      "pcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\t"
      "pcmpeqd %%xmm14, %%xmm14\n\tpcmpeqd %%xmm15, %%xmm15"
      :
      :
      : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0",
        "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

class FlushHookScope {
 public:
  FlushHookScope() { internal::SetFlushHookForTesting(&ClobberCallerSaved); }
  ~FlushHookScope() { internal::SetFlushHookForTesting(nullptr); }
};

std::string RegisterName(int i) { return Xbyak::Reg64(i).toString(); }

using testing::Case;

class JitRegistersTest : public ::testing::TestWithParam<Case> {};

// A slot the barrier can dirty a card for (the globals area is covered,
// gc/card_table.h), with its card clean or dirty.
struct CardSlot {
  explicit CardSlot(bool dirty) {
    gc::ClearCards();
    if (dirty) gc::DirtyCard(reinterpret_cast<uintptr_t>(slot()));
  }
  uintptr_t* slot() { return global.SlotAddress(0); }
  gc::GlobalSlots global{1};
};

TEST_P(JitRegistersTest, SlowPathPreservesEveryRegister) {
  const Case c = GetParam();
  const BarrierTraits& traits = TraitsOf(c.kind);
  const bool batched = traits.jit == JitCode::kBatched;
  testing::BarrierScope barrier({.kind = c.kind,
                                 .algorithm = c.algorithm,
                                 .wbbuf_entries = 4,
                                 .flush = FlushMode::kEmpty});
  testing::FakeThread thread;
  FlushHookScope hook;
  gc::WbBuf& buf = thread.p().wb_buf;
  const size_t entry = EntryPointers(c.algorithm);
  // Buffered flushes on the store that fills the buffer; batched on the
  // reservation that does not fit.
  if (traits.wbbuf) buf.next = batched ? buf.end : buf.end - entry;
  CardSlot card_slot(/*dirty=*/false);
  uintptr_t stack_slot = 0x5105;
  uintptr_t& slot = traits.cards ? *card_slot.slot() : stack_slot;
  slot = 0x5105;
  Registers in, out;
  for (int i = 0; i < 16; ++i) {
    in.gpr[i] = 0x1000000000000001ULL * (i + 1) + 0x0101;
    in.xmm[i][0] = 0xa0a0a0a000000000ULL + i;
    in.xmm[i][1] = 0x0b0b0b0b00000000ULL + 16 * i;
  }
  in.gpr[Xbyak::Operand::RDI] = reinterpret_cast<uintptr_t>(&slot);
  const uintptr_t value = in.gpr[Xbyak::Operand::RAX];

  CanaryCaller caller;
  const uint64_t flushes = TotalFlushes();
  caller.Call(const_cast<uint8_t*>(FindJitBarrier(c.kind, c.algorithm)->code),
              &in, &out);

  EXPECT_EQ(TotalFlushes(), flushes + (traits.wbbuf ? 1 : 0))
      << "the call did not flush as its traits say";
  if (traits.cards) {
    EXPECT_TRUE(gc::CardIsDirty(reinterpret_cast<uintptr_t>(&slot)))
        << "the store did not dirty its card";
  }
  for (int i = 0; i < 16; ++i) {
    if (i == Xbyak::Operand::RSP) continue;
    if (batched && i == Xbyak::Operand::R11) continue;  // the result
    EXPECT_EQ(out.gpr[i], in.gpr[i]) << RegisterName(i) << " not preserved";
  }
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(out.xmm[i][0], in.xmm[i][0]) << "xmm" << i << " not preserved";
    EXPECT_EQ(out.xmm[i][1], in.xmm[i][1]) << "xmm" << i << " not preserved";
  }
  if (batched) {
    // The reservation is the first entry of the emptied buffer.
    EXPECT_EQ(out.gpr[Xbyak::Operand::R11],
              reinterpret_cast<uintptr_t>(&buf.buf[0]));
    EXPECT_EQ(buf.next, buf.buf + entry);
  } else {
    EXPECT_EQ(slot, value) << "the store was not done";
    EXPECT_TRUE(buf.Empty());
  }
}

TEST_P(JitRegistersTest, StoreOutsideEveryCardDirtiesNothing) {
  const Case c = GetParam();
  if (!TraitsOf(c.kind).cards) GTEST_SKIP() << "no card table";
  testing::BarrierScope barrier({.kind = c.kind, .algorithm = c.algorithm});
  testing::FakeThread thread;
  uintptr_t slot = 0;  // on this stack: no granule of the card table
  ASSERT_EQ(gc::CardOf(reinterpret_cast<uintptr_t>(&slot)), nullptr);
  Registers in, out;
  for (int i = 0; i < 16; ++i) {
    in.gpr[i] = 0x3000000000000005ULL * (i + 1);
    in.xmm[i][0] = in.xmm[i][1] = ~in.gpr[i];
  }
  in.gpr[Xbyak::Operand::RDI] = reinterpret_cast<uintptr_t>(&slot);
  CanaryCaller caller;
  caller.Call(const_cast<uint8_t*>(FindJitBarrier(c.kind, c.algorithm)->code),
              &in, &out);
  EXPECT_EQ(slot, in.gpr[Xbyak::Operand::RAX]);
  for (int i = 0; i < 16; ++i) {
    if (i == Xbyak::Operand::RSP) continue;
    EXPECT_EQ(out.gpr[i], in.gpr[i]) << RegisterName(i) << " not preserved";
  }
}

// Every path that does not flush: the recording one and, under each filter
// the kind runs, its skip path (an old value that is nil, or the value); a
// card-marking kind's, on a card that is dirty already.
TEST_P(JitRegistersTest, FastPathPreservesEveryRegister) {
  const Case c = GetParam();
  const BarrierTraits& traits = TraitsOf(c.kind);
  const bool batched = traits.jit == JitCode::kBatched;
  const uintptr_t value = 0x2000000000000003ULL * (Xbyak::Operand::RAX + 1);
  for (const FilterInfo& f : kFilterInfos) {
    for (const uintptr_t old : {uintptr_t{0x7707}, uintptr_t{0}, value}) {
      SCOPED_TRACE(absl::StrCat("filter ", f.name, ", old ", old));
      testing::BarrierScope barrier({.kind = c.kind,
                                     .algorithm = c.algorithm,
                                     .flush = FlushMode::kEmpty,
                                     .filter = f.filter});
      testing::FakeThread thread;
      CardSlot card_slot(/*dirty=*/true);
      uintptr_t stack_slot = 0;
      uintptr_t& slot = traits.cards ? *card_slot.slot() : stack_slot;
      slot = old;
      Registers in, out;
      for (int i = 0; i < 16; ++i) {
        in.gpr[i] = 0x2000000000000003ULL * (i + 1);
        in.xmm[i][0] = ~in.gpr[i];
        in.xmm[i][1] = in.gpr[i] ^ 0x5555;
      }
      in.gpr[Xbyak::Operand::RDI] = reinterpret_cast<uintptr_t>(&slot);
      CanaryCaller caller;
      const uint64_t flushes = TotalFlushes();
      const JitFunction* fn = FindJitBarrier(c.kind, c.algorithm, f.filter);
      caller.Call(const_cast<uint8_t*>(fn->code), &in, &out);
      const bool filtered =
          !batched && Filtered(fn->filter, c.algorithm, old, value);
      // cgocheck's buffer holds one entry: even this store flushes.
      const bool cgocheck = traits.forced_entries == 1;
      EXPECT_EQ(TotalFlushes(), flushes + (cgocheck && !filtered ? 1 : 0));
      for (int i = 0; i < 16; ++i) {
        if (i == Xbyak::Operand::RSP) continue;
        if (batched && i == Xbyak::Operand::R11) continue;
        EXPECT_EQ(out.gpr[i], in.gpr[i]) << RegisterName(i) << " not preserved";
        EXPECT_EQ(out.xmm[i][0], in.xmm[i][0]) << "xmm" << i;
        EXPECT_EQ(out.xmm[i][1], in.xmm[i][1]) << "xmm" << i;
      }
      EXPECT_EQ(thread.BufferedWords(), !traits.wbbuf || cgocheck || filtered
                                            ? 0
                                            : EntryPointers(c.algorithm));
      if (traits.cards) {
        EXPECT_TRUE(gc::CardIsDirty(reinterpret_cast<uintptr_t>(&slot)));
      }
      if (!batched) {
        EXPECT_EQ(slot, value);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllJitBarriers, JitRegistersTest,
                         ::testing::ValuesIn(testing::Cases(JitBarriers())),
                         testing::CaseName);

}  // namespace
}  // namespace barriers

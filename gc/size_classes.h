// File: gc/size_classes.h
//
// Small-object size classes (Go's sizeclasses.go, the Go 1.19 table).
//
// Requests up to kMaxSmallSize bytes are rounded up to one of 67 classes;
// each class allocates from spans of a fixed number of pages cut into equal
// objects.  The classes keep the worst-case internal fragmentation (rounding
// plus span tail) near 12.5% and keep every power of two exact.  Larger
// requests get a span of their own (class 0).
//
// The table (Go's, generated there by mksizeclasses.go):
//
//   class bytes/obj bytes/span objects   class bytes/obj bytes/span objects
//       1        8       8192    1024      35     1408      16384      11
//       2       16       8192     512      36     1536       8192       5
//       3       24       8192     341      37     1792      16384       9
//       4       32       8192     256      38     2048       8192       4
//       5       48       8192     170      39     2304      16384       7
//       6       64       8192     128      40     2688       8192       3
//       7       80       8192     102      41     3072      24576       8
//       8       96       8192      85      42     3200      16384       5
//       9      112       8192      73      43     3456      24576       7
//      10      128       8192      64      44     4096       8192       2
//      11      144       8192      56      45     4864      24576       5
//      12      160       8192      51      46     5376      16384       3
//      13      176       8192      46      47     6144      24576       4
//      14      192       8192      42      48     6528      32768       5
//      15      208       8192      39      49     6784      40960       6
//      16      224       8192      36      50     6912      49152       7
//      17      240       8192      34      51     8192       8192       1
//      18      256       8192      32      52     9472      57344       6
//      19      288       8192      28      53     9728      49152       5
//      20      320       8192      25      54    10240      40960       4
//      21      352       8192      23      55    10880      32768       3
//      22      384       8192      21      56    12288      24576       2
//      23      416       8192      19      57    13568      40960       3
//      24      448       8192      18      58    14336      57344       4
//      25      480       8192      17      59    16384      16384       1
//      26      512       8192      16      60    18432      73728       4
//      27      576       8192      14      61    19072      57344       3
//      28      640       8192      12      62    20480      40960       2
//      29      704       8192      11      63    21760      65536       3
//      30      768       8192      10      64    24576      24576       1
//      31      896       8192       9      65    27264      81920       3
//      32     1024       8192       8      66    28672      57344       2
//      33     1152       8192       7      67    32768      32768       1
//      34     1280       8192       6
//
// Lookup is two byte tables, as in Go: sizes up to 1024 in steps of 8,
// larger ones in steps of 128.  Both are generated here at compile time
// from the class sizes.
//
// Object index: Go's divMagic.  For a class of size s, kClassDivMagic[c] =
// floor((2^32 - 1) / s) + 1 and index(off) = (off * magic) >> 32 equals
// off / s for every offset inside a span of that class (size_classes.cc
// static_asserts it at the first and last byte of every object, which
// suffices because both sides are monotone in off).
#ifndef WBBENCH_GC_SIZE_CLASSES_H_
#define WBBENCH_GC_SIZE_CLASSES_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "gc/arena.h"

namespace gc {

// Go's _MaxSmallSize: the largest size class.  Beyond it, rounding to pages
// wastes less than a class would, so objects get their own span.
inline constexpr size_t kMaxSmallSize = 32768;
inline constexpr int kNumSizeClasses = 68;  // class 0 is "large".
// Go's smallSizeDiv / smallSizeMax / largeSizeDiv: the lookup table steps.
inline constexpr size_t kSmallSizeDiv = 8;
inline constexpr size_t kSmallSizeMax = 1024;
inline constexpr size_t kLargeSizeDiv = 128;

inline constexpr std::array<uint16_t, kNumSizeClasses> kClassSize = {
    0,     8,     16,    24,    32,    48,    64,    80,    96,    112,
    128,   144,   160,   176,   192,   208,   224,   240,   256,   288,
    320,   352,   384,   416,   448,   480,   512,   576,   640,   704,
    768,   896,   1024,  1152,  1280,  1408,  1536,  1792,  2048,  2304,
    2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,  6528,  6784,
    6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384,
    18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768};

inline constexpr std::array<uint8_t, kNumSizeClasses> kClassPages = {
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2,  3, 1, 3,
    2, 3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4};

inline constexpr std::array<uint32_t, kNumSizeClasses> kClassDivMagic = [] {
  std::array<uint32_t, kNumSizeClasses> m{};
  for (int c = 1; c < kNumSizeClasses; ++c) {
    m[c] = ~uint32_t{0} / kClassSize[c] + 1;
  }
  return m;  // class 0 (large): one object per span, index always 0.
}();

// Smallest class holding `size` bytes, for sizes in steps of 8 up to 1024.
// Size 0 maps to class 1 (Go returns a shared zero-size object instead).
inline constexpr std::array<uint8_t, kSmallSizeMax / kSmallSizeDiv + 1>
    kSizeToClass8 = [] {
      std::array<uint8_t, kSmallSizeMax / kSmallSizeDiv + 1> t{};
      int c = 1;
      for (size_t i = 0; i < t.size(); ++i) {
        while (kClassSize[c] < i * kSmallSizeDiv) ++c;
        t[i] = static_cast<uint8_t>(c);
      }
      return t;
    }();

// Smallest class for sizes above 1024, in steps of 128.
inline constexpr std::array<uint8_t,
                            (kMaxSmallSize - kSmallSizeMax) / kLargeSizeDiv + 1>
    kSizeToClass128 = [] {
      std::array<uint8_t, (kMaxSmallSize - kSmallSizeMax) / kLargeSizeDiv + 1>
          t{};
      int c = 1;
      for (size_t i = 0; i < t.size(); ++i) {
        while (kClassSize[c] < kSmallSizeMax + i * kLargeSizeDiv) ++c;
        t[i] = static_cast<uint8_t>(c);
      }
      return t;
    }();

// Size class for a request of `size` <= kMaxSmallSize bytes.
inline constexpr int SizeToClass(size_t size) {
  if (size <= kSmallSizeMax - kSmallSizeDiv) {
    return kSizeToClass8[(size + kSmallSizeDiv - 1) / kSmallSizeDiv];
  }
  return kSizeToClass128[(size - kSmallSizeMax + kLargeSizeDiv - 1) /
                         kLargeSizeDiv];
}

// Bytes a request of `size` <= kMaxSmallSize actually occupies.
inline constexpr size_t RoundUpSize(size_t size) {
  return kClassSize[SizeToClass(size)];
}

// Go's spanClass: size class << 1 | noscan.  Noscan objects (no pointers)
// live in spans of their own so the marker never looks inside them.
using SpanClass = uint8_t;
inline constexpr int kNumSpanClasses = kNumSizeClasses * 2;
inline constexpr SpanClass MakeSpanClass(int size_class, bool noscan) {
  return static_cast<SpanClass>(size_class << 1 | (noscan ? 1 : 0));
}
inline constexpr int SpanClassSize(SpanClass sc) { return sc >> 1; }
inline constexpr bool SpanClassNoscan(SpanClass sc) { return sc & 1; }

}  // namespace gc

#endif  // WBBENCH_GC_SIZE_CLASSES_H_

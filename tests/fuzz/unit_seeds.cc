// Seed programs: what drivers do (Linux drivers/iommu/intel enable, map, invalidate, remap
// interrupts), so the fuzzer starts from deep, valid states and mutates from there.
#include <vector>

#include "tests/fuzz/unit_program.h"

namespace vtd::fuzz {
namespace {

Op MakeOp(OpKind kind, uint8_t a = 0, uint16_t b = 0, uint32_t c = 0, uint64_t d = 0,
          uint64_t e = 0) {
  return Op{kind, a, b, c, d, e};
}

// Map: a = R|W (bits 1:0), leaf level - 1 (3:2), AW choice (5:4), TT (7:6).
constexpr uint8_t kRw = 3;
constexpr uint8_t kRead = 1;
constexpr uint8_t kLeaf2M = 1 << 2;
constexpr uint8_t kLeaf1G = 2 << 2;
constexpr uint8_t kPassThrough = 2 << 6;
constexpr uint8_t kDeviceTlb = 1 << 6;
// Dma: a = write bit 0, AT 2:1, mapped IOVA bit 6, mapped requester bit 7.
constexpr uint8_t kMapped = 0xc0;
constexpr uint8_t kWrite = 1;
constexpr uint8_t kTranslationRequest = 1 << 1;
constexpr uint8_t kTranslated = 2 << 1;
constexpr uint8_t kSubmit = 0x80;
// Dma e: the interrupt window FEEx_xxxxh (bit 62), the NW flag (bit 63).
constexpr uint64_t kMsiWindow = uint64_t{1} << 62;
constexpr uint64_t kNoWrite = uint64_t{1} << 63;

std::vector<Op> Dmas(int count) {
  std::vector<Op> ops;
  for (int i = 0; i < count; ++i) {
    ops.push_back(MakeOp(OpKind::kDma, kMapped | (i & 1 ? kWrite : 0), 0, i, 0x10 * i, 4 + i));
  }
  return ops;
}

void Append(std::vector<Op>& to, const std::vector<Op>& ops) {
  to.insert(to.end(), ops.begin(), ops.end());
}

}  // namespace

std::vector<Program> SeedPrograms(Profile profile) {
  std::vector<Program> seeds;
  const Op enable = MakeOp(OpKind::kDriver, 0);
  const Op global = MakeOp(OpKind::kDriver, 1);
  const Op queue = MakeOp(OpKind::kQueueSetup, 0);
  switch (profile) {
    case Profile::kUnit: {
      // Register-based: map 4K, 2M and 1G pages for two requesters, enable, DMA, edit a leaf,
      // invalidate the page, DMA again, fault on an unmapped requester.
      Program p;
      p.ops = {MakeOp(OpKind::kMap, kRw, 0x0010, 0x100, 0x2000, 1),
               MakeOp(OpKind::kMap, kRead | kLeaf2M, 0x0010, 0x400, 0x4000, 1),
               MakeOp(OpKind::kMap, kRw | kLeaf1G, 0x0118, 0x80000, 0x40000, 2), enable};
      Append(p.ops, Dmas(6));
      p.ops.push_back(MakeOp(OpKind::kMutate, 0, 3, 0x100, 0x3000));
      p.ops.push_back(MakeOp(OpKind::kDriver, 3, 0, 0, 0, (uint64_t{0x100} << 16) | 1));
      Append(p.ops, Dmas(3));
      p.ops.push_back(MakeOp(OpKind::kDma, 0, 0x0200, 0, 0x5000, 8));
      p.ops.push_back(MakeOp(OpKind::kMmioRead, 0, 7));
      seeds.push_back(p);
      // Caching mode and write-buffer flushing, four fault records, a pass-through requester,
      // faults until the fault-recording registers overflow, then software clears them.
      Program q;
      q.cap_variant = 2;
      q.ops = {MakeOp(OpKind::kMap, kRw, 0x0008, 0x10, 0x300, 5),
               MakeOp(OpKind::kMap, kPassThrough, 0x0009, 0, 0, 6), enable, global};
      Append(q.ops, Dmas(4));
      for (int i = 0; i < 6; ++i)
        q.ops.push_back(MakeOp(OpKind::kDma, 1, 0x0300 + i, 0, 0x1000 * i, 4));
      q.ops.push_back(MakeOp(OpKind::kDriver, 5));
      q.ops.push_back(MakeOp(OpKind::kDma, 0, 0x0008, 0, 0x10000, 4));
      seeds.push_back(q);
      // Device-TLBs: translation requests and translated requests.
      Program r;
      r.ecap_variant = 1;
      r.ops = {MakeOp(OpKind::kMap, kRw | kDeviceTlb, 0x0020, 0x42, 0x99, 3), enable,
               MakeOp(OpKind::kDma, kMapped | kTranslationRequest, 0, 0, 0, 0),
               MakeOp(OpKind::kDma, kMapped | kTranslated | kWrite, 0, 0, 0x99000, 8),
               MakeOp(OpKind::kDma, kMapped, 0, 0, 0, 0)};
      seeds.push_back(r);
      // The No-Write flag (ECAP.NWFS): translation requests for a read-only page with and
      // without NW, and for the interrupt range (S.1/S.2); an MSI written through the DMA path.
      Program n;
      n.ecap_variant = 3;
      n.ops = {MakeOp(OpKind::kMap, kRead | kDeviceTlb, 0x0028, 0x50, 0x77, 7),
               enable,
               MakeOp(OpKind::kDma, kMapped | kTranslationRequest, 0, 0, 0, kNoWrite),
               MakeOp(OpKind::kDma, kMapped | kTranslationRequest, 0, 0, 0, 0),
               MakeOp(OpKind::kDma, kTranslationRequest, 0x0028, 0, 0, kNoWrite | kMsiWindow),
               MakeOp(OpKind::kDma, kTranslationRequest, 0x0028, 0, 0, kMsiWindow),
               MakeOp(OpKind::kDma, kWrite, 0x0028, 0, 0x1000, kMsiWindow | 3)};
      seeds.push_back(n);
      // Queued invalidation for the same driver work; 5-level tables.
      Program s;
      s.cap_variant = 3;
      s.ops = {queue, MakeOp(OpKind::kMap, kRw | (2 << 4), 0x0030, 0x777, 0x1234, 4), enable};
      Append(s.ops, Dmas(2));
      s.ops.push_back(MakeOp(OpKind::kMutate, 0, 2, 0, 1));
      s.ops.push_back(MakeOp(OpKind::kDriver, 2, 0, 0, 0, 4));
      Append(s.ops, Dmas(2));
      seeds.push_back(s);
      break;
    }
    case Profile::kQueue: {
      Program p;
      p.ops = {queue,
               MakeOp(OpKind::kMap, kRw, 0x0010, 0x100, 0x2000, 1),
               enable,
               MakeOp(OpKind::kDma, kMapped, 0, 0, 0, 4),
               MakeOp(OpKind::kDescriptor, 0, 2, 1),                    // cc domain 1
               MakeOp(OpKind::kDescriptor, 1, 3, 1, 0x100000),          // iotlb page
               MakeOp(OpKind::kDescriptor, 3, 0, 0),                    // iec global
               MakeOp(OpKind::kDescriptor, 4 | kSubmit, 2, 0x1, 0x10),  // wait, status write
               MakeOp(OpKind::kMmioRead, 0, 0),
               MakeOp(OpKind::kDescriptor, 7, 0, 63),  // 64 waits
               MakeOp(OpKind::kDescriptor, 7, 0, 63),
               MakeOp(OpKind::kDescriptor, 7, 0, 63),
               MakeOp(OpKind::kDescriptor, 7 | kSubmit, 0, 63),       // wraps the queue
               MakeOp(OpKind::kDescriptor, 4 | kSubmit, 1, 2, 0x20),  // wait, IF
               MakeOp(OpKind::kDma, kMapped, 0, 0, 0, 4)};
      seeds.push_back(p);
      // Queue errors: an invalid descriptor type (IQE), then software clears FSTS.IQE.
      Program q;
      q.ecap_variant = 1;
      q.ops = {queue,
               MakeOp(OpKind::kDescriptor, 6 | kSubmit, 0x0f, 0, 0, 0),
               MakeOp(OpKind::kDescriptor, 2 | kSubmit, 0, 0x0010, 0x5000),  // dev-TLB
               MakeOp(OpKind::kMmioWrite, 0, 0, 0, 0x10),
               MakeOp(OpKind::kQueueSetup, 1 | 8),  // DW=1 in legacy mode: IQE
               MakeOp(OpKind::kDescriptor, 0 | kSubmit, 1)};
      seeds.push_back(q);
      break;
    }
    case Profile::kInterrupt: {
      // Linux: enable QI, IRTA (x2APIC, 256 entries), SIRTP, global IEC, IRE; program IRTEs;
      // MSIs, an IOAPIC interrupt, a compatibility MSI; index-selective IEC after an edit.
      Program p;
      p.cap_variant = 3;  // posted interrupts
      p.ops = {queue,
               MakeOp(OpKind::kIrSetup, 1 | (7 << 3)),
               MakeOp(OpKind::kDescriptor, 3, 0, 0),
               MakeOp(OpKind::kDescriptor, 4 | kSubmit, 2, 1, 0),
               MakeOp(OpKind::kIrte, 0, 0x20, 0x2200, 3, (1 << 18) | 0x0300),
               MakeOp(OpKind::kIrte, 1, 0x21, 0x3100, 0, 0x0300),
               MakeOp(OpKind::kIrte, 0, 0x22, 0x4000, 5, (1 << 18) | 0xf0f8),
               MakeOp(OpKind::kInterrupt, 0, 0x20, 0x03000000),
               MakeOp(OpKind::kInterrupt, 8, 0x21, 0),
               MakeOp(OpKind::kInterrupt, 2, 0x22, 0x30),
               MakeOp(OpKind::kInterrupt, 1, 0, 0x3001),
               MakeOp(OpKind::kIrte, 0, 0x20, 0x2300, 3, (1 << 18) | 0x0300),
               MakeOp(OpKind::kDescriptor, 3, 1, 0x20),
               MakeOp(OpKind::kDescriptor, 4 | kSubmit, 2, 1, 4),
               MakeOp(OpKind::kInterrupt, 0, 0x20, 0x03000000),
               MakeOp(OpKind::kInterrupt, 0, 0x300, 0)};
      seeds.push_back(p);
      // xAPIC mode with compatibility format allowed; a not-present entry.
      Program q;
      q.ops = {queue,
               MakeOp(OpKind::kIrSetup, 2 | (3 << 3)),
               MakeOp(OpKind::kIrte, 0, 1, 0x4100, 2, 0),
               MakeOp(OpKind::kIrte, 3, 2, 0x4200, 2, 0),
               MakeOp(OpKind::kInterrupt, 0, 1, 0),
               MakeOp(OpKind::kInterrupt, 0, 2, 0),
               MakeOp(OpKind::kInterrupt, 1, 0, 0x4501)};
      seeds.push_back(q);
      break;
    }
  }
  return seeds;
}

}  // namespace vtd::fuzz

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

// SmMap: a = R|W (1:0), leaf level - 1 (3:2), PGTT choice (6:4), first-stage U/S (7);
// e = PASID | with PASID (20) | RID_PASID (35:21) | DID (51:36) | flags (52..61).
constexpr uint8_t kSecondStage = 0 << 4;
constexpr uint8_t kFirstStage = 2 << 4;
constexpr uint8_t kNested = 3 << 4;
constexpr uint8_t kSmPassThrough = 4 << 4;
constexpr uint8_t kUser = 0x80;
constexpr uint64_t kWithPasid = uint64_t{1} << 20;
constexpr uint64_t kSre = uint64_t{1} << 52, kWpe = uint64_t{1} << 53;
constexpr uint64_t kSsade = uint64_t{1} << 54, kPwsnp = uint64_t{1} << 55;
constexpr uint64_t kFs5Level = uint64_t{1} << 56, kDte = uint64_t{1} << 57;
constexpr uint64_t kPre = uint64_t{1} << 58, kAdPreset = uint64_t{1} << 61;
constexpr uint64_t Did(uint64_t did) { return did << 36; }
constexpr uint64_t RidPasid(uint64_t pasid) { return pasid << 21; }
// Dma a: PASID bit 3 (the mapping's), PR bit 4.
constexpr uint8_t kPasid = 8;
constexpr uint8_t kPriv = 0x10;
// Platform variants (unit_program.cc): QEMU's scalable CAP with FS1GP/FS5LP; ECAP with every
// scalable translation type and page requests, second-stage only, first-stage without
// snooped walks.
constexpr uint8_t kScalableCap = 4;
constexpr uint8_t kScalableAll = 4, kScalableSecond = 5, kScalableNoSnoop = 6;
// SmDriver a: bring-up, global, PASID-selective, page-selective-within-PASID, p_dev_tlb,
// page group response, page request queue set-up, service.
enum SmSequence : uint8_t {
  kSmEnable,
  kSmGlobal,
  kSmPasidSelective,
  kSmPage,
  kSmDevTlb,
  kSmResponse,
  kSmPrqSetup,
  kSmPrqService
};
// SmDriver e: DID 15:0, PASID 35:16, AM 41:36, IH 42, variant 43.
constexpr uint64_t SmArgs(uint64_t did, uint64_t pasid, uint64_t am = 0) {
  return did | pasid << 16 | am << 36;
}
// PageRequest a: PP 0, ER 1, PM 2, RDR 3, WRR 4, LPIG 5, a mapping's 6.
constexpr uint8_t kPrRead = 8, kPrWrite = 0x10, kPrLast = 0x20, kPrMapped = 0x40;

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
      // Scalable mode, every PGTT: second stage with A/D (requests without PASID, RID_PASID
      // 0), first stage for a user (PASID 5), nested (PASID 6), pass-through (00:03.0); the
      // Linux bring-up; DMAs with and without PASID, supervisor, writes that set D; a table
      // qword edited, a page-selective-within-PASID invalidation; global invalidations.
      Program sm;
      sm.cap_variant = kScalableCap;
      sm.ecap_variant = kScalableAll;
      sm.ops = {MakeOp(OpKind::kSmMap, kRw | kSecondStage, 0x0010, 0x100, 0x2000,
                       Did(1) | kSsade | kPwsnp),
                MakeOp(OpKind::kSmMap, kRw | kFirstStage | kUser, 0x0010, 0x200, 0x2100,
                       5 | kWithPasid | Did(2) | kPwsnp | kSre),
                MakeOp(OpKind::kSmMap, kRw | kNested | kUser, 0x0010, 0x300, 0x2200,
                       6 | kWithPasid | Did(3) | kPwsnp | kSsade),
                MakeOp(OpKind::kSmMap, kSmPassThrough, 0x0018, 0x400, 0, Did(4)),
                MakeOp(OpKind::kSmMap, kRead | kFirstStage | kLeaf2M, 0x0010, 0x600, 0x2400,
                       5 | kWithPasid | Did(2) | kPwsnp | kSre),
                MakeOp(OpKind::kSmDriver, kSmEnable)};
      for (uint32_t m = 0; m < 5; ++m) {
        const uint8_t pasid = m == 1 || m == 2 || m == 4 ? kPasid : 0;
        sm.ops.push_back(MakeOp(OpKind::kDma, kMapped | pasid, 0, m, 0x10 * m, 4));
        sm.ops.push_back(MakeOp(OpKind::kDma, kMapped | pasid | kWrite, 0, m, 0x20, 8));
      }
      sm.ops.push_back(MakeOp(OpKind::kDma, kMapped | kPasid | kPriv | kWrite, 0, 1, 0, 4));
      sm.ops.push_back(MakeOp(OpKind::kDma, kMapped | kPasid | kTranslationRequest, 0, 2, 0, 0));
      sm.ops.push_back(MakeOp(OpKind::kMutate, 0, 6, 0x200 & 511, 0x1000));
      sm.ops.push_back(MakeOp(OpKind::kSmDriver, kSmPage, 0, 0, 0x200000, SmArgs(2, 5)));
      sm.ops.push_back(MakeOp(OpKind::kSmDriver, kSmGlobal));
      sm.ops.push_back(MakeOp(OpKind::kDma, kMapped | kPasid, 0, 1, 0, 4));
      sm.ops.push_back(MakeOp(OpKind::kDma, kMapped | kPasid | kWrite, 0, 2, 8, 4));
      sm.ops.push_back(MakeOp(OpKind::kSmDriver, kSmPasidSelective, 0, 0, 0, SmArgs(3, 6)));
      sm.ops.push_back(MakeOp(OpKind::kDma, kMapped | kPasid, 0, 2, 0, 4));
      sm.ops.push_back(MakeOp(OpKind::kDma, kPasid, 0x0010, 0x77, 0x5000, 4));  // PASID unmapped
      seeds.push_back(sm);
      // Page requests: a device with DTE and PRE, the queue set up (PQS 0, IM clear), requests
      // for mapped pages and the last of a group, a page group response (0x9), software
      // taking the requests and clearing PRS; an overflow.
      Program pr;
      pr.cap_variant = kScalableCap;
      pr.ecap_variant = kScalableAll;
      pr.ops = {
          MakeOp(OpKind::kSmMap, kRw | kFirstStage | kUser, 0x0020, 0x10, 0x3000,
                 9 | kWithPasid | Did(7) | kPwsnp | kDte | kPre),
          MakeOp(OpKind::kSmMap, kRw | kSecondStage, 0x0028, 0x20, 0x3100, Did(8)),
          MakeOp(OpKind::kSmDriver, kSmEnable),
          MakeOp(OpKind::kSmDriver, kSmPrqSetup, 0, 0, 0, SmArgs(1, 0)),
          MakeOp(OpKind::kPageRequest, kPrMapped | kPrRead, 0, 0, 0, 0x11),
          MakeOp(OpKind::kPageRequest, kPrMapped | kPrWrite | kPrLast, 0, 0, 0, 0x11),
          MakeOp(OpKind::kPageRequest, 1 | kPrRead | kPrLast, 0x0020, 9, 0x7000, 0x12),
          MakeOp(OpKind::kSmDriver, kSmResponse, 0x0020, 0x11, 0, SmArgs(0, 9) | uint64_t{1} << 43),
          MakeOp(OpKind::kSmDriver, kSmPrqService),
          MakeOp(OpKind::kPageRequest, kPrMapped | kPrRead | kPrLast, 0, 1, 0, 0x13),
          // PQH one descriptor past PQT: the queue is full, the next request overflows.
          MakeOp(OpKind::kMmioWrite, 3, 0xc0, 0, 0xa0),
          MakeOp(OpKind::kPageRequest, kPrMapped | kPrRead | kPrLast, 0, 0, 0, 0x14),
          MakeOp(OpKind::kSmDriver, kSmDevTlb, 0x0020, 0, 0x10000, SmArgs(7, 9)),
          MakeOp(OpKind::kDma, kMapped | kPasid | kTranslationRequest, 0, 0, 0, 0),
          MakeOp(OpKind::kMmioRead, 0, 0)};
      seeds.push_back(pr);
      // 5-level first stage with 1-GiB and 2-MiB pages, supervisor requests with WPE over a
      // read-only page, and entries with A/D already set.
      Program fs;
      fs.cap_variant = kScalableCap;
      fs.ecap_variant = kScalableAll;
      fs.ops = {MakeOp(OpKind::kSmMap, kRead | kFirstStage | kLeaf1G, 0x0030, 0x40000, 0x40000,
                       3 | kWithPasid | Did(9) | kPwsnp | kSre | kWpe | kFs5Level),
                MakeOp(OpKind::kSmMap, kRw | kFirstStage | kLeaf2M | kUser, 0x0030, 0x1200, 0x5000,
                       3 | kWithPasid | Did(9) | kAdPreset),
                MakeOp(OpKind::kSmDriver, kSmEnable),
                MakeOp(OpKind::kDma, kMapped | kPasid | kPriv, 0, 0, 0x1234, 4),
                MakeOp(OpKind::kDma, kMapped | kPasid | kPriv | kWrite, 0, 0, 0x1234, 4),
                MakeOp(OpKind::kDma, kMapped | kPasid | kWrite, 0, 1, 0x4321, 4),
                MakeOp(OpKind::kDma, kMapped | kPasid | kPriv | kWrite, 0, 1, 0x8, 4)};
      seeds.push_back(fs);
      // First stage with page walks not snooped (A/D updates fault), second stage only with a
      // RID_PASID, and PASID-cache invalidation by domain.
      Program ns;
      ns.cap_variant = kScalableCap;
      ns.ecap_variant = kScalableNoSnoop;
      ns.ops = {
          MakeOp(OpKind::kSmMap, kRw | kFirstStage | kUser, 0x0040, 0x10, 0x6000,
                 2 | kWithPasid | Did(3)),
          MakeOp(OpKind::kSmMap, kRw | kFirstStage | kUser, 0x0040, 0x20, 0x6100,
                 2 | kWithPasid | Did(3) | kAdPreset),
          MakeOp(OpKind::kSmDriver, kSmEnable),
          MakeOp(OpKind::kDma, kMapped | kPasid, 0, 0, 0, 4),
          MakeOp(OpKind::kDma, kMapped | kPasid | kWrite, 0, 1, 0, 4),
          MakeOp(OpKind::kSmDriver, kSmPasidSelective, 0, 0, 0, SmArgs(3, 2) | uint64_t{1} << 43)};
      seeds.push_back(ns);
      Program ss;
      ss.cap_variant = 1;  // four fault records, no first-stage capabilities
      ss.ecap_variant = kScalableSecond;
      ss.ops = {MakeOp(OpKind::kSmMap, kRw | kSecondStage | kLeaf2M, 0x0100, 0x800, 0x800, Did(5)),
                MakeOp(OpKind::kSmMap, kRead | kSecondStage, 0x0180, 0x10, 0x900, Did(5)),
                MakeOp(OpKind::kSmDriver, kSmEnable)};
      Append(ss.ops, Dmas(4));
      seeds.push_back(ss);
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
      // The 256-bit queue of scalable mode (TTM=01b) with every descriptor type 0x1-0x9,
      // waits around the queue (wrap), then a reserved type (IQE) and its clearing.
      Program w;
      w.cap_variant = kScalableCap;
      w.ecap_variant = kScalableAll;
      w.ops = {MakeOp(OpKind::kSmMap, kRw | kFirstStage | kUser, 0x0010, 0x100, 0x2000,
                      4 | kWithPasid | Did(1) | kPwsnp | kDte | kPre),
               MakeOp(OpKind::kSmDriver, kSmEnable),
               MakeOp(OpKind::kDma, kMapped | kPasid, 0, 0, 0, 4),
               MakeOp(OpKind::kDescriptor, 0, 1 | 4, 1),                        // cc device
               MakeOp(OpKind::kDescriptor, 1, 2, 1),                            // iotlb domain
               MakeOp(OpKind::kDescriptor, 2, 0, 0x0010, 0x100000),             // dev_tlb
               MakeOp(OpKind::kDescriptor, 3, 0, 0),                            // iec global
               MakeOp(OpKind::kDescriptor, 8, 1, 1, 0, 4),                      // pc PASID
               MakeOp(OpKind::kDescriptor, 9, 3, 1, 0x100000, 4),               // p_iotlb page
               MakeOp(OpKind::kDescriptor, 10, 0, 0x0010, 0x100000, 4),         // p_dev_tlb
               MakeOp(OpKind::kDescriptor, 11, 1 | (0x11 << 8), 0x0010, 0, 4),  // page response
               MakeOp(OpKind::kDescriptor, 4 | kSubmit, 2, 0x1, 0x10),          // wait, status
               MakeOp(OpKind::kDma, kMapped | kPasid | kWrite, 0, 0, 0, 4),
               MakeOp(OpKind::kDescriptor, 15, 0, 63),
               MakeOp(OpKind::kDescriptor, 15 | kSubmit, 0, 63),  // wraps the 128-entry queue
               MakeOp(OpKind::kSmDriver, kSmGlobal),
               MakeOp(OpKind::kDescriptor, 14 | kSubmit, 0, 0, 0, 0),         // type 0xa: IQE
               MakeOp(OpKind::kMmioWrite, 2, 0x34, 0, 0x10),                  // FSTS.IQE cleared
               MakeOp(OpKind::kDescriptor, 13 | kSubmit, 1, 0, 0x3000, 0x5),  // reserved bits
               MakeOp(OpKind::kDescriptor, 12 | kSubmit, 0, 0, 0x16, 0x77)};
      seeds.push_back(w);
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

// What a hypervisor's own test of its IOMMU code looks like with vtdsim as a library: the
// guest RAM is the hypervisor's (a HostMemory implementation over one flat buffer), the
// I/O page tables are built by the hypervisor's code (below, written from the VT-d spec),
// the unit is programmed through its registers as a driver does, a device writes through
// an IOVA and the data must land in the right page, and a forbidden write must leave a
// fault record that software reads and clears.
//
// Exit status 0 when every check holds; each failure is printed.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "model/memory/host_memory.h"
#include "model/regs/register_map.h"
#include "model/unit/remapping_unit.h"

namespace {

int failures = 0;

void Check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

// ---- The hypervisor's guest RAM: one flat buffer, plugged into vtdsim as its memory.
class GuestRam : public vtd::HostMemory {
 public:
  explicit GuestRam(uint64_t size) : HostMemory(size), bytes_(new uint8_t[size]()) {}
  std::vector<uint64_t> AllocatedPages() const override { return {}; }
  int allocated_page_count() const override { return 0; }

 protected:
  uint8_t* FindPage(uint64_t page) const override { return bytes_.get() + page * kPageSize; }
  uint8_t* GetOrAllocatePage(uint64_t page) override { return bytes_.get() + page * kPageSize; }

 private:
  std::unique_ptr<uint8_t[]> bytes_;
};

// ---- The hypervisor's I/O page-table code (legacy mode, 4-level second stage).
// Root entry (spec §9.1): bit 0 P, bits 63:12 context-table pointer.
// Context entry (§9.3): low bit 0 P, bits 3:2 TT (00b: untranslated only), bits 63:12
// SSPTPTR; high bits 2:0 AW (010b: 48 bits, 4 levels), bits 23:8 domain id.
// Second-stage entry (§9.8): bit 0 R, bit 1 W, bits 51:12 address.
class IoPageTables {
 public:
  IoPageTables(vtd::HostMemory& ram, uint64_t pool) : ram_(ram), next_(pool) {}

  uint64_t NewTable() {
    const uint64_t t = next_;
    next_ += 0x1000;
    std::vector<uint8_t> zero(0x1000);
    (void)ram_.WriteBytes(t, zero);
    return t;
  }
  uint64_t Root() {
    if (root_ == 0) root_ = NewTable();
    return root_;
  }
  // Maps one 4 KiB page of requester bus:devfn in domain `did`.
  void Map(uint8_t bus, uint8_t devfn, uint16_t did, uint64_t iova, uint64_t hpa, bool write) {
    const uint64_t root_entry = Root() + 16 * bus;
    uint64_t context_table = Get(root_entry) & ~0xfffull;
    if (context_table == 0) {
      context_table = NewTable();
      Set(root_entry, context_table | 1);
    }
    const uint64_t context_entry = context_table + 16 * devfn;
    uint64_t table = Get(context_entry) & ~0xfffull;
    if (table == 0) {
      table = NewTable();
      Set(context_entry, table | 1);                         // P, TT = 00b
      Set(context_entry + 8, (uint64_t{did} << 8) | 0b010);  // DID, AW = 4 levels
    }
    for (int level = 4; level > 1; --level) {
      const uint64_t entry = table + 8 * ((iova >> (12 + 9 * (level - 1))) & 0x1ff);
      uint64_t next = Get(entry) & 0x000ffffffffff000ull;
      if (next == 0) {
        next = NewTable();
        Set(entry, next | 3);  // R, W: permissions are decided in the leaf
      }
      table = next;
    }
    Set(table + 8 * ((iova >> 12) & 0x1ff), hpa | 1 | (write ? 2 : 0));
  }

 private:
  uint64_t Get(uint64_t a) { return ram_.Read64(a).value(); }
  void Set(uint64_t a, uint64_t v) { (void)ram_.Write64(a, v); }

  vtd::HostMemory& ram_;
  uint64_t next_;
  uint64_t root_ = 0;
};

// ---- Register offsets (spec §11.4) and the driver's enable sequence.
constexpr uint32_t kGcmd = 0x18, kGsts = 0x1c, kRtaddr = 0x20, kCcmd = 0x28, kFsts = 0x34;

void EnableTranslation(vtd::RemappingUnit& unit, uint64_t root) {
  unit.WriteRegister64(kRtaddr, root);
  unit.WriteRegister32(kGcmd, 1u << 30);  // SRTP
  Check((unit.ReadRegister32(kGsts) & (1u << 30)) != 0, "GSTS.RTPS after SRTP");
  // Global context-cache invalidation: CCMD.ICC (63) with CIRG (62:61) = 01b.
  unit.WriteRegister64(kCcmd, (uint64_t{1} << 63) | (uint64_t{1} << 61));
  Check((unit.ReadRegister64(kCcmd) >> 63) == 0, "CCMD.ICC clears when done");
  // Global IOTLB invalidation: IOTLB_REG.IVT (63) with IIRG (61:60) = 01b. IOTLB_REG sits
  // at ECAP.IRO x 16 + 8: the unit says where.
  const uint32_t iotlb = unit.registers().OffsetOf(vtd::RegId::kIotlb);
  unit.WriteRegister64(iotlb, (uint64_t{1} << 63) | (uint64_t{1} << 60));
  Check((unit.ReadRegister64(iotlb) >> 63) == 0, "IOTLB_REG.IVT clears when done");
  unit.WriteRegister32(kGcmd, 1u << 31);  // TE (SRTP is one-shot, not kept)
  Check((unit.ReadRegister32(kGsts) & (1u << 31)) != 0, "GSTS.TES after TE");
}

}  // namespace

int main() {
  GuestRam ram(64 << 20);
  vtd::UnitConfig config;
  config.cap = 0x00d2008c40660462;  // 48-bit AGAW, 8 fault-recording registers at FRO
  config.ecap = 0xf050da;
  auto created = vtd::RemappingUnit::Create(config, &ram);
  if (!created.ok()) {
    std::printf("FAIL: %s\n", std::string(created.status().message()).c_str());
    return 1;
  }
  vtd::RemappingUnit& unit = **created;

  // Device 00:02.0 (bus 0, devfn 0x10): IOVA 0x1000 -> 0x200000 writable, 0x2000 -> 0x300000
  // read-only.
  IoPageTables tables(ram, 0x100000);
  tables.Map(0, 0x10, 1, 0x1000, 0x200000, true);
  tables.Map(0, 0x10, 1, 0x2000, 0x300000, false);
  EnableTranslation(unit, tables.Root());

  vtd::DmaRequest write;
  write.source_id = vtd::SourceId::FromBdf(0, 2, 0);
  write.address = 0x1010;
  write.size = 4;
  write.access = vtd::AccessKind::kWrite;
  std::vector<uint8_t> data = {0x78, 0x56, 0x34, 0x12};
  vtd::DmaOutcome out = unit.DmaWithData(write, absl::MakeSpan(data));
  Check(!out.blocked && out.result.translation && out.result.translation->hpa == 0x200010,
        "write through IOVA 0x1010 translates to 0x200010");
  Check(ram.Read(0x200010, 4).value_or(0) == 0x12345678, "the word landed in the host page");

  vtd::DmaRequest read = write;
  read.access = vtd::AccessKind::kRead;
  std::vector<uint8_t> back(4);
  out = unit.DmaWithData(read, absl::MakeSpan(back));
  Check(!out.blocked && back == data, "a read through the IOVA returns it");

  // A write to the read-only page: fault 05h (write not permitted, spec §7.1.3), nothing
  // written, one fault record.
  write.address = 0x2000;
  out = unit.DmaWithData(write, absl::MakeSpan(data));
  Check(out.blocked && out.recorded, "a write to the read-only page is blocked and recorded");
  Check(ram.Read(0x300000, 4).value_or(1) == 0, "nothing was written");
  Check((unit.ReadRegister32(kFsts) & 0x2) != 0, "FSTS.PPF: a fault is pending");
  // FRCD_REG[0] sits at CAP.FRO x 16: high half F (127), FR (103:96), SID (79:64).
  const uint32_t frcd_hi = unit.registers().OffsetOf(vtd::RegId::kFrcdHi, 0);
  const uint64_t record = unit.ReadRegister64(frcd_hi);
  Check((record >> 63) == 1, "FRCD0.F");
  Check(((record >> 32) & 0xff) == 0x05, "FRCD0.FR = 05h");
  Check((record & 0xffff) == 0x0010, "FRCD0.SID = 00:02.0");
  Check((unit.ReadRegister64(frcd_hi - 8) & ~0xfffull) == 0x2000, "FRCD0.FI = the IOVA page");
  unit.WriteRegister32(frcd_hi + 4, 0x80000000u);  // F is RW1C
  Check((unit.ReadRegister32(kFsts) & 0x2) == 0, "clearing F clears FSTS.PPF");

  std::printf("%s: %d failed\n", failures == 0 ? "PASS" : "FAIL", failures);
  return failures == 0 ? 0 : 1;
}

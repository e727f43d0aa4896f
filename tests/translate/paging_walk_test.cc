// The format-parameterised paging walker and its memory port (VT-d spec §3.6-§3.8): the
// fault conditions come from the format, table addresses can go through a translator (how
// nested translation reads first-stage tables, §3.8), and the port's locked
// read-modify-write sets Accessed/Dirty bits (§3.6.2, §3.7.2).
#include "model/translate/paging_walk.h"

#include <cstdint>
#include <memory>
#include <optional>

#include "gtest/gtest.h"
#include "model/structs/address_width.h"
#include "model/structs/second_stage_pte.h"

namespace vtd {
namespace {

constexpr uint64_t kTop = 0x10000;  // level-4 table; levels 3..1 follow at 0x11000...
constexpr uint64_t kIova = 0x12345000;

class PagingWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::move(HostMemory::Create(uint64_t{1} << 32)).value();
    // A 4-level read-write path to a 4 KiB page at 0xabc000.
    uint64_t table = kTop;
    for (int level = 4; level >= 2; --level) {
      const uint64_t next = table + 0x1000;
      Write(table + 8 * LevelIndex(kIova, level), next | 3);
      table = next;
    }
    leaf_address_ = table + 8 * LevelIndex(kIova, 1);
    Write(leaf_address_, 0xabc000 | 3);
  }
  void Write(uint64_t address, uint64_t value) {
    ASSERT_TRUE(memory_->Write64(address, value).ok());
  }
  DmaRequest Req() {
    DmaRequest r;
    r.address = kIova;
    return r;
  }
  SecondStageFormat Format() const { return SecondStageFormat::Legacy(SsPteFormat{39}); }

  std::unique_ptr<HostMemory> memory_;
  uint64_t leaf_address_ = 0;
};

TEST_F(PagingWalkTest, WalksToTheLeaf) {
  const WalkMemory port(*memory_, 39);
  auto walk = WalkPaging(Format(), port, WalkStart{kTop, 4}, 4, kIova, {true, false}, Req(), false,
                         nullptr);
  ASSERT_TRUE(walk.ok());
  EXPECT_TRUE(walk->complete);
  EXPECT_EQ(walk->page_base, 0xabc000u);
  EXPECT_EQ(walk->record_count, 4);
  EXPECT_EQ(walk->records[3].entry_address, leaf_address_);
}

// The format names the conditions: the same failures raise the scalable-mode SSS.* codes
// (Table 30: SSS.4 for the SSPTPTR fetch, SSS.1 below it, SSS.3 for reserved bits).
TEST_F(PagingWalkTest, FaultConditionsComeFromTheFormat) {
  SecondStageFormat scalable = Format();
  scalable.root_fetch_error = FaultCondition::kSss4;
  scalable.fetch_error = FaultCondition::kSss1;
  scalable.reserved = FaultCondition::kSss3;
  const WalkMemory port(*memory_, 39);
  const uint64_t beyond_haw = uint64_t{1} << 39;
  auto top =
      WalkPaging(scalable, port, WalkStart{beyond_haw, 4}, 4, kIova, {}, Req(), false, nullptr);
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.fault().condition, FaultCondition::kSss4);
  EXPECT_EQ(top.fault().reason, FaultReason::kSsRootAccessError);
  auto below =
      WalkPaging(scalable, port, WalkStart{beyond_haw, 2}, 4, kIova, {}, Req(), false, nullptr);
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.fault().condition, FaultCondition::kSss1);
  Write(leaf_address_, 0xabc000 | 3 | (uint64_t{1} << 11));  // SNP without ECAP.SC
  auto reserved =
      WalkPaging(scalable, port, WalkStart{kTop, 4}, 4, kIova, {}, Req(), false, nullptr);
  ASSERT_FALSE(reserved.ok());
  EXPECT_EQ(reserved.fault().condition, FaultCondition::kSss3);
  // The legacy format raises the legacy conditions for the same failures.
  auto legacy = WalkPaging(Format(), port, WalkStart{kTop, 4}, 4, kIova, {}, Req(), false, nullptr);
  ASSERT_FALSE(legacy.ok());
  EXPECT_EQ(legacy.fault().condition, FaultCondition::kLss2);
}

// Every table address goes through the translator; its fault ends the walk.
class OffsetTranslator : public TableAddressTranslator {
 public:
  explicit OffsetTranslator(uint64_t offset, uint64_t fault_at = ~uint64_t{0})
      : offset_(offset), fault_at_(fault_at) {}
  FaultOr<uint64_t> TranslateTableAddress(uint64_t address, bool write) const override {
    ++calls;
    last_write = write;
    if ((address & ~uint64_t{0xfff}) == fault_at_) {
      DmaRequest r;
      r.address = address;
      return MakeFault(FaultCondition::kSfs7, r, false);
    }
    return address + offset_;
  }
  mutable int calls = 0;
  mutable bool last_write = true;

 private:
  uint64_t offset_;
  uint64_t fault_at_;
};

TEST_F(PagingWalkTest, TableAddressesGoThroughTheTranslator) {
  // The tables seen through the translator live 1 MiB above where their pointers say.
  constexpr uint64_t kShift = 0x100000;
  for (uint64_t page = kTop; page <= kTop + 0x3000; page += 0x1000) {
    for (int i = 0; i < 512; ++i) {
      const uint64_t v = memory_->Read64(page + 8 * i).value();
      if (v != 0) Write(page + kShift + 8 * i, v);
    }
  }
  Write(leaf_address_ + kShift, 0xdef000 | 3);  // distinguishes the translated read
  OffsetTranslator translator(kShift);
  WalkMemory port(*memory_, 39);
  port.set_table_translator(&translator);
  auto walk = WalkPaging(Format(), port, WalkStart{kTop, 4}, 4, kIova, {true, false}, Req(), false,
                         nullptr);
  ASSERT_TRUE(walk.ok());
  EXPECT_EQ(translator.calls, 4);
  EXPECT_FALSE(translator.last_write);
  EXPECT_EQ(walk->page_base, 0xdef000u);

  OffsetTranslator failing(kShift, kTop + 0x2000);  // the level-2 table
  port.set_table_translator(&failing);
  auto fault = WalkPaging(Format(), port, WalkStart{kTop, 4}, 4, kIova, {true, false}, Req(), false,
                          nullptr);
  ASSERT_FALSE(fault.ok());
  EXPECT_EQ(fault.fault().condition, FaultCondition::kSfs7);
  EXPECT_EQ(failing.calls, 3);
}

// A walk that keeps no level records (WalkStart::record_levels = false) answers exactly as
// one that keeps them: same fault, leaf, level, rights and last entry, only without records.
// The cases: a complete walk (S §3.7: page 0xabc000), a not-present PDE, a write through a
// read-only PTE (the walk stops at level 1), a reserved address bit above HAW in the PDPTE
// (LSS.2) and a table outside the memory (LSS.1).
TEST_F(PagingWalkTest, WalkWithoutRecordsAnswersAsWithRecords) {
  const uint64_t pde = kTop + 0x2000 + 8 * LevelIndex(kIova, 2);
  const uint64_t pdpte = kTop + 0x1000 + 8 * LevelIndex(kIova, 3);
  struct Case {
    uint64_t address;  // entry rewritten for the case (0: none)
    uint64_t value;
    RequestNeeds needs;
    int records;  // level records a recording walk keeps
    std::optional<FaultCondition> fault = std::nullopt;
  };
  const Case cases[] = {
      {0, 0, {true, false}, 4},
      {pde, 0, {true, false}, 3},
      {leaf_address_, 0xabc000 | 1, {true, true}, 4},
      {pdpte, (kTop + 0x2000) | 3 | (uint64_t{1} << 45), {true, false}, 2, FaultCondition::kLss2},
      {pdpte, (uint64_t{1} << 35) | 3, {true, false}, 2, FaultCondition::kLss1},
  };
  for (const Case& c : cases) {
    SetUp();
    if (c.address != 0) Write(c.address, c.value);
    const WalkMemory port(*memory_, 39);
    for (const bool read : {true, false}) {
      SCOPED_TRACE(testing::Message() << "entry 0x" << std::hex << c.address << " = 0x" << c.value
                                      << (read ? " from the top" : " from a PSC-like start"));
      // A start below the top, as after a paging-structure-cache hit (PML4E's table).
      const WalkStart top = read ? WalkStart{kTop, 4} : WalkStart{kTop + 0x1000, 3, true, true};
      WalkStart bare = top;
      bare.record_levels = false;
      PagingWalkResult with;
      PagingWalkResult without;
      const std::optional<Fault> f1 =
          WalkPagingInto(Format(), port, top, 4, kIova, c.needs, Req(), false, nullptr, &with);
      const std::optional<Fault> f2 =
          WalkPagingInto(Format(), port, bare, 4, kIova, c.needs, Req(), false, nullptr, &without);
      ASSERT_EQ(f1.has_value(), c.fault.has_value());
      ASSERT_EQ(f2.has_value(), c.fault.has_value());
      if (c.fault.has_value()) {
        EXPECT_EQ(f1->condition, *c.fault);
        EXPECT_EQ(f2->condition, *c.fault);
        continue;
      }
      EXPECT_EQ(with.complete, without.complete);
      EXPECT_EQ(with.level, without.level);
      EXPECT_EQ(with.read, without.read);
      EXPECT_EQ(with.write, without.write);
      EXPECT_EQ(with.leaf_raw, without.leaf_raw);
      EXPECT_EQ(with.page_base, without.page_base);
      EXPECT_EQ(with.page_size, without.page_size);
      EXPECT_EQ(with.record_count, read ? c.records : c.records - 1);
      EXPECT_EQ(without.record_count, 0);
    }
  }
  // The complete walk's answer itself (S §3.7.1): the 4 KiB page the PTE names, read-write.
  SetUp();
  const WalkMemory port(*memory_, 39);
  WalkStart bare{kTop, 4};
  bare.record_levels = false;
  PagingWalkResult walk;
  ASSERT_EQ(
      WalkPagingInto(Format(), port, bare, 4, kIova, {true, true}, Req(), false, nullptr, &walk),
      std::nullopt);
  EXPECT_TRUE(walk.complete);
  EXPECT_EQ(walk.level, 1);
  EXPECT_TRUE(walk.read);
  EXPECT_TRUE(walk.write);
  EXPECT_EQ(walk.page_base, 0xabc000u);
  EXPECT_EQ(walk.page_size, 4096u);
}

TEST_F(PagingWalkTest, LockedSetBitsUpdatesOnlyAnUnchangedEntry) {
  constexpr uint64_t kAccessed = SecondStagePte::kAccessed.mask();
  constexpr uint64_t kDirty = SecondStagePte::kDirty.mask();
  const MemoryAccessTag tag{MemoryAccessKind::kSecondStageEntry, 1};
  WalkMemory port(memory_.get(), 39);
  uint64_t now = 0;
  ASSERT_TRUE(port.LockedSetBits(leaf_address_, 0xabc000 | 3, kAccessed | kDirty, tag, &now));
  EXPECT_EQ(now, 0xabc000 | 3 | kAccessed | kDirty);
  EXPECT_EQ(memory_->Read64(leaf_address_).value(), 0xabc000 | 3 | kAccessed | kDirty);
  // Software changed the entry since it was read: no update, the current value comes back.
  Write(leaf_address_, 0x123000 | 1);
  ASSERT_TRUE(port.LockedSetBits(leaf_address_, 0xabc000 | 3, kAccessed, tag, &now));
  EXPECT_EQ(now, 0x123000u | 1);
  EXPECT_EQ(memory_->Read64(leaf_address_).value(), 0x123000u | 1);
  // Beyond HAW, or through a read-only port: no access.
  EXPECT_FALSE(port.LockedSetBits(uint64_t{1} << 39, 0, kAccessed, tag, &now));
  const WalkMemory read_only(*memory_, 39);
  WalkMemory copy = read_only;
  EXPECT_FALSE(copy.LockedSetBits(leaf_address_, 0x123000 | 1, kAccessed, tag, &now));
}

// The reserved bits a second-stage format checks at each level, precomputed when the format
// is made, against the digest's second-stage entry table (S §9.8; translation-structures.md
// §9): bits of a 64-bit entry with every bit set that the format reports as reserved.
uint64_t Bits(int hi, int lo) { return (~uint64_t{0} >> (63 - hi)) & (~uint64_t{0} << lo); }
uint64_t ExpectedReserved(int level, bool ps, int haw, bool sc, bool large_2m, bool large_1g,
                          bool bit62_reserved) {
  uint64_t m = haw < 52 ? Bits(51, haw) : 0;   // 51:HAW at every level
  if (bit62_reserved) m |= uint64_t{1} << 62;  // 62: Rsvd(0) unless TM (<= 3.1)
  const uint64_t snp = uint64_t{1} << 11;
  const uint64_t ps_bit = uint64_t{1} << 7;
  if (level >= 4) return m | ps_bit | snp;        // SS-PML5E/PML4E: 7 and 11
  if (level == 1) return m | (sc ? 0 : snp);      // SS-PTE: SNP without SC; 7 ignored
  if (!ps) return m | snp;                        // non-leaf SS-PDPE/PDE: 11
  m |= level == 3 ? Bits(29, 12) : Bits(20, 12);  // below the page's address
  if (!sc) m |= snp;
  if (!(level == 3 ? large_1g : large_2m)) m |= ps_bit;  // size not in CAP.SSLPS
  return m;
}

TEST(SecondStageFormatTest, ReservedBitsPerLevelFollowTheEntryTable) {
  for (int haw : {39, 46, 48, 52}) {
    for (int caps = 0; caps < 16; ++caps) {
      const bool sc = caps & 1, large_2m = caps & 2, large_1g = caps & 4, tm = caps & 8;
      const SsPteFormat pte{haw, sc, large_2m, large_1g,
                            tm ? SsBit62::kTransientMapping : SsBit62::kReserved};
      for (const SecondStageFormat& format :
           {SecondStageFormat::Legacy(pte), SecondStageFormat::Scalable(pte)}) {
        for (int level = 1; level <= 5; ++level) {
          for (bool ps : {false, true}) {
            const uint64_t raw = ps ? ~uint64_t{0} : ~(uint64_t{1} << 7);
            EXPECT_EQ(format.ReservedBits(raw, level),
                      ExpectedReserved(level, ps, haw, sc, large_2m, large_1g, !tm) & raw)
                << "haw " << haw << " caps " << caps << " level " << level << " ps " << ps;
          }
        }
      }
    }
  }
  // The digest's cross-check values (QEMU's masks, HAW 48, no SC, no large pages), with
  // bit 62 reserved: PML4E 0x880, non-leaf PDE 0x800, PTE 0x800, 2 MiB leaf 20:11 (+ PS).
  const SecondStageFormat f = SecondStageFormat::Legacy(SsPteFormat{48});
  const uint64_t high = Bits(51, 48) | (uint64_t{1} << 62);
  EXPECT_EQ(f.ReservedBits(~uint64_t{0}, 4), high | 0x880);
  EXPECT_EQ(f.ReservedBits(~uint64_t{0x80}, 2), high | 0x800);
  EXPECT_EQ(f.ReservedBits(~uint64_t{0}, 1), high | 0x800);
  EXPECT_EQ(f.ReservedBits(~uint64_t{0}, 2), high | 0x1ff800 | 0x80);
  EXPECT_EQ(f.ReservedBits(~uint64_t{0}, 3), high | 0x3ffff800 | 0x80);
}

// A reserved bit found at one level only faults there: SNP in a non-leaf SS-PDE is LSS.2 even
// with ECAP.SC, in the leaf it is the snoop attribute.
TEST_F(PagingWalkTest, SnoopBitIsReservedOnlyAboveTheLeaf) {
  const SecondStageFormat sc = SecondStageFormat::Legacy(SsPteFormat{39, true});
  const WalkMemory port(*memory_, 39);
  Write(leaf_address_, 0xabc000 | 3 | (uint64_t{1} << 11));
  PagingWalkResult result;
  EXPECT_EQ(WalkPagingInto(sc, port, WalkStart{kTop, 4}, 4, kIova, {true, false}, Req(), false,
                           nullptr, &result),
            std::nullopt);
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(result.leaf_raw, 0xabc000u | 3 | (uint64_t{1} << 11));
  const uint64_t pd_entry = kTop + 0x2000 + 8 * LevelIndex(kIova, 2);
  Write(pd_entry, (kTop + 0x3000) | 3 | (uint64_t{1} << 11));
  std::optional<Fault> fault = WalkPagingInto(sc, port, WalkStart{kTop, 4}, 4, kIova, {true, false},
                                              Req(), false, nullptr, &result);
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->condition, FaultCondition::kLss2);
}

}  // namespace
}  // namespace vtd

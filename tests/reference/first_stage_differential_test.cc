// Differential test of the model's first-stage (PGTT=001b) and nested (PGTT=011b) walk
// (model/translate/first_stage_walk.h) against the scalable-mode reference
// (scalable_reference.h, written from the spec digest): randomized tables, valid and with
// defects, built once into both memories; the expected outcome (output address, fault
// condition, reporting under FPD, and the Accessed/Dirty bits in memory afterwards) is the
// reference's.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "model/fault/fault_reason.h"
#include "model/memory/host_memory.h"
#include "model/translate/first_stage_walk.h"
#include "tests/reference/scalable_reference.h"

namespace vtd {
namespace {

using reference::ScalableCaps;
using reference::ScalableRequest;
using reference::ScalableResult;

constexpr uint64_t B(int n) { return uint64_t{1} << n; }
constexpr uint64_t kMemoryBytes = uint64_t{1} << 32;
constexpr uint64_t kRoot = 0x1000;
constexpr uint64_t kContext = 0x2000;
constexpr uint64_t kDirectory = 0x3000;
constexpr uint64_t kPasidTable = 0x4000;
constexpr uint16_t kSid = 0x0010;  // 00:02.0
constexpr uint32_t kPasid = 5;

// One randomized trial: tables in both memories, the PASID entry's fields, the request.
class Trial {
 public:
  Trial(uint64_t seed, bool nested) : rng_(seed), nested_(nested) {
    memory_ = std::move(HostMemory::Create(kMemoryBytes)).value();
    caps_.haw = Pick({39, 46, 48});
    caps_.mgaw = Pick({39, 42, 48});
    caps_.sagaw = 0b01110;
    caps_.first_stage = true;
    caps_.nested = nested;
    caps_.fs_5level = Chance(0.5);
    caps_.fs_1g = Chance(0.5);
    caps_.page_walk_snoop = Chance(0.85);
    caps_.supervisor = true;
    caps_.ss_ad = nested && Chance(0.7);
    caps_.snoop_control = Chance(0.5);
    caps_.large_1g = Chance(0.5);
    fs_levels_ = caps_.fs_5level && Chance(0.5) ? 5 : 4;
    aw_ = Pick({1, 2, 3});  // 39-, 48- or 57-bit second stage
    ssade_ = caps_.ss_ad && Chance(0.6);
    pwsnp_ = caps_.page_walk_snoop && Chance(0.85);
    sre_ = Chance(0.8);
    wpe_ = Chance(0.5);
    fpd_ = Chance(0.1);
    Build();
  }

  void Build() {
    // Scalable root, context, PASID directory: bus 0, devfn 0x10 (lower half), PASID 5.
    Set(kRoot, kContext | 1);
    Set(kContext + 32 * (kSid & 0x7f), kDirectory | B(3) | 1);  // PASIDE, P
    Set(kDirectory, kPasidTable | 1);
    ss_root_ = NewHpaPage();
    if (Chance(0.01)) ss_root_ = kMemoryBytes + 0x1000 * Below(16);  // SSS.4
    const uint64_t fs_root_gpa = NewTableGpa();
    uint64_t fs_root = fs_root_gpa;
    if (Chance(0.01)) fs_root = kMemoryBytes + 0x1000 * Below(16);  // SFS.4
    // The request: an address through the built path, at times non-canonical.
    address_ = Random() & (fs_levels_ == 5 ? (B(57) - 1) : (B(48) - 1)) & ~uint64_t{0xfff};
    const int n = fs_levels_ == 5 ? 57 : 48;
    if ((address_ >> (n - 1)) & 1) address_ |= ~(B(n) - 1);  // sign-extend
    address_ |= Below(0x1000 / 8) * 8;
    if (Chance(0.03)) address_ ^= B(Pick({50, 58, 62}));  // not canonical (SGN.1)
    write_ = Chance(0.5);
    privileged_ = Chance(0.3);
    BuildFirstStage(fs_root);

    uint64_t q0 = 1 | (fpd_ ? B(1) : 0) | (uint64_t{nested_ ? 3u : 1u} << 6);
    if (nested_) q0 |= ss_root_ | (uint64_t(aw_) << 2) | (ssade_ ? B(9) : 0);
    const uint64_t q1 = 1 | (pwsnp_ ? B(23) : 0);  // DID 1
    const uint64_t q2 = (fs_root & ~uint64_t{0xfff}) | (sre_ ? 1 : 0) |
                        (fs_levels_ == 5 ? B(2) : 0) | (wpe_ ? B(4) : 0);
    Set(kPasidTable + 64 * kPasid, q0);
    Set(kPasidTable + 64 * kPasid + 8, q1);
    Set(kPasidTable + 64 * kPasid + 16, q2);
  }

  // The model's view: what a scalable context lookup yields for PASID 5.
  TranslationContext Context() const {
    TranslationContext c;
    c.source_id = SourceId(kSid);
    c.did = DomainId(1);
    c.pasid = kPasid;
    c.kind = nested_ ? TranslationKind::kNested : TranslationKind::kFirstStage;
    c.fpd = fpd_;
    c.fs.root = fs_root_hw_;
    c.fs.levels = static_cast<uint8_t>(fs_levels_);
    c.fs.supervisor_requests = sre_;
    c.fs.write_protect = wpe_;
    if (nested_) {
      c.ss.root = ss_root_;
      c.ss.levels = static_cast<uint8_t>(aw_ + 2);
      c.ss.aw = static_cast<uint8_t>(aw_);
      c.ss.input_width = static_cast<uint8_t>(std::min(caps_.mgaw, 30 + 9 * aw_));
      c.ss.ad_enabled = ssade_;
    }
    return c;
  }
  FirstStageWalkConfig Config() const {
    FirstStageWalkConfig config;
    config.haw = caps_.haw;
    config.fs_1g = caps_.fs_1g;
    config.ss_pte = SsPteFormat{caps_.haw, caps_.snoop_control, caps_.large_2m, caps_.large_1g,
                                SsBit62::kReserved};
    config.page_walk_snoop = caps_.page_walk_snoop && pwsnp_;
    return config;
  }
  DmaRequest Request() const {
    DmaRequest r;
    r.source_id = SourceId(kSid);
    r.address = address_;
    r.size = 8;
    r.access = write_ ? AccessKind::kWrite : AccessKind::kRead;
    r.pasid = kPasid;
    r.privileged = privileged_;
    return r;
  }
  ScalableResult RunReference() const {
    ScalableRequest r;
    r.sid = kSid;
    r.pasid = kPasid;
    r.privileged = privileged_;
    r.write = write_;
    r.address = address_;
    return reference::TranslateScalable(ref_, kRoot, caps_, r);
  }

  HostMemory& memory() { return *memory_; }
  const reference::ScalableMemory& ref() const { return ref_; }
  int haw() const { return caps_.haw; }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint64_t Random() { return rng_(); }
  uint64_t Below(uint64_t n) { return rng_() % n; }
  int Pick(std::initializer_list<int> values) { return *(values.begin() + Below(values.size())); }

  void Set(uint64_t address, uint64_t value) {
    ref_.qwords[address] = value;
    ASSERT_TRUE(memory_->Write64(address, value).ok());
  }
  uint64_t Get(uint64_t address) const {
    const auto it = ref_.qwords.find(address);
    return it == ref_.qwords.end() ? 0 : it->second;
  }
  uint64_t NewHpaPage() {
    next_hpa_ += 0x1000 * (1 + Below(3));
    return next_hpa_;
  }
  // A reserved bit of a present first-stage entry at `level` (translation-structures.md §8).
  uint64_t FsReservedBit(int level, bool large) {
    if (level >= 4 && Chance(0.5)) return B(7);
    if (large && level == 3) return B(13 + static_cast<int>(Below(17)));
    if (large && level == 2) return B(13 + static_cast<int>(Below(8)));
    return B(caps_.haw + static_cast<int>(Below(52 - caps_.haw)));
  }
  uint64_t SsReservedBit(int level, bool large) {
    if (level >= 4 && Chance(0.5)) return B(Pick({7, 11}));
    if (!large && level > 1 && Chance(0.5)) return B(11);
    if (large && level == 3) return B(12 + static_cast<int>(Below(18)));
    if (large && level == 2) return B(12 + static_cast<int>(Below(9)));
    if (Chance(0.3)) return B(62);
    return B(caps_.haw + static_cast<int>(Below(52 - caps_.haw)));
  }
  // Bits hardware ignores, set at random (they must change nothing).
  uint64_t FsIgnored() {
    return Chance(0.2) ? (B(9) | B(11) | B(52 + static_cast<int>(Below(11))) | B(63)) : 0;
  }

  // A guest-physical address at or above 2^X, X = min(MGAW, AGAW(AW)) (SFS.5 when an entry
  // holds it), mostly below 2^HAW (above, the bits are reserved).
  uint64_t BeyondX() {
    const int x = std::min(caps_.mgaw, 30 + 9 * aw_);
    return B(x) + (Random() & (B(std::max(x, caps_.haw)) - 1));
  }
  // A guest-physical table page (nested: mapped through the second stage on demand).
  uint64_t NewTableGpa() {
    if (!nested_) return NewHpaPage();
    return 0x1000 * (1 + Below((uint64_t{1} << 20) - 1));  // below 4 GiB
  }
  // Where a guest-physical address lives: the second stage is extended (at random) so that it
  // maps `gpa`; nullopt if its path ends at a defect.
  std::optional<uint64_t> Resolve(uint64_t gpa) {
    if (!nested_) return gpa;
    if (gpa >= kMemoryBytes) return std::nullopt;
    uint64_t table = ss_root_;
    for (int level = aw_ + 2; level >= 1; --level) {
      const uint64_t at = table + 8 * static_cast<uint64_t>(LevelIndex(gpa, level));
      if (at >= kMemoryBytes) return std::nullopt;
      uint64_t e = Get(at);
      if (e == 0) {
        const bool large_ok = (level == 2 && caps_.large_2m) || (level == 3 && caps_.large_1g);
        const bool leaf = level == 1 || (large_ok && Chance(0.2));
        e = (Chance(0.97) ? 1 : 0) | (Chance(0.93) ? 2 : 0);
        if (e == 0 && Chance(0.5)) e = 1;
        if (ssade_) e |= (Chance(0.5) ? B(8) : 0) | (leaf && Chance(0.5) ? B(9) : 0);
        if (Chance(0.1)) e |= B(52 + static_cast<int>(Below(9)));
        if (leaf) {
          const uint64_t size = LevelPageSize(level);
          uint64_t base = (NewHpaPage() + size - 1) & ~(size - 1);
          if (level == 3) base = size * (1 + Below(3));
          if (level == 2) next_hpa_ = base + size;
          if (Chance(0.05)) base = 0xfee00000 & ~(size - 1);  // the interrupt range
          e |= base | (caps_.snoop_control && Chance(0.3) ? B(11) : 0) |
               (Below(8) << 3) * (Chance(0.3) ? 1 : 0);
          if (level >= 2) e |= B(7);
        } else {
          e |= Chance(0.005) ? kMemoryBytes + 0x1000 * Below(8) : NewHpaPage();
        }
        if (Chance(0.015)) e |= SsReservedBit(level, leaf && level > 1);
        Set(at, e);
      }
      if ((e & 3) == 0) return std::nullopt;
      const bool leaf = level == 1 || ((level == 2 || level == 3) && (e & B(7)));
      const uint64_t address = e & (B(52) - 1) & ~(LevelPageSize(leaf ? level : 1) - 1);
      if (leaf) return address | (gpa & (LevelPageSize(level) - 1));
      table = address;
    }
    return std::nullopt;
  }

  // First-stage tables along address_ from `root` (a GPA when nested).
  void BuildFirstStage(uint64_t root) {
    fs_root_hw_ = root;
    uint64_t table_gpa = root;
    for (int level = fs_levels_; level >= 1; --level) {
      std::optional<uint64_t> table = Resolve(table_gpa);
      if (!table || *table >= kMemoryBytes) return;
      const uint64_t at = *table + 8 * static_cast<uint64_t>(LevelIndex(address_, level));
      if (Get(at) != 0) return;  // an alias of an entry already built: the walk reads that
      const bool large_ok = level == 2 || level == 3;
      const bool leaf = level == 1 || (large_ok && Chance(level == 3 && !caps_.fs_1g ? 0.05 : 0.2));
      uint64_t e = (Chance(0.97) ? 1 : 0) | (Chance(0.85) ? 2 : 0) | (Chance(0.88) ? 4 : 0) |
                   (Chance(0.5) ? B(5) : 0) | FsIgnored();
      uint64_t next;
      if (leaf) {
        const uint64_t size = LevelPageSize(level);
        if (level >= 2) e |= B(7);
        e |= (Chance(0.5) ? B(6) : 0) | (Below(4) << 3) | (Chance(0.3) ? B(8) : 0);
        if (level >= 2 && Chance(0.3)) e |= B(12);  // PAT of a large leaf
        if (level == 1 && Chance(0.3)) e |= B(7);   // PAT of a PTE
        next = (Random() % kMemoryBytes) & ~(size - 1);
        if (Chance(0.03)) next = 0xfee00000 & ~(size - 1);  // the interrupt range
        if (nested_ && Chance(0.03)) next = BeyondX() & ~(size - 1);
        if (nested_) Resolve(next);
      } else {
        next = NewTableGpa();
        if (nested_ && Chance(0.03)) next = BeyondX() & ~uint64_t{0xfff};
        if (!nested_ && Chance(0.01)) next = kMemoryBytes + 0x1000 * Below(8);  // SFS.1
      }
      e |= next;
      if (Chance(0.02)) e |= FsReservedBit(level, leaf && level > 1);
      Set(at, e);
      if (leaf) return;
      table_gpa = next;
    }
  }

  std::mt19937_64 rng_;
  bool nested_;
  std::unique_ptr<HostMemory> memory_;
  reference::ScalableMemory ref_;
  ScalableCaps caps_;
  int fs_levels_ = 4;
  int aw_ = 2;
  bool ssade_ = false, pwsnp_ = false, sre_ = false, wpe_ = false, fpd_ = false;
  uint64_t ss_root_ = 0, fs_root_hw_ = 0, address_ = 0;
  bool write_ = false, privileged_ = false;
  uint64_t next_hpa_ = 0x100000;
};

void RunTrials(bool nested, int trials, std::set<std::string>* seen) {
  for (int seed = 0; seed < trials; ++seed) {
    Trial t(static_cast<uint64_t>(seed) * 7919 + (nested ? 1 : 0), nested);
    const ScalableResult expected = t.RunReference();
    WalkMemory port(&t.memory(), t.haw());
    const FaultOr<TranslationLeaf> got =
        TranslateFirstStage(t.Config(), t.Context(), port, t.Request());
    SCOPED_TRACE(testing::Message() << (nested ? "nested" : "first-stage") << " seed " << seed);
    if (!expected.translated) {
      seen->insert(expected.condition);
      ASSERT_FALSE(got.ok()) << "expected " << expected.condition << ", got output " << std::hex
                             << got->page_base;
      EXPECT_EQ(FaultConditionName(got.fault().condition), expected.condition);
      EXPECT_EQ(static_cast<int>(got.fault().reason), expected.reason);
      EXPECT_EQ(got.fault().Reportable(), expected.reported);
      continue;
    }
    seen->insert("translated");
    ASSERT_TRUE(got.ok()) << "expected output " << std::hex << expected.output << ", got "
                          << got.fault().ToString();
    EXPECT_EQ(got->page_base | (t.Request().address & (got->page_size() - 1)), expected.output);
    // Memory afterwards: the tables as built with the reference's A/D updates applied.
    std::map<uint64_t, uint64_t> after = t.ref().qwords;
    for (const auto& [address, value] : expected.updates) after[address] = value;
    for (const auto& [address, value] : after) {
      EXPECT_EQ(t.memory().Read(address, 8).value(), value) << "qword " << std::hex << address;
    }
  }
}

// The conditions every run must reach, so that the comparison cannot pass by generating
// only easy tables.
void ExpectSeen(const std::set<std::string>& seen, std::initializer_list<const char*> names) {
  for (const char* name : names) EXPECT_TRUE(seen.count(name)) << name << " never generated";
}

TEST(FirstStageDifferentialTest, FirstStageOnlyMatchesTheReference) {
  std::set<std::string> seen;
  RunTrials(/*nested=*/false, 1000, &seen);
  ExpectSeen(seen, {"translated", "SFS.1", "SFS.2", "SFS.3", "SFS.4", "SFS.9", "SGN.1", "SGN.2",
                    "SGN.6", "SGN.8.1", "SPT.6"});
}

TEST(FirstStageDifferentialTest, NestedMatchesTheReference) {
  std::set<std::string> seen;
  RunTrials(/*nested=*/true, 1000, &seen);
  ExpectSeen(seen,
             {"translated", "SFS.2", "SFS.3", "SFS.5", "SFS.6", "SFS.7", "SFS.8", "SFS.9", "SSS.1",
              "SSS.2", "SSS.3", "SSS.4", "SSS.5", "SGN.1", "SGN.2", "SGN.6", "SGN.7", "SGN.8.1"});
}

}  // namespace
}  // namespace vtd

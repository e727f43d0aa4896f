// The lean RemappingUnit::Translate and the full Dma are one request path: on twin units over
// twin memories, the same random requests (legacy and scalable mode; every request type and
// access, with and without PASID, pass-through, faults of every stage, bad input, the
// interrupt window, TE off, hot-entry repeats) give the same answer (DmaResult::Of of the full
// outcome), the same cache counters and contents (with caches small enough that every
// replacement decision depends on recency), the same request count, fault records and
// fault-recording index, and the same observer events and memory accesses, in order.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/scalable_fixture.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kIova = 0x40000000;
const SourceId kPassThroughSid = SourceId::FromBdf(0x3, 0x2, 0x2);
const SourceId kAbsentSid = SourceId::FromBdf(0x3, 0x2, 0x5);  // context entry not present

std::string Describe(const DmaResult& r) {
  return absl::StrCat(std::string(CompletionName(r.completion)), " hpa ", r.hpa, " r", r.read, " w",
                      r.write, " blocked ", r.blocked, " faulted ", r.faulted, " ",
                      r.faulted ? std::string(FaultConditionName(r.condition)) : "-", " recorded ",
                      r.recorded);
}

std::string Describe(const CacheCounters& c) {
  return absl::StrCat(c.lookups, "/", c.hits, "/", c.misses, "/", c.fills, "/", c.evictions, "/",
                      c.invalidations);
}

// Every hardware memory access, in order.
class AccessLog : public MemoryObserver {
 public:
  void OnRead(uint64_t address, int size, MemoryAccessTag tag) override {
    log.push_back(absl::StrCat("r ", address, " ", size, " ", static_cast<int>(tag.kind), " ",
                               static_cast<int>(tag.level)));
  }
  void OnWrite(uint64_t address, int size, MemoryAccessTag tag) override {
    log.push_back(absl::StrCat("w ", address, " ", size, " ", static_cast<int>(tag.kind), " ",
                               static_cast<int>(tag.level)));
  }
  std::vector<std::string> log;
};

// One unit of a twin pair, with its own memory and what it was seen to do.
struct Twin {
  std::unique_ptr<HostMemory> memory;
  std::unique_ptr<RemappingUnit> unit;
  RecordingObserver events;
  AccessLog accesses;
};

// A copy of `from` (tables built once, walked by two units that each set their own A/D bits).
std::unique_ptr<HostMemory> CopyOf(const HostMemory& from) {
  std::unique_ptr<HostMemory> to = HostMemory::Create(from.size()).value();
  std::vector<uint8_t> page(4096);
  for (uint64_t p : from.AllocatedPages()) {
    EXPECT_TRUE(from.ReadBytes(p << 12, absl::MakeSpan(page)).ok());
    EXPECT_TRUE(to->WriteBytes(p << 12, page).ok());
  }
  return to;
}

// Small LRU caches: hits, fills and evictions all depend on the recency the two paths keep.
UnitCacheConfig SmallCaches() {
  UnitCacheConfig c;
  c.context = CacheGeometry{.entries = 2, .ways = 0};
  c.iotlb = CacheGeometry{.entries = 4, .ways = 2};
  c.psc_pml5 = c.psc_pml4 = c.psc_pdpte = c.psc_pde = CacheGeometry{.entries = 2, .ways = 0};
  c.pasid = CacheGeometry{.entries = 2, .ways = 0};
  return c;
}

// The cache contents, in their fixed order: which keys sit where.
std::string Contents(const RemappingUnit& unit) {
  std::string s;
  unit.context_cache().cache().ForEach(
      [&](const auto& e) { absl::StrAppend(&s, "c", e.key, "@", e.fill_stamp, " "); });
  unit.scalable_context_cache().cache().ForEach(
      [&](const auto& e) { absl::StrAppend(&s, "s", e.key, "@", e.fill_stamp, " "); });
  unit.pasid_cache().cache().ForEach([&](const auto& e) {
    absl::StrAppend(&s, "p", e.key.sid, ":", e.key.pasid, "@", e.fill_stamp, " ");
  });
  unit.iotlb().cache().ForEach([&](const auto& e) {
    absl::StrAppend(&s, "t", e.key.page(), ":", e.key.leaf_level(), ":", e.key.tag().Packed(), "@",
                    e.fill_stamp, " ");
  });
  for (int level = 2; level <= 5; ++level) {
    unit.paging_structure_cache(level).cache().ForEach([&](const auto& e) {
      absl::StrAppend(&s, "l", level, ":", e.key.region(), ":", e.key.tag().Packed(), "@",
                      e.fill_stamp, " ");
    });
  }
  return s;
}

constexpr CacheKind kAllCaches[] = {CacheKind::kContext, CacheKind::kIotlb,    CacheKind::kPscPml5,
                                    CacheKind::kPscPml4, CacheKind::kPscPdpte, CacheKind::kPscPde,
                                    CacheKind::kPasid};

// Everything observable of a twin after a request, as text (a difference names itself).
std::string State(const Twin& t) {
  std::string s = absl::StrCat("requests ", t.unit->request_count(), " next frcd ",
                               t.unit->next_fault_record_index(), "\n");
  for (CacheKind k : kAllCaches) {
    absl::StrAppend(&s, static_cast<int>(k), ": ", Describe(t.unit->cache_counters(k)), "\n");
  }
  absl::StrAppend(&s, "contents ", Contents(*t.unit), "\n");
  for (const CacheLookupEvent& e : t.events.lookups) {
    absl::StrAppend(&s, "lookup ", static_cast<int>(e.cache), " ", e.hit, " ", e.tag, " ",
                    e.trace_position, "\n");
  }
  for (const FaultRecordEvent& e : t.events.faults) {
    absl::StrAppend(&s, "fault ", e.fault.ToString(), " frcd ", e.frcd_index, " ", e.overflow,
                    "\n");
  }
  for (const InterruptMessageEvent& e : t.events.messages) {
    absl::StrAppend(&s, "message ", std::string(e.source), " ", e.address, " ", e.data, " ", e.sent,
                    "\n");
  }
  absl::StrAppend(&s, "begins ", t.events.begins, " ends ", t.events.ends, "\n");
  for (const std::string& a : t.accesses.log) absl::StrAppend(&s, a, "\n");
  return s;
}

// What the random requests are drawn from.
struct RequestSpace {
  std::vector<uint64_t> addresses;  // page addresses (offsets are added)
  std::vector<SourceId> sids;
  std::vector<uint32_t> pasids;  // drawn for about half of the requests
};

DmaRequest Draw(std::mt19937_64& rng, const RequestSpace& space) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  DmaRequest r;
  r.source_id = space.sids[pick(space.sids.size())];
  static constexpr RequestType kTypes[] = {RequestType::kUntranslated, RequestType::kUntranslated,
                                           RequestType::kTranslation, RequestType::kTranslated};
  r.type = kTypes[pick(4)];
  static constexpr AccessKind kAccesses[] = {AccessKind::kRead, AccessKind::kWrite,
                                             AccessKind::kAtomic};
  r.access = kAccesses[pick(3)];
  static constexpr int kSizes[] = {0, 4, 8, 64, 4096};
  r.size = r.type == RequestType::kTranslation ? 0 : kSizes[pick(5)];
  // Mostly offsets that fit the size; now and then one that crosses the page (bad input).
  const uint64_t offset = pick(8) == 0 ? 0xffc : (pick(4) * 0x40);
  r.address = space.addresses[pick(space.addresses.size())] + offset;
  if (!space.pasids.empty() && pick(2) == 0) r.pasid = space.pasids[pick(space.pasids.size())];
  r.privileged = pick(4) == 0;
  r.no_write = r.type == RequestType::kTranslation && pick(3) == 0;
  return r;
}

// Runs `count` random requests through `lean` (Translate) and `full` (Dma), comparing after
// each one.
void ExpectLeanEqualsFull(Twin& lean, Twin& full, const RequestSpace& space, int count,
                          uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < count; ++i) {
    DmaRequest request = Draw(rng, space);
    SCOPED_TRACE(absl::StrCat("request ", i, " sid ", request.source_id.value(), " address ",
                              request.address, " type ", static_cast<int>(request.type), " access ",
                              static_cast<int>(request.access), " size ", request.size, " pasid ",
                              request.pasid.value_or(~0u)));
    // Twice, the second time at another offset of the page: a request the caches answered is
    // answered by a hot entry then.
    for (int repeat = 0; repeat < 2; ++repeat) {
      if (repeat == 1 && (request.address & 0xfff) != 0xffc) request.address ^= 0x80;
      const DmaResult a = lean.unit->Translate(request);
      const DmaResult b = DmaResult::Of(full.unit->Dma(request));
      ASSERT_EQ(Describe(a), Describe(b));
      ASSERT_EQ(State(lean), State(full));
      // Compared: the next comparison looks at the next request's events.
      for (Twin* t : {&lean, &full}) {
        t->events = RecordingObserver{};
        t->accesses.log.clear();
      }
    }
    // Software clears the fault records now and then, so recording goes on.
    if (i % 16 == 15) {
      for (Twin* t : {&lean, &full}) {
        const uint32_t fsts = t->unit->ReadRegister32(kFstsOffset);
        t->unit->WriteRegister32(kFstsOffset, fsts);
        for (int n = 0; n < t->unit->registers().cap().num_fault_recording_registers(); ++n) {
          t->unit->WriteRegister32(t->unit->registers().OffsetOf(RegId::kFrcdLo, n) + 12,
                                   0x80000000u);
        }
      }
    }
  }
}

class LeanPathTest : public UnitTest {
 protected:
  void BuildTables() {
    SetContext(/*did=*/5, TranslationType::kDeviceTlb);
    Map(kIova, 0x500000, 1, 3);
    Map(kIova + 0x200000, 0x800000, 2, 3);
    Map(kIova + 0x400000, 0x900000, 1, 1);    // read-only
    Map(kIova + 0x401000, 0x901000, 1, 2);    // write-only
    Map(kIova + 0x402000, 0xfee00000, 1, 3);  // output in FEEx_xxxxh
    Map(kIova + 0x403000, 0x903000, 1, 0);    // not present
    Map(kIova + 0x40000000, 0xa00000, 1, 3);  // another PML4E/PDPTE
    SetContext(/*did=*/6, TranslationType::kPassThrough, false, 2, kPassThroughSid);
    SetRoot(kSid.bus(), kContextTable | 1);
  }

  // Twins over copies of the tables, programmed as a driver does; `enable` sets TE.
  void MakeTwins(Twin& lean, Twin& full, bool enable = true) {
    config_.caches = SmallCaches();
    for (Twin* t : {&lean, &full}) {
      t->memory = CopyOf(*memory_);
      t->unit = RemappingUnit::Create(config_, t->memory.get()).value();
      t->unit->WriteRegister64(kRtaddrOffset, kRootTable);
      t->unit->WriteRegister32(kGcmdOffset, 1u << 30);
      if (enable) t->unit->WriteRegister32(kGcmdOffset, 1u << 31);
      t->unit->AddObserver(&t->events);
      t->memory->set_observer(&t->accesses);
    }
  }

  RequestSpace Space() {
    return RequestSpace{{kIova, kIova + 0x200000, kIova + 0x400000, kIova + 0x401000,
                         kIova + 0x402000, kIova + 0x403000, kIova + 0x40000000, kIova + 0x5000,
                         0xfee00000, 0x123000, uint64_t{1} << 48},
                        {kSid, kSid, kSid, kPassThroughSid, kAbsentSid},
                        {3}};
  }
};

TEST_F(LeanPathTest, LegacyRequestsGiveTheSameAnswersCountersAndEvents) {
  BuildTables();
  Twin lean, full;
  MakeTwins(lean, full);
  ExpectLeanEqualsFull(lean, full, Space(), 400, 1);
}

// CAP.CM=1: not-present context and page entries are cached and answer from the caches.
TEST_F(LeanPathTest, LegacyCachingMode) {
  config_.cap = Capability::kCm.Set(kR630Cap, 1);
  BuildTables();
  Twin lean, full;
  MakeTwins(lean, full);
  ExpectLeanEqualsFull(lean, full, Space(), 300, 2);
}

// TE=0 (S §3.1): requests are not remapped; the protected memory regions still apply.
TEST_F(LeanPathTest, TranslationDisabledAndProtectedMemory) {
  BuildTables();
  Twin lean, full;
  MakeTwins(lean, full, /*enable=*/false);
  for (Twin* t : {&lean, &full}) {
    t->unit->WriteRegister32(kPlmbaseOffset, 0x100000);
    t->unit->WriteRegister32(kPlmlimitOffset, 0x100000);
    t->unit->WriteRegister32(kPmenOffset, 0x80000000u);
  }
  ExpectLeanEqualsFull(lean, full, Space(), 100, 3);
}

// Caches disabled in random mixes: a unit nobody observes (whose walks count the lookups of
// disabled caches without building their events, and keep no level records when nothing
// needs them) gives the same answers, counters and contents as its observed twin. Each
// lookup counts once, hit or miss, whether the cache is enabled or not (S §6.2).
TEST_F(LeanPathTest, UnobservedUnitsWithCachesDisabledCountAsObservedOnes) {
  BuildTables();
  std::mt19937_64 rng(4);
  for (int mix = 0; mix < 24; ++mix) {
    UnitCacheConfig caches = SmallCaches();
    for (CacheGeometry* g : {&caches.context, &caches.iotlb, &caches.psc_pml5, &caches.psc_pml4,
                             &caches.psc_pdpte, &caches.psc_pde}) {
      if (rng() % 2 == 0) *g = CacheGeometry{};
    }
    if (mix == 0) caches = UnitCacheConfig{};  // every cache at its default size
    if (mix == 1) {                            // every cache disabled
      caches.context = caches.iotlb = caches.psc_pml5 = caches.psc_pml4 = caches.psc_pdpte =
          caches.psc_pde = CacheGeometry{};
    }
    Twin watched, unwatched;
    MakeTwins(watched, unwatched);
    config_.caches = caches;
    for (Twin* t : {&watched, &unwatched}) {
      t->unit = RemappingUnit::Create(config_, t->memory.get()).value();
      t->unit->WriteRegister64(kRtaddrOffset, kRootTable);
      t->unit->WriteRegister32(kGcmdOffset, 1u << 30);
      t->unit->WriteRegister32(kGcmdOffset, 1u << 31);
    }
    watched.unit->AddObserver(&watched.events);
    unwatched.memory->set_observer(nullptr);
    std::mt19937_64 requests(100 + mix);
    for (int i = 0; i < 60; ++i) {
      const DmaRequest request = Draw(requests, Space());
      SCOPED_TRACE(absl::StrCat("mix ", mix, " request ", i, " address ", request.address));
      ASSERT_EQ(Describe(unwatched.unit->Translate(request)),
                Describe(watched.unit->Translate(request)));
      std::string a = absl::StrCat("requests ", unwatched.unit->request_count());
      std::string b = absl::StrCat("requests ", watched.unit->request_count());
      for (CacheKind k : kAllCaches) {
        absl::StrAppend(&a, " ", Describe(unwatched.unit->cache_counters(k)));
        absl::StrAppend(&b, " ", Describe(watched.unit->cache_counters(k)));
      }
      ASSERT_EQ(a + Contents(*unwatched.unit), b + Contents(*watched.unit));
    }
  }
}

class ScalableLeanPathTest : public ScalableUnitTest {
 protected:
  void BuildTables() { BuildEveryPgttTables(kIova); }

  void MakeTwins(Twin& lean, Twin& full) {
    config_.caches = SmallCaches();
    for (Twin* t : {&lean, &full}) {
      t->memory = CopyOf(*memory_);
      t->unit = RemappingUnit::Create(config_, t->memory.get()).value();
      // Programmed as the fixture's unit: scalable root table, invalidations, TE.
      std::swap(unit_, t->unit);
      std::swap(memory_, t->memory);
      EnableScalable();
      std::swap(memory_, t->memory);
      std::swap(unit_, t->unit);
      t->unit->AddObserver(&t->events);
      t->memory->set_observer(&t->accesses);
    }
  }
};

TEST_F(ScalableLeanPathTest, ScalableRequestsGiveTheSameAnswersCountersAndEvents) {
  config_.ecap =
      kQemuScalablePasidEcap | kEcapDt | kEcapFsts | kEcapNest | kEcapSmpwcs | kEcapSsads;
  BuildTables();
  Twin lean, full;
  MakeTwins(lean, full);
  const RequestSpace space{
      {kIova, kIova + 0x1000, kIova + 0x2000, kIova + 0x200000, kIova + 0x400000, kIova + 0x401000,
       kIova + 0x402000, kIova + 0x403000, kIova + 0x5000, 0xfee00000, uint64_t{1} << 47},
      {kSid, kSid, kSid, kAbsentSid},
      {1, 2, 3, 4, 9}};
  ExpectLeanEqualsFull(lean, full, space, 400, 4);
}

}  // namespace
}  // namespace vtd

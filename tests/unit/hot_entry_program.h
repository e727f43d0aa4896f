// The random program of the hot-entry tests (tests/unit/hot_entry_test.cc): DMA requests of
// every kind and API form, table edits without and with invalidation of every granularity,
// register writes, fault-record clearing, observers attached and removed mid-way, run on a
// unit with hot entries and on one without; every result, cache counter, request count and
// observer event in a log of lines to compare. Small LRU caches make evictions frequent.
// Legacy mode (R630) and scalable mode (second-stage with SSADE, pass-through, first-stage,
// nested; with and without PASID). A test may attach observers of its own (hooks below).
#ifndef VTDSIM_TESTS_UNIT_HOT_ENTRY_PROGRAM_H_
#define VTDSIM_TESTS_UNIT_HOT_ENTRY_PROGRAM_H_

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/scalable_fixture.h"
#include "tests/unit/unit_fixture.h"

namespace vtd::hot_entry {

inline constexpr uint64_t kIova = 0x40000000;
inline constexpr int kPages =
    6;  // 4 KiB pages per context at kIova + n * 4 KiB; a 2 MiB page above

inline constexpr CacheKind kAllCaches[] = {
    CacheKind::kContext, CacheKind::kPasid,    CacheKind::kIotlb,  CacheKind::kPscPml5,
    CacheKind::kPscPml4, CacheKind::kPscPdpte, CacheKind::kPscPde, CacheKind::kInterruptEntry};

// Small caches: a few entries, LRU, so that recency decides evictions.
inline UnitCacheConfig SmallCaches() {
  UnitCacheConfig c;
  c.context = CacheGeometry{.entries = 2, .ways = 0};
  c.pasid = CacheGeometry{.entries = 2, .ways = 0};
  c.iotlb = CacheGeometry{.entries = 8, .ways = 2};
  c.psc_pde = CacheGeometry{.entries = 2, .ways = 0};
  c.psc_pdpte = CacheGeometry{.entries = 2, .ways = 0};
  return c;
}

inline std::string Describe(const DmaResult& r) {
  return absl::StrCat("lean ", std::string(CompletionName(r.completion)), " hpa ", r.hpa, " r",
                      r.read, " w", r.write, " blocked ", r.blocked, " faulted ", r.faulted,
                      " condition ", r.faulted ? std::string(FaultConditionName(r.condition)) : "-",
                      " recorded ", r.recorded);
}

// A full outcome's result: DescribeResult and every field of the ATS completion.
inline std::string DescribeFull(const DmaOutcome& o) {
  std::string s = DescribeResult(o);
  if (o.result.ats.has_value()) {
    const AtsCompletion& c = *o.result.ats;
    absl::StrAppend(&s, " ats size ", c.size, " r", c.read, " w", c.write, " u",
                    c.untranslated_only, " n", c.no_snoop, " priv", c.privileged, " exe", c.execute,
                    " g", c.global);
  }
  absl::StrAppend(&s, " fault record ", o.fault_record.has_value(), " message ",
                  o.interrupt_message.has_value(), " interrupt ", o.interrupt().has_value(),
                  " lookups ", o.cache_lookups().size(), " stale ", o.stale().size());
  return s;
}

inline std::string Describe(const CacheLookupEvent& e) {
  return absl::StrCat(std::string(CacheKindName(e.cache)), e.hit ? " hit " : " miss ", e.tag, " @",
                      e.trace_position);
}

// Everything observable after one step: counters of every cache and the request count.
inline std::string Counters(const RemappingUnit& unit) {
  std::string s = absl::StrCat("requests ", unit.request_count());
  for (CacheKind k : kAllCaches) {
    const CacheCounters& c = unit.cache_counters(k);
    absl::StrAppend(&s, " ", std::string(CacheKindName(k)), " ", c.lookups, "/", c.hits, "/",
                    c.misses, "/", c.fills, "/", c.evictions, "/", c.invalidations);
  }
  return s;
}

inline std::vector<std::string> Events(const RecordingObserver& o) {
  std::vector<std::string> lines;
  for (const CacheLookupEvent& e : o.lookups) lines.push_back(Describe(e));
  for (const FaultRecordEvent& f : o.faults) {
    lines.push_back(absl::StrCat("fault ", f.fault.ToString(), " frcd ", f.frcd_index));
  }
  for (const InvalidationEvent& i : o.invalidations) {
    lines.push_back(absl::StrCat("invalidation ", std::string(CacheKindName(i.cache)), " ",
                                 std::string(i.performed), " ", i.entries_removed));
  }
  lines.push_back(absl::StrCat("begins ", o.begins, " ends ", o.ends));
  return lines;
}

// The first line where two logs differ, for a readable failure.
inline void ExpectSameLog(const std::vector<std::string>& hot,
                          const std::vector<std::string>& normal) {
  for (size_t i = 0; i < std::min(hot.size(), normal.size()); ++i) {
    ASSERT_EQ(hot[i], normal[i]) << "line " << i << " of " << hot.size();
  }
  EXPECT_EQ(hot.size(), normal.size());
}

class HotEntryTest : public ScalableUnitTest {
 protected:
  // What a test adds to the program: observers attached after the unit is built, one of them
  // re-attached now and then (it then comes last), what they say after every step (appended
  // to its line), and their whole state in words, read at random points and at the end.
  virtual void AttachObservers() {}
  virtual void ReattachObserver() {}
  virtual std::string AfterStep() { return ""; }
  virtual std::string ObserverState() { return ""; }

  struct Run {
    std::vector<std::string> log;
    uint64_t hot_answers = 0;
  };

  // A fresh memory for one run, and the unit's configuration: the R630's for legacy mode,
  // QEMU's scalable unit with first-stage, nesting and A/D for scalable mode.
  void Restart(bool hot, bool scalable, uint64_t cap) {
    memory_ = std::move(HostMemory::Create(uint64_t{1} << 32)).value();
    next_table_ = 0x40000;
    root_table_ = 0;
    levels_ = 4;
    observer_ = RecordingObserver{};
    extra_ = RecordingObserver{};
    extra_attached_ = false;
    te_off_ = false;
    config_.caches = SmallCaches();
    config_.hot_entry = hot;
    config_.cap = cap;
    config_.ecap = scalable ? kQemuScalablePasidEcap | kEcapDt | kEcapFsts | kEcapNest |
                                  kEcapSmpwcs | kEcapSsads
                            : kR630Ecap;
    config_.version = scalable ? 0x30 : 0x10;
    config_.host_address_width = scalable ? 48 : 46;
  }

  // Legacy: four requesters on bus 3 (TT=01b with DIDs 1-3, and one pass-through) with
  // 4 KiB pages of assorted rights and a 2 MiB page each.
  void BuildLegacy() {
    for (int i = 0; i < 4; ++i) {
      const SourceId sid = Sid(i);
      SetContext(static_cast<uint16_t>(1 + i % 3),
                 i == 3 ? TranslationType::kPassThrough : TranslationType::kDeviceTlb, false, 2,
                 sid);
      roots_[i] = root_table_;
      for (int p = 0; p < kPages; ++p)
        Map(kIova + 0x1000 * p, 0x800000 + 0x1000 * (8 * i + p), 1, 3);
      Map(kIova + 0x200000, 0x1000000 + 0x200000 * i, 2, 3);
    }
    SetRoot(kSid.bus(), kContextTable | 1);
    CreateUnit();
    Enable();
  }

  // Scalable: RID_PASID 0 second-stage with SSADE, PASID 1 second-stage, 2 pass-through,
  // 3 first-stage, 4 nested.
  void BuildScalable() {
    SetSmContext(/*paside=*/true, /*pdts=*/0, /*rid_pasid=*/0, /*fpd=*/false, /*dte=*/true);
    SetSecondStagePasid(1, /*did=*/6);
    roots_[1] = root_table_;
    for (int p = 0; p < kPages; ++p) Map(kIova + 0x1000 * p, 0x500000 + 0x1000 * p, 1, 3);
    SetSecondStagePasid(0, /*did=*/5, /*aw=*/2, /*ssade=*/true, /*pwsnp=*/true);
    roots_[0] = root_table_;
    for (int p = 0; p < kPages; ++p) Map(kIova + 0x1000 * p, 0x600000 + 0x1000 * p, 1, 3);
    Map(kIova + 0x200000, 0xa00000, 2, 3);
    SetPassThroughPasid(2, /*did=*/7);
    fs_root_ = SetFirstStagePasid(3, /*did=*/8);
    for (int p = 0; p < kPages; ++p) FsMap(fs_root_, kIova + 0x1000 * p, 0x700000 + 0x1000 * p);
    FsMap(fs_root_, kIova + 0x200000, 0xc00000, 2);
    const uint64_t nested_root = SetNestedPasid(4, /*did=*/9);
    NestedMap(nested_root, kIova, 0x2345000, 0x9876000);
    CreateUnit();
    EnableScalable();
  }

  static SourceId Sid(int i) { return SourceId::FromBdf(kSid.bus(), 2, i); }

  DmaRequest RandomRequest(std::mt19937_64& rng, bool scalable) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    DmaRequest r;
    r.source_id = scalable ? kSid : Sid(pick(5));  // Sid(4) has no context entry
    const int page = pick(kPages + 2);
    r.address = page < kPages ? kIova + 0x1000 * page
                              : (page == kPages ? kIova + 0x200000 + 0x1000 * pick(3)
                                                : (rng() & 0xffffffff000ull));
    static constexpr uint64_t kOffsets[] = {0, 0x40, 0x800, 0xffc};
    r.address += kOffsets[pick(4)];
    static constexpr int kSizes[] = {4, 64, 0, 8, 4096};
    r.size = kSizes[pick(5)];
    r.access = static_cast<AccessKind>(pick(3));
    const int type = pick(10);
    r.type = type < 7 ? RequestType::kUntranslated
                      : (type < 9 ? RequestType::kTranslation : RequestType::kTranslated);
    r.no_write = pick(4) == 0;
    if (scalable ? pick(3) != 0 : pick(20) == 0) r.pasid = static_cast<uint32_t>(pick(5));
    r.privileged = pick(6) == 0;
    r.execute = pick(30) == 0;
    return r;
  }

  // An API form for Issue: a quarter of the requests ask for a trace (never answered by a
  // hot entry), in a new outcome or in the reused one.
  static int RandomForm(std::mt19937_64& rng) {
    static constexpr int kForms[] = {0, 0, 1, 1, 2, 3, 4, 4};
    return kForms[rng() % 8];
  }

  // One request through one of the API forms; the answer in words.
  std::string Issue(const DmaRequest& r, int form) {
    switch (form) {
      case 0:
        return Describe(unit_->Translate(r));
      case 1: {
        unit_->Dma(r, &reused_);
        return absl::StrCat(DescribeFull(reused_), " recorded ", reused_.recorded, " ",
                            reused_.status().ToString());
      }
      case 2: {
        const DmaOutcome out = unit_->Dma(r, DmaOptions{.trace = true});
        return absl::StrCat(DescribeFull(out), " steps ", out.trace().size());
      }
      case 3: {  // the reused outcome with a trace: the next reuse clears it
        unit_->Dma(r, &reused_, DmaOptions{.trace = true});
        const DmaOutcome& out = reused_;
        return absl::StrCat(DescribeFull(out), " steps ", out.trace().size());
      }
      default: {
        const DmaOutcome out = unit_->Dma(r);
        return absl::StrCat(DescribeFull(out), " recorded ", out.recorded, " ",
                            out.status().ToString());
      }
    }
  }

  // A software action other than DMA: a table edit, an invalidation, a register write, an
  // observer change.
  std::string Act(std::mt19937_64& rng, bool scalable) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    const int what = pick(10);
    if (what < 3) {  // a leaf's rights (0..3) changed, not invalidated
      const int page = pick(kPages);
      const uint64_t flags = static_cast<uint64_t>(pick(4));
      if (scalable && pick(3) == 0) {
        const uint64_t ea = FsEntry(fs_root_, kIova + 0x1000 * page, 1);
        Write(ea, (Read(ea) & ~uint64_t{0x67}) | (flags & 1) | (flags & 2) | kFsUs);
      } else {
        const int ctx = scalable ? pick(2) : pick(3);
        root_table_ = roots_[ctx];
        const uint64_t ea = EntryAddress(kIova + 0x1000 * page, 1);
        Write(ea, (Read(ea) & ~uint64_t{0x303}) | flags);
      }
      return "edit";
    }
    if (what < 6) {  // an invalidation of some granularity
      const uint64_t did = static_cast<uint64_t>(scalable ? 5 + pick(5) : 1 + pick(3));
      const uint64_t am = static_cast<uint64_t>(pick(3));
      const uint64_t ih = static_cast<uint64_t>(pick(2)) << 6;
      const uint64_t page = kIova + 0x1000 * static_cast<uint64_t>(pick(kPages));
      if (scalable) {
        const uint64_t pasid = static_cast<uint64_t>(pick(5)) << 32;
        switch (pick(7)) {
          case 0:
            Submit({0x11, 0, 0, 0});  // cc_inv_dsc global
            break;
          case 1:
            Submit({0x31 | did << 16 | uint64_t{kSid.value()} << 32, 0, 0, 0});  // device
            break;
          case 2:
            Submit({0x07 | did << 16, 0, 0, 0});  // pc_inv_dsc domain
            break;
          case 3:
            Submit({0x17 | did << 16 | pasid, 0, 0, 0});  // pc_inv_dsc PASID
            break;
          case 4:
            Submit({0x22 | did << 16, 0, 0, 0});  // iotlb_inv_dsc domain
            break;
          case 5:
            Submit({0x26 | did << 16 | pasid, 0, 0, 0});  // p_iotlb_inv_dsc PASID
            break;
          default:
            Submit({0x36 | did << 16 | pasid, page | ih | am, 0, 0});  // p_iotlb page
            break;
        }
      } else {
        switch (pick(6)) {
          case 0:
            GlobalContextInvalidate();
            break;
          case 1:
            Ccmd(Ccmd::kCirg.Set(0, 2) | Ccmd::kDid.Set(0, did));
            break;
          case 2:
            Ccmd(Ccmd::kCirg.Set(0, 3) | Ccmd::kDid.Set(0, did) |
                 Ccmd::kSid.Set(0, Sid(pick(4)).value()) | Ccmd::kFm.Set(0, pick(4)));
            break;
          case 3:
            GlobalIotlbInvalidate();
            break;
          case 4:
            IotlbCommand(IotlbReg::kIirg.Set(0, 2) | IotlbReg::kDid.Set(0, did));
            break;
          default:
            IotlbCommand(IotlbReg::kIirg.Set(0, 3) | IotlbReg::kDid.Set(0, did), page | ih | am);
            break;
        }
      }
      return "invalidate";
    }
    if (what < 8) {  // TE off, and on again the next time
      GlobalCommand(1u << 31, te_off_);
      te_off_ = !te_off_;
      return "te";
    }
    if (what < 9) {  // software clears the fault records and FSTS
      const int records = static_cast<int>(Capability::kNfr.Get(config_.cap)) + 1;
      for (int n = 0; n < records; ++n) ClearFrcd(n);
      unit_->WriteRegister32(kFstsOffset, 0x7f);
      return "clear faults";
    }
    // A second observer comes and goes, or the test's own is attached again.
    if (pick(3) == 0) {
      ReattachObserver();
      return "reattach";
    }
    if (extra_attached_) {
      unit_->RemoveObserver(&extra_);
    } else {
      unit_->AddObserver(&extra_);
    }
    extra_attached_ = !extra_attached_;
    return "observer";
  }

  Run RunProgram(bool hot, bool scalable, uint64_t cap, uint64_t seed) {
    Restart(hot, scalable, cap);
    if (scalable) {
      BuildScalable();
    } else {
      BuildLegacy();
    }
    AttachObservers();
    Run run;
    std::mt19937_64 rng(seed);
    // Requests come back, interleaved: a few recent ones are repeated (at other offsets of
    // their page), so that hot entries answer often and the recency of several entries
    // decides what later fills evict.
    std::vector<DmaRequest> recent(6, RandomRequest(rng, scalable));
    for (int step = 0; step < 4000; ++step) {
      const int what = static_cast<int>(rng() % 100);
      std::string line;
      if (what < 30) {
        DmaRequest& r = recent[rng() % recent.size()];
        r = RandomRequest(rng, scalable);
        line = Issue(r, RandomForm(rng));
      } else if (what < 96) {
        DmaRequest again = recent[rng() % recent.size()];
        if (again.size > 0 && again.size <= 64) {
          again.address = (again.address & ~uint64_t{0xfff}) | (rng() % 0x40 * 0x40);
        }
        line = Issue(again, RandomForm(rng));
      } else {
        line = Act(rng, scalable);
      }
      // The counters now and then, through one getter or another.
      switch (rng() % 12) {
        case 2:
          absl::StrAppend(&line, " | ", ObserverState());
          break;
        case 0:
          absl::StrAppend(&line, " | ", Counters(*unit_));
          break;
        case 1:
          absl::StrAppend(&line, " | iotlb ", unit_->iotlb().counters().hits, " context ",
                          unit_->context_cache().counters().hits, "/",
                          unit_->scalable_context_cache().counters().hits, " pasid ",
                          unit_->pasid_cache().counters().hits);
          break;
        default:
          break;
      }
      run.log.push_back(absl::StrCat(step, ": ", line, AfterStep()));
    }
    run.log.push_back(Counters(*unit_));
    for (const std::string& e : Events(observer_)) run.log.push_back(e);
    for (const std::string& e : Events(extra_)) run.log.push_back("extra " + e);
    run.log.push_back(ObserverState());
    run.hot_answers = unit_->hot_entry_answers();
    return run;
  }

  void Compare(bool scalable, uint64_t cap) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE(absl::StrCat("seed ", seed));
      const Run hot = RunProgram(true, scalable, cap, seed);
      const Run normal = RunProgram(false, scalable, cap, seed);
      EXPECT_EQ(normal.hot_answers, 0u);
      // Hot entries answer runs of repeated hits (any fill, by any request, ends them all).
      EXPECT_GT(hot.hot_answers, 30u);
      ExpectSameLog(hot.log, normal.log);
    }
  }

  uint64_t roots_[4] = {};
  uint64_t fs_root_ = 0;
  RecordingObserver extra_;
  bool extra_attached_ = false;
  bool te_off_ = false;
  DmaOutcome reused_;
};

}  // namespace vtd::hot_entry

#endif  // VTDSIM_TESTS_UNIT_HOT_ENTRY_PROGRAM_H_

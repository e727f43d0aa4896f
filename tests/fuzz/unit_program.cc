// Executes fuzz programs (unit_program.h) on one RemappingUnit and checks the oracles.
//
// Memory layout of the generated platform (32 MiB of host memory):
//   0x0100000  table pool: the root table, then context and second-stage tables (256 pages)
//   0x0800000  invalidation queue (IQA)           0x0900000  wait-descriptor status words
//   0x0a00000  interrupt-remapping table (IRTA)   0x0b00000  posted-interrupt descriptors
//   0x0c00000  page request queue (PQA)
// The pool's first page is the legacy root table, its second the scalable-mode root table.
// Every software memory write is a `mem_write` step, every register access an `mmio_write` or
// `mmio_read` step, so the transcript replays exactly what the unit saw.
//
// The oracles (each failure names the step, and the transcript's expectation at that step is
// the oracle's answer):
//  * cache transparency: while the unit is "clean" (a global context-cache invalidation, then
//    a global IOTLB invalidation, since the last write to any page the hardware has read and
//    the last SRTP), a DMA's result equals the pure walk's (Translate) over current memory,
//    field by field, and the invalidation checker reports no stale hit; the same for
//    interrupts after a global interrupt-entry-cache invalidation (S §6.5, §6.4);
//    In scalable mode "clean" also needs a global PASID-cache invalidation, and the pure walk
//    is TranslateScalable (every PGTT: first-stage, second-stage, nested, pass-through);
//    hardware accessed/dirty updates do not make the unit unclean (caches hold entries as
//    updated, S §3.6.2, §3.7.2);
//  * isolation: a successful untranslated DMA in a clean unit reaches a page that the root,
//    context (PASID directory and PASID table) entries and the first-stage, second-stage or
//    nested tables in memory map for that requester with that permission, found by
//    enumerating the tables (table_enumerator.h), not by the model's walker;
//  * register invariants after every operation: readable registers read 0 in reserved bits
//    (S §11.3), FSTS.FRI < NFR and FSTS.PPF is the OR of the FRCD F bits (S §11.4.7.1), GSTS
//    follows an accepted GCMD write (S §11.4.4), IQH stays inside the queue and keeps bit 4
//    clear with 256-bit descriptors (S §11.4.9.1), PQT stays inside the page request queue,
//    and no event control register (FECTL, IECTL, PECTL) has IP set with IM clear (S §7.3.1:
//    clearing IM sends the pending message and clears IP);
//  * page requests (S §7.5): a request the unit admits is written at PQA + PQT in the layout
//    of Linux's page_req_dsc (the digest has none), PQT advances by 32 bytes and PRS.PPR is
//    set, or, with the queue full, nothing is written and PRS.PRO is set; a blocked request
//    leaves PQT alone;
//  * determinism: FuzzOneInput runs every program twice and compares the transcripts.
#include "tests/fuzz/unit_program.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/register_map.h"
#include "model/translate/legacy_walk.h"
#include "model/translate/scalable_lookup.h"
#include "model/unit/remapping_unit.h"
#include "tests/fuzz/table_enumerator.h"

namespace vtd::fuzz {
namespace {

constexpr uint64_t kMemorySize = 0x2000000;
constexpr uint64_t kRegisterBase = 0xfed90000;
constexpr uint64_t kPoolBase = 0x100000;
constexpr int kPoolPages = 256;
constexpr uint64_t kQueueBase = 0x800000;
constexpr uint64_t kStatusBase = 0x900000;
constexpr uint64_t kIrtBase = 0xa00000;
constexpr uint64_t kPidBase = 0xb00000;
constexpr uint64_t kPrqBase = 0xc00000;
constexpr uint64_t kSmRootBase = kPoolBase + 0x1000;
constexpr uint64_t kAddressBits = 0x000ffffffffff000;  // 51:12 of any table pointer
constexpr uint64_t kDataBase = 0x1000000;

// Register offsets (S §11.4, Table of register descriptions).
constexpr uint32_t kGcmd = 0x18;
constexpr uint32_t kGsts = 0x1c;
constexpr uint32_t kRtaddr = 0x20;
constexpr uint32_t kCcmd = 0x28;
constexpr uint32_t kFsts = 0x34;
constexpr uint32_t kIqh = 0x80;
constexpr uint32_t kIqt = 0x88;
constexpr uint32_t kIqa = 0x90;
constexpr uint32_t kIrta = 0xb8;
constexpr uint32_t kPqh = 0xc0;
constexpr uint32_t kPqt = 0xc8;
constexpr uint32_t kPqa = 0xd0;
constexpr uint32_t kPrs = 0xdc;
constexpr uint32_t kPectl = 0xe0;
constexpr uint32_t kPedata = 0xe4;
constexpr uint32_t kPeaddr = 0xe8;

// GCMD/GSTS bits (S §11.4.4): the persistent ones and the one-shot commands.
constexpr uint32_t kTe = 1u << 31;
constexpr uint32_t kSrtp = 1u << 30;
constexpr uint32_t kWbf = 1u << 27;
constexpr uint32_t kQie = 1u << 26;
constexpr uint32_t kIre = 1u << 25;
constexpr uint32_t kSirtp = 1u << 24;
constexpr uint32_t kCfi = 1u << 23;
// What a driver keeps of GSTS when it writes GCMD (one-shot bits 30, 29, 27, 24 dropped).
constexpr uint32_t kGcmdPersistMask = 0x96ffffff;

// CAP variants: the contract's default unit; four fault-recording registers; caching mode and
// write-buffer flushing; 3-, 4- and 5-level tables (MGAW 57) with posted interrupts.
constexpr uint64_t kCapBase = 0x00d2008c40660462;
constexpr uint64_t kCapNfr4 = (kCapBase & ~(uint64_t{0xff} << 40)) | (uint64_t{3} << 40);
constexpr uint64_t kCapVariants[] = {
    kCapBase,
    kCapNfr4,
    kCapNfr4 | (1u << 7) | (1u << 4),
    (kCapNfr4 & ~(uint64_t{0x3f} << 16) & ~(uint64_t{0x1f} << 8)) | (uint64_t{56} << 16) |
        (uint64_t{0xe} << 8) | (uint64_t{1} << 59),
    // QEMU's scalable-mode unit (x-scalable-mode=on, aw-bits=48) with FS1GP (56) and FS5LP
    // (60).
    0x00d2008c222f0606 | (uint64_t{1} << 56) | (uint64_t{1} << 60),
};
// ECAP variants: QI, IR, EIM, PT, SC (default); the same with device-TLBs (DT); no QI/IR;
// device-TLBs honouring the No-Write flag of translation requests (NWFS, bit 33).
constexpr uint64_t kEcapBase = 0x0000000000f050da;
// Scalable mode: QEMU's scalable unit with PASID (SMTS, SSTS, PASID, PSS 7, SRS, PT, QI, IR);
// the same with every translation type, A/D and page requests (FSTS 47, NEST 26, SSADS 45,
// SMPWCS 48, RPS 49, DT 2, PRS 29); first-stage and page requests with walks not snooped
// (A/D updates fault).
constexpr uint64_t kEcapScalable = 0x0000493880f00f4a;
constexpr uint64_t kEcapFsts = uint64_t{1} << 47, kEcapNest = uint64_t{1} << 26;
constexpr uint64_t kEcapDtPrs = (uint64_t{1} << 2) | (uint64_t{1} << 29);
constexpr uint64_t kEcapVariants[] = {
    kEcapBase,
    kEcapBase | (1u << 2),
    0x50c0,
    kEcapBase | (1u << 2) | (uint64_t{1} << 33),
    kEcapScalable | kEcapFsts | kEcapNest | kEcapDtPrs | (uint64_t{1} << 45) | (uint64_t{1} << 48) |
        (uint64_t{1} << 49),
    kEcapScalable,
    kEcapScalable | kEcapFsts | kEcapDtPrs,
};

// What "%#x" prints, without parsing a format (every step of every run is written).
void AppendHex(std::string* s, uint64_t v) {
  if (v == 0) {
    s->push_back('0');
  } else {
    absl::StrAppend(s, "0x", absl::Hex(v));
  }
}
std::string Hex(uint64_t v) {
  std::string s;
  AppendHex(&s, v);
  return s;
}
std::string Sid(uint16_t sid) {
  return absl::StrFormat("\"%02x:%02x.%x\"", sid >> 8, (sid >> 3) & 0x1f, sid & 7);
}

// The scenario being written: into a string, and into a file as it goes.
class Transcript {
 public:
  explicit Transcript(const std::string* path) {
    if (path != nullptr) file_ = std::fopen(path->c_str(), "w");
  }
  ~Transcript() {
    if (file_ != nullptr) std::fclose(file_);
  }
  void Line(const std::string& line) {
    text_ += line;
    text_ += '\n';
    if (file_ != nullptr) {
      std::fputs(line.c_str(), file_);
      std::fputc('\n', file_);
      std::fflush(file_);
    }
  }
  void Step(const std::string& body) { Line("  - " + body); }
  void Expect(const std::vector<std::string>& parts) {
    if (!parts.empty()) Line("    expect: {" + absl::StrJoin(parts, ", ") + "}");
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::FILE* file_ = nullptr;
};

// Tracks what makes cached state legitimately differ from memory: pages the hardware read
// (structures it may have cached) and writes to them, and the invalidations since.
class CleanTracker : public UnitObserver, public MemoryObserver {
 public:
  void OnRead(uint64_t address, int size, MemoryAccessTag) override {
    for (uint64_t p = address >> 12; p <= (address + size - 1) >> 12; ++p) read_pages_.insert(p);
  }
  void OnWrite(uint64_t address, int size, MemoryAccessTag tag) override {
    // Accessed/dirty updates are the hardware's own: caches hold the entries as updated.
    if (tag.kind == MemoryAccessKind::kFirstStageEntry ||
        tag.kind == MemoryAccessKind::kSecondStageEntry) {
      return;
    }
    Written(address, size);
  }
  void OnInvalidation(const InvalidationEvent& event) override {
    if (event.performed != "global") return;
    if (event.cache == CacheKind::kContext) context_fresh_ = true;
    if (event.cache == CacheKind::kPasid) pasid_fresh_ = true;
    if (event.cache == CacheKind::kIotlb && context_fresh_) {
      dma_clean_ = true;
      scalable_clean_ = pasid_fresh_;
    }
    if (event.cache == CacheKind::kInterruptEntry) interrupt_clean_ = true;
  }
  void Written(uint64_t address, int size) {
    for (uint64_t p = address >> 12; p <= (address + size - 1) >> 12; ++p) {
      if (read_pages_.count(p) != 0) {
        DmaDirty();
        interrupt_clean_ = false;
        return;
      }
    }
  }
  void DmaDirty() { context_fresh_ = pasid_fresh_ = dma_clean_ = scalable_clean_ = false; }
  void InterruptDirty() { interrupt_clean_ = false; }
  // Scalable mode also caches PASID-table entries (S §6.2.2).
  bool dma_clean(bool scalable) const { return scalable ? scalable_clean_ : dma_clean_; }
  bool interrupt_clean() const { return interrupt_clean_; }

 private:
  absl::flat_hash_set<uint64_t> read_pages_;  // looked up only
  bool context_fresh_ = false;
  bool pasid_fresh_ = false;
  bool dma_clean_ = false;
  bool scalable_clean_ = false;
  bool interrupt_clean_ = false;
};

// ---- Model adapter: the only code that reads the unit's DMA result types.
struct DmaAnswer {
  bool ok = false;       // the request may proceed with `hpa`
  bool faulted = false;  // a fault was hit (`reason`)
  uint64_t hpa = 0;
  int reason = 0;
  bool stale = false;         // the invalidation checker reported a stale hit
  bool skip_oracles = false;  // invalid request, or blocked by a protected memory region
  std::string detail;         // every field compared by the transparency oracle
};

std::string ResultFields(const TranslateResult& r) {
  std::string s = absl::StrCat("completion=", std::string(CompletionName(r.completion)));
  if (r.fault) {
    const Fault& f = *r.fault;
    absl::StrAppend(
        &s, absl::StrFormat(" fault{reason=%#x cond=%s addr=%#x sid=%#x fpd=%d qual=%d rec=%d "
                            "resp=%d}",
                            static_cast<int>(f.reason), FaultConditionName(f.condition), f.address,
                            f.source_id.value(), f.fpd, f.qualified, f.recoverable,
                            static_cast<int>(f.response)));
  }
  if (r.translation) {
    const Translation& t = *r.translation;
    absl::StrAppend(&s, absl::StrFormat(" xlate{hpa=%#x base=%#x size=%#x r=%d w=%d snp=%d "
                                        "emt=%d ipat=%d tm=%d did=%#x fpd=%d tt=%d leaf=%d}",
                                        t.hpa, t.page_base, t.page_size, t.read, t.write, t.snoop,
                                        t.emt, t.ipat, t.transient_mapping, t.did.value(), t.fpd,
                                        static_cast<int>(t.tt), t.leaf_level));
  }
  if (r.ats) {
    const AtsCompletion& a = *r.ats;
    absl::StrAppend(&s, absl::StrFormat(" ats{addr=%#x size=%#x r=%d w=%d u=%d n=%d}", a.address,
                                        a.size, a.read, a.write, a.untranslated_only, a.no_snoop));
  }
  return s;
}

DmaAnswer AnswerOf(const TranslateResult& r, const TestHooks& hooks) {
  DmaAnswer a;
  if (r.fault) {
    a.faulted = true;
    a.reason = static_cast<int>(r.fault->reason);
  } else if (r.translation && r.completion == Completion::kSuccess) {
    a.ok = true;
    a.hpa = hooks.translated_hpa ? hooks.translated_hpa(r.translation->hpa) : r.translation->hpa;
  }
  a.detail = ResultFields(r);
  return a;
}

DmaAnswer UnitDma(RemappingUnit& unit, const DmaRequest& request, const TestHooks& hooks) {
  const DmaOutcome out = unit.Dma(request);
  DmaAnswer a = AnswerOf(out.result, hooks);
  if (!a.faulted && out.blocked) a.ok = false;
  a.stale = !out.stale().empty();
  // Interrupt requests (writes to FEEx_xxxxh) are not translated: the walk does not apply.
  a.skip_oracles = !out.status().ok() || out.blocked_by == "pmr" || out.interrupt().has_value();
  return a;
}

// The pure walk's entry masks and second-stage formats for a unit's HAW, CAP and ECAP, made
// once per platform: those are fixed for the unit's life (RTADDR, which changes, is not an
// input to them).
struct WalkFormats {
  explicit WalkFormats(const WalkConfig& config) : legacy(config), scalable(config) {}
  LegacyWalkFormats legacy;
  ScalableWalkFormats scalable;
};

// The pure walk over current memory (in scalable mode it makes the accessed/dirty updates a
// translation needs: none, when the unit's own translation made them).
std::optional<DmaAnswer> WalkDma(const RemappingUnit& unit, const WalkFormats& formats,
                                 HostMemory& memory, const DmaRequest& request,
                                 const TestHooks& hooks) {
  const WalkConfig& config = unit.walk_config();
  absl::StatusOr<TranslateResult> r =
      ScalableModeActive(config) ? TranslateScalable(config, formats.scalable, &memory, request)
                                 : Translate(config, formats.legacy, memory, request);
  if (!r.ok()) return std::nullopt;
  return AnswerOf(*r, hooks);
}

std::vector<std::string> DmaExpect(const DmaAnswer& a) {
  if (a.faulted) return {absl::StrFormat("fault: {reason: %#x}", a.reason)};
  if (a.ok) return {absl::StrCat("hpa: ", Hex(a.hpa))};
  return {};
}

// ---- The platforms. Building a unit (register file, caches) costs more than most programs
// do, so each CAP/ECAP pair gets one unit and one memory, brought back to power-on before
// every run: the unit by RemappingUnit::Reset (registers at their reset values, caches
// empty), the memory by zeroing the pages the last run wrote.
//
// Host memory reused run after run: a page written in one run is zeroed and kept for the
// next (allocating and freeing pages each run, with ASan's fresh pages and page faults, cost
// more than running most programs). Reads as a new sparse memory does: zero until written.
class ReusableMemory : public HostMemory {
 public:
  explicit ReusableMemory(uint64_t size) : HostMemory(size), pages_(size / kPageSize, nullptr) {}

  // Every page back to zero.
  void Clear() {
    for (uint64_t n : used_) {
      std::memset(pages_[n], 0, kPageSize);
      spare_.push_back(pages_[n]);
      pages_[n] = nullptr;
    }
    used_.clear();
    ForgetCachedPages();
  }
  std::vector<uint64_t> AllocatedPages() const override {
    std::vector<uint64_t> pages = used_;
    std::sort(pages.begin(), pages.end());
    return pages;
  }
  int allocated_page_count() const override { return static_cast<int>(used_.size()); }

 protected:
  uint8_t* FindPage(uint64_t page_number) const override { return pages_[page_number]; }
  uint8_t* GetOrAllocatePage(uint64_t page_number) override {
    uint8_t*& page = pages_[page_number];
    if (page == nullptr) {
      if (spare_.empty()) {
        storage_.push_back(std::make_unique<Page>());
        spare_.push_back(storage_.back()->bytes.data());
      }
      page = spare_.back();
      spare_.pop_back();
      used_.push_back(page_number);
    }
    return page;
  }

 private:
  struct alignas(8) Page {
    std::array<uint8_t, kPageSize> bytes{};
  };
  std::vector<uint8_t*> pages_;  // by page number; nullptr reads as zero
  std::vector<uint64_t> used_;   // page numbers written since Clear
  std::vector<uint8_t*> spare_;  // zeroed pages
  std::vector<std::unique_ptr<Page>> storage_;
};

struct Platform {
  std::unique_ptr<ReusableMemory> memory;
  std::unique_ptr<RemappingUnit> unit;
  std::unique_ptr<WalkFormats> formats;  // for unit->walk_config()
  std::vector<PlacedRegister> registers;
};

// The platform for the pair at power-on, or nullptr when the model (and so a scenario) does
// not accept the pair. At most kMaxPlatforms are kept (flipped CAP/ECAP bits make many pairs).
Platform* PowerOn(uint64_t cap, uint64_t ecap, bool check_invalidation) {
  constexpr size_t kMaxPlatforms = 64;
  using Key = std::tuple<uint64_t, uint64_t, bool>;
  static auto* platforms = new std::map<Key, std::unique_ptr<Platform>>();
  const Key key{cap, ecap, check_invalidation};
  auto it = platforms->find(key);
  if (it == platforms->end()) {
    if (platforms->size() >= kMaxPlatforms) platforms->clear();
    std::unique_ptr<Platform> platform;
    if (ValidateCapabilities(cap, ecap).ok()) {
      auto memory = std::make_unique<ReusableMemory>(kMemorySize);
      UnitConfig config;
      config.register_base = kRegisterBase;
      config.cap = cap;
      config.ecap = ecap;
      config.check_invalidation = check_invalidation;
      absl::StatusOr<std::unique_ptr<RemappingUnit>> unit =
          RemappingUnit::Create(config, memory.get());
      if (unit.ok()) {
        platform = std::make_unique<Platform>();
        platform->memory = std::move(memory);
        platform->unit = *std::move(unit);
        platform->formats = std::make_unique<WalkFormats>(platform->unit->walk_config());
        platform->registers = PlaceRegisters(cap, ecap);
      }
    }
    it = platforms->emplace(key, std::move(platform)).first;
  }
  Platform* platform = it->second.get();
  if (platform != nullptr) {
    platform->unit->Reset();
    platform->memory->Clear();
  }
  return platform;
}

// ---- The machine: one unit, its memory, the builder's state, the oracles.
class Machine {
 public:
  Machine(Profile profile, const Program& program, Transcript& out, const TestHooks& hooks)
      : profile_(profile), out_(out), hooks_(hooks) {
    cap_ = kCapVariants[program.cap_variant % std::size(kCapVariants)];
    // Bit 7 of the CAP variant byte runs the program without the invalidation checker, so the
    // unit's hot entries (off under the checker) answer too and the oracles check them.
    check_invalidation_ = hooks.check_invalidation && (program.cap_variant & 0x80) == 0;
    ecap_ = kEcapVariants[program.ecap_variant % std::size(kEcapVariants)];
    if (program.cap_flip < 64) cap_ ^= uint64_t{1} << program.cap_flip;
    if (program.ecap_flip < 64) ecap_ ^= uint64_t{1} << program.ecap_flip;
  }
  ~Machine() {
    if (unit_ == nullptr) return;
    unit_->RemoveObserver(&tracker_);
    memory_->set_observer(nullptr);
  }
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // False when the platform is not one the model (and so a scenario) accepts.
  bool Build() {
    Platform* platform = PowerOn(cap_, ecap_, check_invalidation_);
    if (platform == nullptr) return false;
    memory_ = platform->memory.get();
    unit_ = platform->unit.get();
    formats_ = platform->formats.get();
    unit_->AddObserver(&tracker_);
    memory_->set_observer(&tracker_);
    caps_ = Capability::Decode(cap_);
    ecaps_ = ExtendedCapability::Decode(ecap_);
    registers_ = &platform->registers;
    out_.Line(absl::StrFormat("name: fuzz-%s", ProfileName(profile_)));
    out_.Line("description: written by a vtdsim fuzz target (tests/fuzz)");
    out_.Line("platform:");
    out_.Line(absl::StrFormat("  memory_size: %#x", kMemorySize));
    out_.Line(absl::StrCat("  check_invalidation: ", check_invalidation_ ? "true" : "false"));
    out_.Line("  units:");
    out_.Line(
        absl::StrFormat("    - {base: %#x, cap: %#x, ecap: %#x}", kRegisterBase, cap_, ecap_));
    out_.Line("steps:");
    pool_.push_back(kPoolBase);    // the legacy root table
    pool_.push_back(kSmRootBase);  // the scalable-mode root table
    return true;
  }

  // Runs one operation; false once an oracle failed (failure() says which).
  bool Run(const Op& op) {
    switch (op.kind) {
      case OpKind::kMap:
        Map(op);
        break;
      case OpKind::kMutate:
        Mutate(op);
        break;
      case OpKind::kMmioWrite:
        RawMmioWrite(op);
        break;
      case OpKind::kMmioRead:
        RawMmioRead(op);
        break;
      case OpKind::kDriver:
        Driver(op);
        break;
      case OpKind::kDma:
        Dma(op);
        break;
      case OpKind::kQueueSetup:
        QueueSetup(op);
        break;
      case OpKind::kDescriptor:
        Descriptor(op);
        break;
      case OpKind::kIrSetup:
        IrSetup(op);
        break;
      case OpKind::kIrte:
        Irte(op);
        break;
      case OpKind::kInterrupt:
        Interrupt(op);
        break;
      case OpKind::kMemWrite:
        MemWriteOp(op);
        break;
      case OpKind::kSmMap:
        SmMap(op);
        break;
      case OpKind::kSmDriver:
        SmDriver(op);
        break;
      case OpKind::kPageRequest:
        PageRequest(op);
        break;
    }
    // Operations that only write memory leave the registers as they were.
    const bool memory_only = op.kind == OpKind::kMap || op.kind == OpKind::kMutate ||
                             op.kind == OpKind::kMemWrite || op.kind == OpKind::kIrte ||
                             op.kind == OpKind::kSmMap ||
                             (op.kind == OpKind::kDescriptor && !(op.a & 0x80));
    if (failure_.empty() && !memory_only) CheckRegisters();
    return failure_.empty();
  }
  const std::string& failure() const { return failure_; }
  HostMemory& memory() { return *memory_; }
  RemappingUnit& unit() { return *unit_; }

 private:
  // ---- Steps.
  void MemWrite(uint64_t address, const std::vector<uint64_t>& qwords) {
    std::string step = "mem_write: {addr: ";
    AppendHex(&step, address);
    step += ", u64: [";
    for (size_t i = 0; i < qwords.size(); ++i) {
      if (i != 0) step += ", ";
      AppendHex(&step, qwords[i]);
    }
    out_.Step(step + "]}");
    for (size_t i = 0; i < qwords.size(); ++i) {
      if (!memory_->Write64(address + 8 * i, qwords[i]).ok()) return;
    }
    tracker_.Written(address, static_cast<int>(8 * qwords.size()));
  }
  uint64_t Peek(uint64_t address) const {
    absl::StatusOr<uint64_t> v = memory_->Read64(address);
    return v.ok() ? *v : 0;
  }
  uint64_t Reg(RegId id) const { return unit_->registers().Get(id); }
  // A value software reads at `offset` (through the register-read hook, when a test plants one).
  uint64_t Observed(uint32_t offset, uint64_t value) const {
    return hooks_.register_read ? hooks_.register_read(offset, value) : value;
  }
  uint32_t Shadow() const { return static_cast<uint32_t>(Reg(RegId::kGsts)) & kGcmdPersistMask; }

  void MmioWrite(uint32_t offset, int width, uint64_t value) {
    if (width == 32) value &= 0xffffffff;
    out_.Step(
        absl::StrFormat("mmio_write: {offset: %#x, value: %#x, width: %d}", offset, value, width));
    const bool qi_was_enabled = (Reg(RegId::kGsts) & kQie) != 0;
    if (width == 64) {
      unit_->WriteRegister64(offset, value);
    } else {
      unit_->WriteRegister32(offset, static_cast<uint32_t>(value));
    }
    const bool diagnosed = !unit_->TakeDiagnostics().empty();
    if ((offset == kIqa || offset == kIqa + 4) && qi_was_enabled) iqh_checkable_ = false;
    if (offset == kGcmd || (width == 64 && offset + 4 == kGcmd)) {
      const uint32_t gcmd = static_cast<uint32_t>(offset == kGcmd ? value : value >> 32);
      if (gcmd & kSrtp) tracker_.DmaDirty();
      if (gcmd & kSirtp) tracker_.InterruptDirty();
      if (!diagnosed) CheckGcmd(gcmd);
    }
    if ((Reg(RegId::kGsts) & kQie) == 0) iqh_checkable_ = true;
    // Software moving the page request queue's tail or base: PQT is then what it wrote.
    if ((offset & ~uint32_t{7}) == kPqt || (offset & ~uint32_t{7}) == kPqa) pq_checkable_ = false;
  }

  // ---- Register invariants.
  void Fail(const std::string& what, uint32_t offset, int width, uint64_t value, uint64_t mask) {
    failure_ = what;
    out_.Line("  # oracle failure: " + what);
    out_.Step(absl::StrFormat("mmio_read: {offset: %#x, width: %d}", offset, width));
    out_.Expect({absl::StrFormat("value: %#x", value), absl::StrFormat("mask: %#x", mask)});
  }

  void CheckGcmd(uint32_t gcmd) {
    const uint32_t gsts = static_cast<uint32_t>(Observed(kGsts, Reg(RegId::kGsts)));
    uint32_t persistent = kTe;
    if (ecaps_.qi) persistent |= kQie;
    if (ecaps_.ir) persistent |= kIre | kCfi;
    if ((gsts & persistent) != (gcmd & persistent)) {
      Fail(absl::StrFormat(
               "GSTS %#x does not follow the accepted GCMD write %#x (TES/QIES/IRES/CFIS)", gsts,
               gcmd),
           kGsts, 32, gcmd & persistent, persistent);
      return;
    }
    if ((gcmd & kSrtp) && !(gsts & kSrtp)) {
      Fail("GSTS.RTPS clear after GCMD.SRTP", kGsts, 32, kSrtp, kSrtp);
    } else if ((gcmd & kSirtp) && ecaps_.ir && !(gsts & kSirtp)) {
      Fail("GSTS.IRTPS clear after GCMD.SIRTP", kGsts, 32, kSirtp, kSirtp);
    } else if (gsts & kWbf) {
      Fail("GSTS.WBFS still set after the write (the flush completes at once)", kGsts, 32, 0, kWbf);
    }
  }

  uint64_t ReadAt(const PlacedRegister& r) {
    return Observed(r.offset, r.spec->width == 64 ? unit_->ReadRegister64(r.offset)
                                                  : unit_->ReadRegister32(r.offset));
  }

  void CheckRegisters() {
    const int nfr = caps_.num_fault_recording_registers();
    bool any_f = false;
    for (const PlacedRegister& r : *registers_) {
      if (!GateOpen(r.spec->gate, caps_, ecaps_)) continue;
      const uint64_t value = ReadAt(r);
      const uint64_t width_mask = r.spec->width == 64 ? ~uint64_t{0} : 0xffffffff;
      const uint64_t reserved = ~EffectiveMasks(*r.spec, caps_, ecaps_).readable() & width_mask;
      if (value & reserved) {
        Fail(absl::StrFormat("%s reads %#x: reserved bits %#x are set", r.Name(), value,
                             value & reserved),
             r.offset, r.spec->width, 0, reserved);
        return;
      }
      if (r.spec->id == RegId::kFrcdHi && r.index < nfr && (value >> 63) != 0) any_f = true;
      const bool event_control =
          r.spec->id == RegId::kFectl || r.spec->id == RegId::kIectl || r.spec->id == RegId::kPectl;
      if (event_control && (value & (uint64_t{1} << 30)) && !(value & (uint64_t{1} << 31))) {
        Fail(absl::StrFormat("%s reads %#x: IP set with IM clear", r.Name(), value), r.offset, 32,
             0, uint64_t{1} << 30);
        return;
      }
    }
    (void)unit_->TakeDiagnostics();
    const uint32_t fsts = static_cast<uint32_t>(Observed(kFsts, unit_->ReadRegister32(kFsts)));
    const int fri = (fsts >> 8) & 0xff;
    if (fri >= nfr) {
      Fail(absl::StrFormat("FSTS.FRI %d is not below NFR %d", fri, nfr), kFsts, 32, 0, 0xff00);
      return;
    }
    if (((fsts >> 1) & 1) != (any_f ? 1u : 0u)) {
      Fail(absl::StrFormat("FSTS.PPF is %d but the FRCD F bits OR to %d", (fsts >> 1) & 1, any_f),
           kFsts, 32, any_f ? 2 : 0, 2);
      return;
    }
    if (ecaps_.prs && pq_checkable_) {
      const uint64_t size = uint64_t{4096} << (Reg(RegId::kPqa) & 7);
      const uint64_t pqt = Observed(kPqt, unit_->ReadRegister64(kPqt));
      if (pqt >= size) {
        Fail(absl::StrFormat("PQT %#x is outside the %#x-byte page request queue", pqt, size), kPqt,
             64, 0, ~(size - 1));
        return;
      }
    }
    if (ecaps_.qi && iqh_checkable_) {
      const uint64_t iqa = Reg(RegId::kIqa);
      const uint64_t size = uint64_t{4096} << (iqa & 7);
      const bool wide = ((iqa >> 11) & 1) != 0;
      const uint64_t iqh = Observed(kIqh, unit_->ReadRegister64(kIqh));
      if (iqh >= size || (wide && (iqh & 0x10))) {
        Fail(absl::StrFormat("IQH %#x is outside the %#x-byte queue (or misaligned for DW=%d)", iqh,
                             size, wide),
             kIqh, 64, 0, ~(size - 1) | (wide ? 0x10 : 0));
      }
    }
  }

  // ---- The table builder (legacy mode: S §9.1 root, §9.3 context, §9.8 second stage).
  std::optional<uint64_t> NewTable() {
    if (static_cast<int>(pool_.size()) >= kPoolPages) return std::nullopt;
    pool_.push_back(kPoolBase + pool_.size() * 4096);
    return pool_.back();
  }
  bool InPool(uint64_t address) const {
    return address >= kPoolBase && address < kPoolBase + pool_.size() * 4096;
  }
  int SupportedLevels(int choice) const {
    // CAP.SAGAW bit n: AGAW n supported, levels n + 2.
    const uint32_t sagaw = static_cast<uint32_t>((cap_ >> 8) & 0x1f);
    for (int i = 0; i < 3; ++i) {
      const int aw = 1 + (choice + i) % 3;
      if (sagaw & (1u << aw)) return aw + 2;
    }
    return 4;
  }

  // a: R bit 0, W bit 1, leaf level 3:2 (1..3), AW choice 5:4, TT 7:6; b: requester id;
  // c: IOVA page; d: HPA page; e: domain id.
  void Map(const Op& op) {
    const uint16_t sid = op.b;
    const int leaf_level = 1 + ((op.a >> 2) & 3) % 3;
    const uint64_t root_at = kPoolBase + (sid >> 8) * 16;
    uint64_t root = Peek(root_at);
    if ((root & 1) == 0 || !InPool(root & ~uint64_t{0xfff})) {
      std::optional<uint64_t> t = NewTable();
      if (!t) return;
      root = *t | 1;
      MemWrite(root_at, {root, 0});
    }
    const uint64_t context_at = (root & ~uint64_t{0xfff}) + (sid & 0xff) * 16;
    uint64_t lo = Peek(context_at);
    uint64_t hi = Peek(context_at + 8);
    if ((lo & 1) == 0 || !InPool(lo & ~uint64_t{0xfff}) || ((lo >> 2) & 3) >= 2) {
      std::optional<uint64_t> t = NewTable();
      if (!t) return;
      const int levels = SupportedLevels((op.a >> 4) & 3);
      int tt = (op.a >> 6) & 3;
      if (tt == 3) tt = 0;
      lo = *t | (uint64_t(tt) << 2) | 1;
      hi = uint64_t(levels - 2) | ((op.e & 0xff) << 8);
      MemWrite(context_at, {lo, hi});
      if (tt == 2) {
        mapped_.push_back({sid, uint64_t(op.c) << 12, 4096});
        return;
      }
    }
    const int levels = static_cast<int>(hi & 7) + 2;
    const uint64_t page = uint64_t{1} << (12 + 9 * (leaf_level - 1));
    const uint64_t iova_mask = (uint64_t{1} << std::min(12 + 9 * levels, 48)) - 1;
    const uint64_t iova = ((uint64_t(op.c) << 12) & iova_mask) & ~(page - 1);
    const uint64_t hpa = ((op.d << 12) & ((uint64_t{1} << 39) - 1)) & ~(page - 1);
    if (!SsMap(lo & ~uint64_t{0xfff}, levels, iova, hpa | (op.a & 3), leaf_level)) return;
    mapped_.push_back({sid, iova, page});
  }

  // b: which builder table, c: which qword, d: the bits to flip.
  void Mutate(const Op& op) {
    const uint64_t at = pool_[op.b % pool_.size()] + (op.c % 512) * 8;
    MemWrite(at, {Peek(at) ^ op.d});
  }

  // a: 64-bit bit 0, raw offset bit 1, keep misalignment bit 2; b: register or offset;
  // d: value.
  void RawMmioWrite(const Op& op) {
    int width = (op.a & 1) ? 64 : 32;
    uint32_t offset = 0;
    if (op.a & 2) {
      offset = op.b & 0x1fff;
      if (!(op.a & 4)) offset &= ~uint32_t(width / 8 - 1);
    } else {
      const PlacedRegister& r = (*registers_)[op.b % registers_->size()];
      offset = r.offset;
      if (r.spec->width == 32 && (offset & 7)) width = 32;
    }
    MmioWrite(offset, width, op.d);
  }

  void RawMmioRead(const Op& op) {
    const PlacedRegister& r = (*registers_)[op.b % registers_->size()];
    out_.Step(absl::StrFormat("mmio_read: {offset: %#x, width: %d}", r.offset, r.spec->width));
    const uint64_t value = ReadAt(r);
    (void)unit_->TakeDiagnostics();
    out_.Expect({absl::StrCat("value: ", Hex(value))});
  }

  void GlobalInvalidationByRegisters() {
    MmioWrite(kCcmd, 64, (uint64_t{1} << 63) | (uint64_t{1} << 61));
    MmioWrite(ecaps_.iotlb_register_offset() + 8, 64,
              (uint64_t{1} << 63) | (uint64_t{1} << 60) | (uint64_t{3} << 48));
  }

  // a: the sequence (low 3 bits), force register-based invalidation (bit 7); e: parameters.
  void Driver(const Op& op) {
    const bool qi = (Reg(RegId::kGsts) & kQie) != 0 && !(op.a & 0x80);
    const uint64_t did = op.e & 0xffff;
    switch (op.a & 7) {
      case 0:  // enable: RTADDR, SRTP, global invalidations, WBF, TE (Linux
               // iommu_enable_translation)
        MmioWrite(kRtaddr, 64, kPoolBase | ((op.e >> 16) & 0xc00 & (op.e >> 32)));
        MmioWrite(kGcmd, 32, Shadow() | kSrtp);
        GlobalInvalidation(qi);
        if (caps_.rwbf) MmioWrite(kGcmd, 32, Shadow() | kWbf);
        MmioWrite(kGcmd, 32, Shadow() | kTe);
        break;
      case 1:
        GlobalInvalidation(qi);
        break;
      case 2:  // domain-selective context and IOTLB
        if (qi) {
          SubmitDescriptors({{0x1 | (2 << 4) | (did << 16), 0}, {0x2 | (2 << 4) | (did << 16), 0}});
        } else {
          MmioWrite(kCcmd, 64, (uint64_t{1} << 63) | (uint64_t{2} << 61) | did);
          MmioWrite(ecaps_.iotlb_register_offset() + 8, 64,
                    (uint64_t{1} << 63) | (uint64_t{2} << 60) | (did << 32));
        }
        break;
      case 3: {  // page-selective IOTLB
        const uint64_t address = (op.e >> 16) << 12 & ((uint64_t{1} << 48) - 1);
        const uint64_t am = (op.e >> 8) % 10;
        const uint64_t ih = (op.e >> 63) << 6;
        if (qi) {
          SubmitDescriptors({{0x2 | (3 << 4) | (did << 16), address | ih | am}});
        } else {
          MmioWrite(ecaps_.iotlb_register_offset(), 64, address | ih | am);
          MmioWrite(ecaps_.iotlb_register_offset() + 8, 64,
                    (uint64_t{1} << 63) | (uint64_t{3} << 60) | (did << 32));
        }
        break;
      }
      case 4: {  // device-selective context
        const uint64_t sid = (op.e >> 16) & 0xffff;
        const uint64_t fm = (op.e >> 32) & 3;
        if (qi) {
          SubmitDescriptors({{0x1 | (3 << 4) | (did << 16) | (sid << 32) | (fm << 48), 0}});
        } else {
          MmioWrite(kCcmd, 64,
                    (uint64_t{1} << 63) | (uint64_t{3} << 61) | (fm << 32) | (sid << 16) | did);
        }
        break;
      }
      case 5:
        MmioWrite(kGcmd, 32, Shadow() & ~kTe);
        break;
      case 6:
        MmioWrite(kRtaddr, 64, op.e & ~uint64_t{0x37f});
        MmioWrite(kGcmd, 32, Shadow() | kSrtp);
        break;
      case 7:
        MmioWrite(kGcmd, 32, Shadow() | kWbf);
        break;
    }
  }

  void GlobalInvalidation(bool qi) {
    if (qi) {
      SubmitDescriptors({{0x1 | (1 << 4), 0}, {0x2 | (1 << 4), 0}});
    } else {
      GlobalInvalidationByRegisters();
    }
  }

  // ---- Queued invalidation (S §6.5.2).
  uint64_t QueueBase() const { return Reg(RegId::kIqa) & ~uint64_t{0xfff}; }
  bool Wide() const { return ((Reg(RegId::kIqa) >> 11) & 1) != 0; }
  uint64_t QueueSize() const { return uint64_t{4096} << (Reg(RegId::kIqa) & 7); }

  void PutDescriptor(uint64_t q0, uint64_t q1, uint64_t q2 = 0, uint64_t q3 = 0) {
    const uint64_t at = QueueBase() + (tail_ % QueueSize());
    if (Wide()) {
      MemWrite(at, {q0, q1, q2, q3});
      tail_ = (tail_ + 32) % QueueSize();
    } else {
      MemWrite(at, {q0, q1});
      tail_ = (tail_ + 16) % QueueSize();
    }
  }
  void SubmitDescriptors(const std::vector<std::pair<uint64_t, uint64_t>>& descriptors) {
    tail_ = Reg(RegId::kIqt) % QueueSize();
    for (const auto& [q0, q1] : descriptors) PutDescriptor(q0, q1);
    MmioWrite(kIqt, 64, tail_);
  }

  // a: QS bits 1:0, DW bit 3, skip IQT=0 bit 4, reprogram while enabled bit 5.
  void QueueSetup(const Op& op) {
    const bool enabled = (Reg(RegId::kGsts) & kQie) != 0;
    if (enabled && !(op.a & 0x20)) MmioWrite(kGcmd, 32, Shadow() & ~kQie);
    if (!(op.a & 0x10)) MmioWrite(kIqt, 64, 0);
    MmioWrite(kIqa, 64, kQueueBase | (uint64_t((op.a >> 3) & 1) << 11) | (op.a & 3));
    MmioWrite(kGcmd, 32, Shadow() | kQie);
    tail_ = Reg(RegId::kIqt);
  }

  // a: kind bits 3:0, submit bit 7; b, c, d, e: fields (see each kind).
  void Descriptor(const Op& op) {
    tail_ = Reg(RegId::kIqt) % QueueSize();
    const uint64_t b = op.b, c = op.c;
    const uint64_t pasid = op.e & 0xfffff;
    switch (op.a & 15) {
      case 0:  // cc_inv_dsc: G, DID, SID, FM
        PutDescriptor(
            0x1 | (b & 3) << 4 | (c & 0xffff) << 16 | (c >> 16) << 32 | ((b >> 2) & 3) << 48, 0);
        break;
      case 1:  // iotlb_inv_dsc: G, DW, DR, DID; ADDR, IH, AM
        PutDescriptor(0x2 | (b & 3) << 4 | ((b >> 2) & 3) << 6 | (c & 0xffff) << 16,
                      (op.d & ~uint64_t{0xfff} & ((uint64_t{1} << 48) - 1)) | ((b >> 4) & 1) << 6 |
                          ((b >> 5) % 19));
        break;
      case 2:  // dev_tlb_inv_dsc: MIP, SID; ADDR, S
        PutDescriptor(0x3 | ((b >> 1) & 0x1f) << 16 | (c & 0xffff) << 32,
                      (op.d & ~uint64_t{0xfff}) | (b & 1));
        break;
      case 3:  // iec_inv_dsc: G, IM, IIDX
        PutDescriptor(0x4 | (b & 1) << 4 | ((b >> 1) & 0x1f) << 27 | (c & 0xffff) << 32, 0);
        break;
      case 4:  // inv_wait_dsc: IF, SW, FN, status data and address
        PutDescriptor(0x5 | (b & 7) << 4 | c << 32, kStatusBase + (op.d & 0xffc));
        break;
      case 5:  // any bits
        PutDescriptor(op.d, op.e, Wide() ? op.e >> 7 : 0, 0);
        break;
      case 6:  // any type, otherwise valid-looking
        PutDescriptor((op.d & ~uint64_t{0xe0f}) | (b & 0xf) | ((b >> 4) & 7) << 9, op.e);
        break;
      case 7:  // 1..64 wait descriptors without status write (moves the tail around the queue)
      case 15:
        for (uint64_t i = 0; i <= (c & 0x3f); ++i) PutDescriptor(0x5, 0);
        break;
      // The 256-bit descriptors of scalable mode (invalidation.md §3.6-§3.9).
      case 8:  // pc_inv_dsc: G, DID, PASID
        PutDescriptor(0x7 | (b & 3) << 4 | (c & 0xffff) << 16 | pasid << 32, 0);
        break;
      case 9:  // p_iotlb_inv_dsc: G, DID, PASID; ADDR, IH, AM
        PutDescriptor(0x6 | (b & 3) << 4 | (c & 0xffff) << 16 | pasid << 32,
                      (op.d & kAddressBits) | ((b >> 2) & 1) << 6 | ((b >> 3) & 0x3f));
        break;
      case 10:  // p_dev_tlb_inv_dsc: MIP, PFSID, SID, PASID; GI, S, ADDR
        PutDescriptor(0x8 | ((b >> 1) & 0x1f) << 4 | ((b >> 8) & 0xf) << 12 | (c & 0xffff) << 16 |
                          pasid << 32,
                      (op.d & kAddressBits) | (b & 1) | ((b >> 6) & 1) << 11);
        break;
      case 11:  // page_grp_resp_dsc: PP, RC, RID, PASID; PRGI
        PutDescriptor(
            0x9 | (b & 1) << 4 | ((b >> 4) & 0xf) << 12 | (c & 0xffff) << 16 | pasid << 32,
            ((b >> 8) & 0x1ff) << 3);
        break;
      case 12:  // any bits in all four qwords
        PutDescriptor(op.d, op.e, uint64_t{c} << 32 | b, op.e >> 1);
        break;
      case 13:  // types 0x6-0x9 with any other bits
        PutDescriptor((op.d & ~uint64_t{0xe0f}) | (6 + (b & 3)), op.e, (b >> 2) & 1, 0);
        break;
      case 14:  // reserved types 0xa-0xf and types with Type[6:4] set
        PutDescriptor((op.d & ~uint64_t{0xe0f}) | (0xa + b % 6) | ((b >> 4) & 7) << 9, op.e);
        break;
    }
    if (op.a & 0x80) MmioWrite(kIqt, 64, tail_);
  }

  // ---- Interrupt remapping (S §5.1, §9.9, §9.10).
  // a: EIME bit 0, CFI bit 1, skip IRE bit 2, S bits 6:3.
  void IrSetup(const Op& op) {
    MmioWrite(kIrta, 64, kIrtBase | (uint64_t(op.a & 1) << 11) | ((op.a >> 3) & 0xf));
    MmioWrite(kGcmd, 32, Shadow() | kSirtp);
    if (!(op.a & 4)) MmioWrite(kGcmd, 32, Shadow() | kIre | ((op.a & 2) ? kCfi : 0));
  }

  // a: form bits 1:0 (remapped, posted, any bits, remapped not present), FPD bit 2;
  // b: index; c, d, e: fields.
  void Irte(const Op& op) {
    const uint32_t index = op.b % 256;
    const uint64_t c = op.c;
    const uint64_t source = (op.e & 0xffff) | ((op.e >> 16) & 3) << 16 | ((op.e >> 18) & 3) << 18;
    const uint64_t fpd = (op.a >> 2) & 1;
    const bool x2apic = ((Reg(RegId::kIrta) >> 11) & 1) != 0;
    uint64_t lo = 0, hi = 0;
    switch (op.a & 3) {
      case 0:
      case 3: {
        const uint64_t dest = x2apic ? (op.d & 0xffffffff) << 32 : (op.d & 0xff) << 40;
        lo = ((op.a & 3) == 0 ? 1 : 0) | fpd << 1 | (c & 7) << 2 | ((c >> 3) & 7) << 5 |
             ((c >> 8) & 0xff) << 16 | dest;
        hi = source;
        break;
      }
      case 1: {
        const uint64_t pda = kPidBase + ((c >> 16) & 0xff) * 64;
        lo = 1 | fpd << 1 | ((c >> 6) & 1) << 14 | 1 << 15 | ((c >> 8) & 0xff) << 16 |
             ((pda >> 6) & ((uint64_t{1} << 26) - 1)) << 38;
        hi = source | (pda >> 32) << 32;
        break;
      }
      case 2:
        lo = op.d;
        hi = op.e;
        break;
    }
    last_irte_sid_ = static_cast<uint16_t>(op.e);
    MemWrite(kIrtBase + index * 16, {lo, hi});
  }

  // a: form bits 1:0 (remappable MSI, compatibility MSI, IOAPIC, any address), SHV bit 2,
  // requester of the last IRTE bit 3; b: handle; c: sub-handle or data (15:0), requester
  // (31:16); d: address bits.
  void Interrupt(const Op& op) {
    uint16_t sid = (op.a & 8) ? last_irte_sid_ : static_cast<uint16_t>(op.c >> 16);
    const uint64_t handle = op.b;
    uint64_t address = 0;
    uint32_t data = 0;
    switch (op.a & 3) {
      case 0:  // remappable: handle 14:0 at 19:5, handle 15 at 2, IF bit 4, SHV bit 3
        address = 0xfee00000 | (handle & 0x7fff) << 5 | ((handle >> 15) & 1) << 2 | 0x10 |
                  ((op.a >> 2) & 1) << 3;
        data = op.c & 0xffff;
        break;
      case 1:  // compatibility format: destination 19:12, vector and delivery mode in data
        address = 0xfee00000 | (op.c & 0xff) << 12 | (op.d & 0xc);
        data = static_cast<uint32_t>(op.c >> 8) & 0xc7ff;
        break;
      case 2:  // an IOAPIC RTE in remappable format, from the IOAPIC's requester id
        sid = 0xf0f8;
        address = 0xfee00000 | (handle & 0x7fff) << 5 | ((handle >> 15) & 1) << 2 | 0x10;
        data = static_cast<uint32_t>(op.c & 0x80ff);
        break;
      case 3:
        address = 0xfee00000 | (op.d & 0xffffc);
        data = op.c;
        break;
    }
    out_.Step(
        absl::StrFormat("interrupt: {sid: %s, address: %#x, data: %#x}", Sid(sid), address, data));
    InterruptRequest request;
    request.source_id = SourceId(sid);
    request.address = address;
    request.data = data;
    const InterruptOutcome result = unit_->Interrupt(request);
    std::vector<std::string> expect;
    if (result.fault) {
      expect.push_back(
          absl::StrFormat("fault: {reason: %#x}", static_cast<int>(result.fault->reason)));
    } else if (result.result) {
      const InterruptResult& r = *result.result;
      if (r.disposition == InterruptDisposition::kPosted && r.posted) {
        expect.push_back(absl::StrFormat("posted: {pda: %#x, vector: %#x}",
                                         r.posted->target.descriptor_address,
                                         r.posted->target.vector));
      } else {
        expect.push_back(
            absl::StrFormat("vector: %#x, dest: %#x", r.message.vector, r.message.destination));
      }
    }
    if (!result.stale.empty()) {
      if (tracker_.interrupt_clean()) {
        failure_ =
            "the invalidation checker reports a stale interrupt-entry-cache hit after a global "
            "IEC invalidation and no IRT write: " +
            result.stale.front().ToString();
        out_.Line("  # oracle failure: " + failure_);
        expect.push_back("stale: none");
      } else {
        expect.push_back("stale: any");
      }
    }
    out_.Expect(expect);
  }

  // ---- DMA (S §3.1, §4.1).
  // a: write bit 0, AT bits 2:1, PASID bit 3 (a mapping's own PASID when it has one), PR bit 4,
  // ER bit 5, mapped IOVA bit 6, mapped requester bit 7; b: requester; c: PASID / mapping; d:
  // address or offset; e: size (15:0),
  // the interrupt window FEEx_xxxxh bit 62 (address 19:2 from d), NW bit 63 (translation
  // requests: a read-only translation is asked for, S §4.2.3, honoured with ECAP.NWFS).
  void Dma(const Op& op) {
    DmaRequest req;
    req.source_id = SourceId(op.b);
    req.address = op.d;
    if ((op.e >> 62) & 1) {
      req.address = 0xfee00000 | (op.d & 0xffffc);
    }
    std::optional<uint32_t> mapped_pasid;
    if (!((op.e >> 62) & 1) && (op.a & 0x40) && !mapped_.empty()) {
      const Mapping& m = mapped_[op.c % mapped_.size()];
      req.address = m.iova + (op.d & (m.size - 1));
      if (op.a & 0x80) req.source_id = SourceId(m.sid);
      mapped_pasid = m.pasid;
    }
    const int room = 4096 - static_cast<int>(req.address & 0xfff);
    req.size = 1 + static_cast<int>((op.e & 0xffff) % room);
    req.access = (op.a & 1) ? AccessKind::kWrite : AccessKind::kRead;
    static constexpr RequestType kTypes[] = {RequestType::kUntranslated, RequestType::kTranslation,
                                             RequestType::kTranslated, RequestType::kUntranslated};
    req.type = kTypes[(op.a >> 1) & 3];
    if (op.a & 8) req.pasid = mapped_pasid.value_or(op.c & 0xfffff);
    req.privileged = (op.a & 0x10) != 0;
    req.execute = (op.a & 0x20) != 0;
    req.no_write = req.type == RequestType::kTranslation && (op.e >> 63) != 0;
    static constexpr const char* kAt[] = {"untranslated", "translation_request", "translated",
                                          "untranslated"};
    std::string step = absl::StrFormat("dma: {sid: %s, addr: %#x, size: %d, access: %s, at: %s",
                                       Sid(req.source_id.value()), req.address, req.size,
                                       (op.a & 1) ? "write" : "read", kAt[(op.a >> 1) & 3]);
    if (req.pasid) absl::StrAppend(&step, ", pasid: ", Hex(*req.pasid));
    if (req.privileged) absl::StrAppend(&step, ", priv: true");
    if (req.execute) absl::StrAppend(&step, ", exec: true");
    if (req.no_write) absl::StrAppend(&step, ", nw: true");
    out_.Step(step + "}");

    requesters_.insert(req.source_id.value());
    requests_.emplace(req.source_id.value(), req.pasid.value_or(kNoPasid));
    const DmaAnswer got = UnitDma(*unit_, req, hooks_);
    std::vector<std::string> expect = DmaExpect(got);
    const bool scalable = ScalableModeActive(unit_->walk_config());
    const bool clean = tracker_.dma_clean(scalable) && unit_->translation_enabled() &&
                       !got.skip_oracles &&
                       (scalable ? ScalableDomainsConsistent() : DomainsConsistent());
    if (clean && got.stale) {
      failure_ =
          "the invalidation checker reports a stale hit after global context-cache and "
          "IOTLB invalidations with no table write since";
      expect.push_back("stale: none");
    } else if (got.stale) {
      expect.push_back("stale: any");
    }
    if (failure_.empty() && clean) {
      const std::optional<DmaAnswer> walk = WalkDma(*unit_, *formats_, *memory_, req, hooks_);
      if (walk && walk->detail != got.detail) {
        failure_ = absl::StrCat("cache transparency: the unit answered ", got.detail,
                                " but the walk over current memory answers ", walk->detail);
        expect = DmaExpect(*walk);
      }
    }
    const int ttm = unit_->walk_config().ttm();
    if (failure_.empty() && clean && got.ok && req.type == RequestType::kUntranslated &&
        (ttm == 0 || scalable)) {
      TableEnumerator tables(*memory_, unit_->walk_config().haw);
      IsolationQuery q;
      q.sid = req.source_id.value();
      q.pasid = req.pasid;
      q.privileged = req.privileged;
      q.iova = req.address;
      q.hpa = got.hpa;
      q.write = req.access == AccessKind::kWrite;
      const uint64_t rta = unit_->walk_config().root_table();
      const std::optional<bool> maps =
          scalable ? tables.ScalableMaps(rta, q) : tables.LegacyMaps(rta, q);
      if (maps.has_value() && !*maps) {
        failure_ = absl::StrFormat(
            "isolation: the DMA reached %#x but no present table entry maps that page for "
            "requester %s with %s permission",
            got.hpa, Sid(req.source_id.value()), (op.a & 1) ? "write" : "read");
        const std::optional<DmaAnswer> walk = WalkDma(*unit_, *formats_, *memory_, req, hooks_);
        expect = walk && !walk->ok ? DmaExpect(*walk) : std::vector<std::string>{};
      }
    }
    if (!failure_.empty()) out_.Line("    # oracle failure: " + failure_);
    out_.Expect(expect);
  }

  // Caches are tagged by domain id: software must give every context entry of a domain the
  // same second-stage tables, address width and translation type (S §3.4.3, §6.2.1). When the
  // requesters seen so far break that, the unit may legitimately answer from another
  // requester's entries, and the transparency and isolation oracles do not apply.
  bool DomainsConsistent() const {
    const uint64_t rta = unit_->walk_config().root_table();
    std::map<uint16_t, std::pair<uint64_t, uint64_t>> domains;
    for (uint16_t sid : requesters_) {
      const uint64_t root = Peek(rta + (sid >> 8) * 16);
      if ((root & 1) == 0) continue;
      const uint64_t at = (root & 0x000ffffffffff000) + (sid & 0xff) * 16;
      const uint64_t lo = Peek(at), hi = Peek(at + 8);
      if ((lo & 1) == 0) continue;
      const uint16_t did = static_cast<uint16_t>(hi >> 8);
      const auto [it, inserted] = domains.try_emplace(did, lo & ~uint64_t{3}, hi & 7);
      if (!inserted && it->second != std::make_pair(lo & ~uint64_t{3}, hi & 7)) return false;
    }
    return true;
  }

  // Second-stage entries from `root` (`levels` levels, S §9.8) so that `iova` reaches `leaf`
  // (the output address with its R/W bits) at `leaf_level`: tables the builder made are
  // reused, anything else is replaced by a new table. False when the pool is exhausted.
  bool SsMap(uint64_t root, int levels, uint64_t iova, uint64_t leaf, int leaf_level) {
    // The depth comes from an AW field read back from memory, which a program may have set to
    // a reserved value (AW 4-7: 6-9 levels). Such an entry faults on the walk (S §9.3, §9.6);
    // there is nothing to map, and beyond 6 levels the index shift would pass 63 bits.
    if (levels < 2 || levels > 5 || leaf_level < 1 || leaf_level > levels) return false;
    uint64_t table = root;
    for (int level = levels; level > leaf_level; --level) {
      const uint64_t at = table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
      const uint64_t entry = Peek(at);
      const uint64_t next = entry & kAddressBits;
      if ((entry & 3) == 3 && !(entry & 0x80) && InPool(next)) {
        table = next;
        continue;
      }
      std::optional<uint64_t> t = NewTable();
      if (!t) return false;
      MemWrite(at, {*t | 3});
      table = *t;
    }
    MemWrite(table + ((iova >> (12 + 9 * (leaf_level - 1))) & 511) * 8,
             {leaf | (leaf_level > 1 ? 0x80 : 0)});
    return true;
  }

  // First-stage entries (S §9.7) from `root`, the same way; table entries get `table_bits`
  // (P, R/W, U/S, A), new tables are announced to `new_table` (nested: the second stage must
  // map them).
  bool FsMap(uint64_t root, int levels, uint64_t iova, uint64_t leaf, int leaf_level,
             uint64_t table_bits, const std::function<bool(uint64_t)>& new_table) {
    uint64_t table = root;
    for (int level = levels; level > leaf_level; --level) {
      const uint64_t at = table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
      const uint64_t entry = Peek(at);
      const uint64_t next = entry & kAddressBits;
      if ((entry & 1) && !(entry & 0x80) && InPool(next)) {
        table = next;
        continue;
      }
      std::optional<uint64_t> t = NewTable();
      if (!t || !new_table(*t)) return false;
      MemWrite(at, {*t | table_bits});
      table = *t;
    }
    MemWrite(table + ((iova >> (12 + 9 * (leaf_level - 1))) & 511) * 8,
             {leaf | (leaf_level > 1 ? 0x80 : 0)});
    return true;
  }

  // ---- Scalable mode (S §3.4.3, §9.2, §9.4-§9.8; translation-structures.md §3-§11).
  uint32_t PasidLimit() const {
    // The builder's PASID directory is one page (PDTS=2: 512 entries, PASIDs below 2^15),
    // within ECAP.PSS.
    return std::min<uint32_t>(0x7fff, (uint32_t{2} << ecaps_.pss) - 1);
  }

  // a: R bit 0, W bit 1, leaf level 3:2 (1..3), PGTT choice 6:4 (second, second, first,
  // nested, pass-through, first, nested, raw from d 63:61), first-stage U/S bit 7; b:
  // requester; c: IOVA page; d: HPA page; e: PASID 19:0, for requests with PASID bit 20,
  // RID_PASID 35:21 (with ECAP.RPS), DID 51:36, SRE 52, WPE 53, SSADE 54, PWSNP 55, 5-level
  // first stage 56, DTE 57, PRE 58, AW choice 60:59, A/D preset in first-stage entries 61.
  void SmMap(const Op& op) {
    const uint16_t sid = op.b;
    const uint64_t e = op.e;
    const uint8_t devfn = sid & 0xff;
    const uint64_t root_at = kSmRootBase + (sid >> 8) * 16 + (devfn >= 0x80 ? 8 : 0);
    uint64_t root = Peek(root_at);
    if ((root & 1) == 0 || !InPool(root & kAddressBits)) {
      std::optional<uint64_t> t = NewTable();
      if (!t) return;
      root = *t | 1;  // LP (UP in the upper half)
      MemWrite(root_at, {root});
    }
    const uint64_t context_at = (root & kAddressBits) + 32 * (devfn & 0x7f);
    uint64_t c0 = Peek(context_at), c1 = Peek(context_at + 8);
    if ((c0 & 1) == 0 || !InPool(c0 & kAddressBits)) {
      std::optional<uint64_t> directory = NewTable();
      if (!directory) return;
      const uint64_t dte = ecaps_.dt ? (e >> 57) & 1 : 0;
      const uint64_t pre = dte && ecaps_.prs ? (e >> 58) & 1 : 0;
      c0 = *directory | 1 | dte << 2 | uint64_t{ecaps_.pasid} << 3 | pre << 4 | uint64_t{2} << 9;
      c1 = ecaps_.rps ? ((e >> 21) & PasidLimit()) : 0;
      MemWrite(context_at, {c0, c1, 0, 0});
    }
    const bool with_pasid = ((e >> 20) & 1) && ecaps_.pasid;
    const uint32_t pasid =
        with_pasid ? static_cast<uint32_t>(e & PasidLimit()) : static_cast<uint32_t>(c1 & 0xfffff);
    const uint64_t directory_at = (c0 & kAddressBits) + 8 * (pasid >> 6);
    uint64_t directory = Peek(directory_at);
    if ((directory & 1) == 0 || !InPool(directory & kAddressBits)) {
      std::optional<uint64_t> t = NewTable();
      if (!t) return;
      directory = *t | 1;
      MemWrite(directory_at, {directory});
    }
    static constexpr uint64_t kPgtts[] = {2, 2, 1, 3, 4, 1, 3};
    const int choice = (op.a >> 4) & 7;
    const uint64_t pgtt = choice < 7 ? kPgtts[choice] : op.d >> 61;
    const bool second = pgtt == 2 || pgtt == 3;
    const bool first = pgtt == 1 || pgtt == 3;
    const uint64_t entry_at = (directory & kAddressBits) + 64 * (pasid & 0x3f);
    uint64_t p0 = Peek(entry_at), p2 = Peek(entry_at + 16);
    if ((p0 & 1) == 0 || ((p0 >> 6) & 7) != pgtt || (second && !InPool(p0 & kAddressBits)) ||
        (first && !InPool(p2 & kAddressBits))) {
      const int levels = SupportedLevels(static_cast<int>(e >> 59) & 3);
      std::optional<uint64_t> ss_root, fs_root;
      if (second && !(ss_root = NewTable())) return;
      if (first && !(fs_root = NewTable())) return;
      const uint64_t ssade = second && ecaps_.ssads ? (e >> 54) & 1 : 0;
      const uint64_t pwsnp = ecaps_.smpwcs ? (e >> 55) & 1 : 0;
      const uint64_t sre = ecaps_.srs ? (e >> 52) & 1 : 0;
      const uint64_t fspm = first && caps_.fs5lp ? (e >> 56) & 1 : 0;
      p0 = 1 | uint64_t(levels - 2) << 2 | pgtt << 6 | ssade << 9 | ss_root.value_or(0);
      const uint64_t p1 = ((e >> 36) & 0xffff) | pwsnp << 23;
      p2 = sre | fspm << 2 | ((e >> 53) & 1) << 4 | fs_root.value_or(0);
      MemWrite(entry_at, {p0, p1, p2, 0, 0, 0, 0, 0});
      // Nested: the first-stage root is a guest-physical address, identity-mapped.
      if (pgtt == 3 && !SsMap(*ss_root, levels, *fs_root, *fs_root | 3, 1)) return;
    }
    const int leaf_level = 1 + ((op.a >> 2) & 3) % 3;
    const uint64_t page = uint64_t{1} << (12 + 9 * (leaf_level - 1));
    const int ss_levels = static_cast<int>((p0 >> 2) & 7) + 2;
    const int fs_levels = ((p2 >> 2) & 3) == 1 ? 5 : 4;
    const int width = first ? 12 + 9 * fs_levels - 1 : std::min(12 + 9 * ss_levels, 48);
    const uint64_t iova = ((uint64_t(op.c) << 12) & ((uint64_t{1} << width) - 1)) & ~(page - 1);
    const uint64_t hpa = ((op.d << 12) & ((uint64_t{1} << 39) - 1)) & ~(page - 1);
    const uint64_t fs_leaf = hpa | 1 | (op.a & 2) | ((op.a >> 5) & 4) | ((e >> 61) & 1) * 0x60;
    const uint64_t fs_tables = 7 | ((e >> 61) & 1) * 0x20;
    const std::optional<uint32_t> tag = with_pasid ? std::optional<uint32_t>(pasid) : std::nullopt;
    switch (pgtt) {
      case 1:
        if (!FsMap(p2 & kAddressBits, fs_levels, iova, fs_leaf, leaf_level, fs_tables,
                   [](uint64_t) { return true; })) {
          return;
        }
        break;
      case 2:
        if (!SsMap(p0 & kAddressBits, ss_levels, iova, hpa | (op.a & 3), leaf_level)) return;
        break;
      case 3: {
        // First-stage tables are guest-physical: each new one is identity-mapped by the
        // second stage, and the guest page (`hpa`) reaches host memory 1 GiB above it.
        const uint64_t ss_root = p0 & kAddressBits;
        if (!FsMap(p2 & kAddressBits, fs_levels, iova, fs_leaf, leaf_level, fs_tables,
                   [&](uint64_t t) { return SsMap(ss_root, ss_levels, t, t | 3, 1); }) ||
            !SsMap(ss_root, ss_levels, hpa,
                   ((hpa + (uint64_t{1} << 30)) & ((uint64_t{1} << 39) - 1)) | (op.a & 3),
                   leaf_level)) {
          return;
        }
        break;
      }
      case 4:
        break;
      default:
        return;
    }
    mapped_.push_back({sid, iova, page, tag});
  }

  // The queue as Linux sets it up in scalable mode: QIE off, IQT=0, IQA with 256-bit
  // descriptors, QIE on.
  void SetUpWideQueue() {
    if (Reg(RegId::kGsts) & kQie) MmioWrite(kGcmd, 32, Shadow() & ~kQie);
    MmioWrite(kIqt, 64, 0);
    MmioWrite(kIqa, 64, kQueueBase | (uint64_t{1} << 11));
    MmioWrite(kGcmd, 32, Shadow() | kQie);
    tail_ = Reg(RegId::kIqt);
  }

  // Global context-cache, PASID-cache and IOTLB invalidation (invalidation.md §3.7: a PASID
  // cache invalidation is followed by the IOTLB one).
  void ScalableGlobalInvalidation() {
    if ((Reg(RegId::kGsts) & kQie) == 0) {
      GlobalInvalidationByRegisters();
      return;
    }
    SubmitDescriptors({{0x1 | (1 << 4), 0}, {0x7 | (3 << 4), 0}, {0x2 | (1 << 4), 0}});
  }

  // a: the sequence (low 3 bits); b: requester; c: MIP / PRGI (8:0), response code (11:8);
  // d: address; e: DID 15:0, PASID 35:16, AM 41:36, IH 42, variant 43 (domain-selective PASID
  // cache, GI, PP), PQS 46:44, PECTL.IM 47.
  void SmDriver(const Op& op) {
    const uint64_t did = op.e & 0xffff;
    const uint64_t pasid = (op.e >> 16) & 0xfffff;
    const uint64_t address = op.d & kAddressBits;
    const uint64_t variant = (op.e >> 43) & 1;
    switch (op.a & 7) {
      case 0:  // bring-up (Linux intel_iommu scalable mode): QI, TTM=01b, SRTP, invalidations, TE
        if (ecaps_.qi) SetUpWideQueue();
        MmioWrite(kRtaddr, 64, kSmRootBase | (uint64_t{1} << 10));
        MmioWrite(kGcmd, 32, Shadow() | kSrtp);
        ScalableGlobalInvalidation();
        MmioWrite(kGcmd, 32, Shadow() | kTe);
        break;
      case 1:
        ScalableGlobalInvalidation();
        break;
      case 2:  // pc_inv_dsc PASID-selective (or domain-selective), then p_iotlb_inv_dsc
        SubmitDescriptors({{0x7 | (variant ^ 1) << 4 | did << 16 | pasid << 32, 0},
                           {0x6 | (2 << 4) | did << 16 | pasid << 32, 0}});
        break;
      case 3:  // p_iotlb_inv_dsc page-selective-within-PASID
        SubmitDescriptors({{0x6 | (3 << 4) | did << 16 | pasid << 32,
                            address | ((op.e >> 42) & 1) << 6 | ((op.e >> 36) & 0x3f)}});
        break;
      case 4:  // p_dev_tlb_inv_dsc
        SubmitDescriptors({{0x8 | uint64_t(op.c & 0x1f) << 4 | uint64_t{op.b} << 16 | pasid << 32,
                            address | variant | ((op.e >> 42) & 1) << 11}});
        break;
      case 5: {  // page_grp_resp_dsc: response code success, invalid request or failure
        static constexpr uint64_t kCodes[] = {0x0, 0x1, 0xf, 0x0};
        SubmitDescriptors({{0x9 | variant << 4 | kCodes[(op.c >> 8) & 3] << 12 |
                                uint64_t{op.b} << 16 | pasid << 32,
                            uint64_t(op.c & 0x1ff) << 3}});
        break;
      }
      case 6:  // page request queue: empty, PQA with PQS, event message, IM
        MmioWrite(kPqh, 64, 0);
        MmioWrite(kPqt, 64, 0);
        MmioWrite(kPqa, 64, kPrqBase | ((op.e >> 44) & 7));
        MmioWrite(kPedata, 32, 0x40 + (did & 0xff));
        MmioWrite(kPeaddr, 32, 0xfee00000);
        MmioWrite(kPectl, 32, uint32_t((op.e >> 47) & 1) << 31);
        pq_checkable_ = true;
        break;
      case 7: {  // software takes every request: PQH = PQT, then clears PPR and PRO
        const uint64_t tail = Observed(kPqt, unit_->ReadRegister64(kPqt));
        out_.Step(absl::StrFormat("mmio_read: {offset: %#x, width: 64}", kPqt));
        out_.Expect({absl::StrCat("value: ", Hex(tail))});
        MmioWrite(kPqh, 64, tail);
        MmioWrite(kPrs, 32, 3);
        break;
      }
    }
  }

  // ---- Page requests (S §7.5).
  // a: PP bit 0, ER bit 1, PM bit 2, RDR bit 3, WRR bit 4, LPIG bit 5, a mapping's requester,
  // page and PASID bit 6; b: requester; c: PASID / mapping; d: address; e: PRGI (8:0).
  void PageRequest(const Op& op) {
    PageRequestDescriptor r;
    r.rid = op.b;
    r.pasid_present = (op.a & 1) != 0;
    r.pasid = op.c & 0xfffff;
    r.address = op.d & kAddressBits;
    if ((op.a & 0x40) && !mapped_.empty()) {
      const Mapping& m = mapped_[op.c % mapped_.size()];
      r.rid = m.sid;
      r.address = m.iova & ~uint64_t{0xfff};
      r.pasid_present = m.pasid.has_value();
      r.pasid = m.pasid.value_or(0);
    }
    if (!r.pasid_present) r.pasid = 0;
    r.execute = (op.a & 2) != 0;
    r.privileged = (op.a & 4) != 0;
    r.read = (op.a & 8) != 0;
    r.write = (op.a & 0x10) != 0;
    r.last_in_group = (op.a & 0x20) != 0;
    r.prgi = static_cast<uint16_t>(op.e & 0x1ff);
    // The scenario `page_request` step carries a request that reads or writes, with ER/PM only
    // under a PASID (S §7.5.1); any other request is named in a comment, and a transcript with
    // one replays only up to it.
    const bool as_step =
        ecaps_.prs && (r.read || r.write) && (r.pasid_present || (!r.execute && !r.privileged));
    if (as_step) {
      std::string line = absl::StrFormat("  - page_request: {sid: %s", Sid(r.rid));
      if (r.pasid_present) absl::StrAppendFormat(&line, ", pasid: %#x", r.pasid);
      if (r.execute) line += ", exec: true";
      if (r.privileged) line += ", priv: true";
      absl::StrAppendFormat(&line, ", addr: %#x, access: %s, last: %s, prgi: %#x}", r.address,
                            r.read && r.write ? "read_write"
                            : r.read          ? "read"
                                              : "write",
                            r.last_in_group ? "true" : "false", r.prgi);
      out_.Line(line);
    } else {
      out_.Line(absl::StrFormat(
          "  # page_request: {sid: %s, pasid_present: %d, pasid: %#x, addr: %#x, read: %d, "
          "write: %d, exec: %d, priv: %d, lpig: %d, prgi: %#x}",
          Sid(r.rid), r.pasid_present, r.pasid, r.address, r.read, r.write, r.execute, r.privileged,
          r.last_in_group, r.prgi));
    }
    const uint64_t pqh = Reg(RegId::kPqh), pqt = Reg(RegId::kPqt), pqa = Reg(RegId::kPqa);
    const PageRequestResult result = unit_->PageRequest(r);
    if (as_step) {
      const char* outcome = result.fault                                               ? "fault"
                            : !result.queued                                           ? nullptr
                            : result.queued->kind == PageRequestOutcome::Kind::kQueued ? "queued"
                            : result.queued->kind == PageRequestOutcome::Kind::kOverflow
                                ? "overflow"
                                : "write_error";
      if (outcome != nullptr) out_.Line(absl::StrFormat("    expect: {outcome: %s}", outcome));
    }
    if (!ecaps_.prs || !result.status.ok() || !pq_checkable_) return;
    const uint64_t size = uint64_t{4096} << (pqa & 7);
    const uint64_t tail = pqt & 0x7ffe0, head = pqh & 0x7ffe0;
    const uint64_t new_tail = Observed(kPqt, unit_->ReadRegister64(kPqt));
    const uint32_t prs = static_cast<uint32_t>(Observed(kPrs, unit_->ReadRegister32(kPrs)));
    (void)unit_->TakeDiagnostics();
    if (!result.queued) {
      if (new_tail != pqt) {
        PageRequestFail("a blocked page request moved PQT", pqt);
      }
      return;
    }
    if ((tail + 32) % size == head) {
      if (result.queued->kind != PageRequestOutcome::Kind::kOverflow || new_tail != pqt ||
          !(prs & 2)) {
        PageRequestFail("a page request to a full queue must set PRS.PRO and write nothing", pqt);
      }
      return;
    }
    if (result.queued->kind != PageRequestOutcome::Kind::kQueued) return;
    // Linux's page_req_dsc: type 01h, PP 8, RID 31:16, PASID 51:32, ER 52, PM 53; RDR 64,
    // WRR 65, LPIG 66, PRGI 75:67, ADDR 127:76.
    const uint64_t q0 = 0x1 | uint64_t{r.pasid_present} << 8 | uint64_t{r.rid} << 16 |
                        uint64_t{r.pasid} << 32 | uint64_t{r.execute} << 52 |
                        uint64_t{r.privileged} << 53;
    const uint64_t q1 = uint64_t{r.read} | uint64_t{r.write} << 1 | uint64_t{r.last_in_group} << 2 |
                        uint64_t{r.prgi} << 3 | r.address;
    const uint64_t at = (pqa & kAddressBits) + tail;
    if (Peek(at) != q0 || Peek(at + 8) != q1 || Peek(at + 16) != 0 || Peek(at + 24) != 0) {
      PageRequestFail(
          absl::StrFormat("the page request descriptor at %#x is not %#x %#x 0 0", at, q0, q1),
          (tail + 32) % size);
    } else if (new_tail != (tail + 32) % size || !(prs & 1)) {
      PageRequestFail("a queued page request must advance PQT by 32 and set PRS.PPR",
                      (tail + 32) % size);
    }
  }
  void PageRequestFail(const std::string& what, uint64_t expected_pqt) {
    Fail("page request queue: " + what, kPqt, 64, expected_pqt, ~uint64_t{0});
  }

  // Scalable-mode caches are tagged by DID and PASID (IOTLB, PASID cache) and second-stage
  // paging-structure entries by DID (S §6.2.2-§6.2.4): software must give a (DID, PASID) one
  // PASID-table entry and a DID one second-stage table. When the requests seen so far break
  // that, the oracles comparing with memory do not apply.
  bool ScalableDomainsConsistent() const {
    const uint64_t rta = unit_->walk_config().root_table();
    std::map<std::pair<uint16_t, uint32_t>, std::array<uint64_t, 3>> entries;
    std::map<uint16_t, uint64_t> second_stage;
    for (const auto& [sid, request_pasid] : requests_) {
      const uint8_t devfn = sid & 0xff;
      const uint64_t root = Peek(rta + (sid >> 8) * 16 + (devfn >= 0x80 ? 8 : 0));
      if ((root & 1) == 0) continue;
      const uint64_t context_at = (root & kAddressBits) + 32 * (devfn & 0x7f);
      const uint64_t c0 = Peek(context_at), c1 = Peek(context_at + 8);
      if ((c0 & 1) == 0) continue;
      const uint32_t pasid =
          request_pasid != kNoPasid ? request_pasid : static_cast<uint32_t>(c1 & 0xfffff);
      const uint64_t directory = Peek((c0 & kAddressBits) + 8 * (pasid >> 6));
      if ((directory & 1) == 0) continue;
      const uint64_t at = (directory & kAddressBits) + 64 * (pasid & 0x3f);
      const std::array<uint64_t, 3> entry = {Peek(at) & ~uint64_t{2}, Peek(at + 8), Peek(at + 16)};
      if ((entry[0] & 1) == 0) continue;
      const uint16_t did = static_cast<uint16_t>(entry[1]);
      const auto [it, inserted] = entries.try_emplace({did, pasid}, entry);
      if (!inserted && it->second != entry) return false;
      const uint64_t pgtt = (entry[0] >> 6) & 7;
      if (pgtt == 2 || pgtt == 3) {
        const uint64_t tables = entry[0] & (kAddressBits | 0x1c);
        const auto [ss, added] = second_stage.try_emplace(did, tables);
        if (!added && ss->second != tables) return false;
      }
    }
    return true;
  }

  // a: region; c: offset; d: value.
  void MemWriteOp(const Op& op) {
    static constexpr uint64_t kRegions[] = {kPoolBase, kQueueBase, kStatusBase,
                                            kIrtBase,  kPidBase,   kDataBase};
    MemWrite(kRegions[op.a % std::size(kRegions)] + ((op.c % 0x10000) & ~uint64_t{7}), {op.d});
  }

  struct Mapping {
    uint16_t sid;
    uint64_t iova;
    uint64_t size;
    std::optional<uint32_t> pasid = std::nullopt;  // a scalable mapping for requests with PASID
  };

  Profile profile_;
  Transcript& out_;
  uint64_t cap_ = 0, ecap_ = 0;
  Capability caps_;
  ExtendedCapability ecaps_;
  const std::vector<PlacedRegister>* registers_ = nullptr;  // the platform's
  const TestHooks& hooks_;
  bool check_invalidation_ = true;
  HostMemory* memory_ = nullptr;          // the platform's
  RemappingUnit* unit_ = nullptr;         // the platform's
  const WalkFormats* formats_ = nullptr;  // the platform's
  CleanTracker tracker_;
  std::vector<uint64_t> pool_;
  std::vector<Mapping> mapped_;
  std::set<uint16_t> requesters_;
  uint64_t tail_ = 0;
  uint16_t last_irte_sid_ = 0;
  bool iqh_checkable_ = true;
  bool pq_checkable_ = true;
  std::set<std::pair<uint16_t, uint32_t>> requests_;  // requester, PASID (kNoPasid: none)
  std::string failure_;
};

// Input byte -> operation, per target: each target draws mostly from its own operations and
// keeps the others available (a queue target still needs tables and DMAs to invalidate).
OpKind KindFor(Profile profile, uint8_t byte) {
  static constexpr OpKind kUnitKinds[] = {
      OpKind::kMap,        OpKind::kMap,        OpKind::kMap,      OpKind::kDma,
      OpKind::kDma,        OpKind::kDma,        OpKind::kDriver,   OpKind::kDriver,
      OpKind::kMutate,     OpKind::kMmioWrite,  OpKind::kMmioRead, OpKind::kMemWrite,
      OpKind::kQueueSetup, OpKind::kDescriptor, OpKind::kSmMap,    OpKind::kSmMap,
      OpKind::kSmMap,      OpKind::kSmDriver,   OpKind::kSmDriver, OpKind::kPageRequest};
  static constexpr OpKind kQueueKinds[] = {
      OpKind::kQueueSetup, OpKind::kDescriptor, OpKind::kDescriptor, OpKind::kDescriptor,
      OpKind::kMap,        OpKind::kDma,        OpKind::kDriver,     OpKind::kMmioWrite,
      OpKind::kMmioRead,   OpKind::kMemWrite,   OpKind::kIrte,       OpKind::kInterrupt,
      OpKind::kSmMap,      OpKind::kSmDriver,   OpKind::kDescriptor, OpKind::kPageRequest};
  static constexpr OpKind kInterruptKinds[] = {
      OpKind::kIrSetup,   OpKind::kIrte,       OpKind::kIrte,       OpKind::kInterrupt,
      OpKind::kInterrupt, OpKind::kQueueSetup, OpKind::kDescriptor, OpKind::kMmioWrite,
      OpKind::kMmioRead,  OpKind::kMemWrite};
  switch (profile) {
    case Profile::kUnit:
      return kUnitKinds[byte % std::size(kUnitKinds)];
    case Profile::kQueue:
      return kQueueKinds[byte % std::size(kQueueKinds)];
    case Profile::kInterrupt:
      return kInterruptKinds[byte % std::size(kInterruptKinds)];
  }
  return OpKind::kMap;
}

uint8_t ByteFor(Profile profile, OpKind kind) {
  for (int b = 0; b < 256; ++b) {
    if (KindFor(profile, static_cast<uint8_t>(b)) == kind) return static_cast<uint8_t>(b);
  }
  return 0;
}

uint64_t Le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void PutLe(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

std::string g_write_scenario;  // --write-scenario=PATH

}  // namespace

const char* ProfileName(Profile profile) {
  switch (profile) {
    case Profile::kUnit:
      return "unit";
    case Profile::kQueue:
      return "queue";
    case Profile::kInterrupt:
      return "interrupt";
  }
  return "unit";
}

Program DecodeProgram(Profile profile, const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  Program p;
  bytes.resize(std::max(bytes.size(), kHeaderBytes));
  p.cap_variant = bytes[0];
  p.ecap_variant = bytes[1];
  p.cap_flip = bytes[2];
  p.ecap_flip = bytes[3];
  const size_t n =
      std::min((size > kHeaderBytes ? size - kHeaderBytes + kOpBytes - 1 : 0) / kOpBytes, kMaxOps);
  bytes.resize(kHeaderBytes + n * kOpBytes);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* r = bytes.data() + kHeaderBytes + i * kOpBytes;
    Op op;
    op.kind = KindFor(profile, r[0]);
    op.a = r[1];
    op.b = static_cast<uint16_t>(Le(r + 2, 2));
    op.c = static_cast<uint32_t>(Le(r + 4, 4));
    op.d = Le(r + 8, 8);
    op.e = Le(r + 16, 8);
    p.ops.push_back(op);
  }
  return p;
}

std::vector<uint8_t> EncodeProgram(Profile profile, const Program& program) {
  std::vector<uint8_t> out = {program.cap_variant, program.ecap_variant, program.cap_flip,
                              program.ecap_flip};
  for (const Op& op : program.ops) {
    out.push_back(ByteFor(profile, op.kind));
    out.push_back(op.a);
    PutLe(out, op.b, 2);
    PutLe(out, op.c, 4);
    PutLe(out, op.d, 8);
    PutLe(out, op.e, 8);
  }
  return out;
}

RunResult RunProgram(Profile profile, const Program& program, const std::string* stream_path,
                     const TestHooks* hooks) {
  static const TestHooks kNoHooks;
  const TestHooks& h = hooks != nullptr ? *hooks : kNoHooks;
  RunResult result;
  Transcript out(stream_path);
  Machine machine(profile, program, out, h);
  if (!machine.Build()) {
    result.skipped = true;
    return result;
  }
  for (size_t i = 0; i < program.ops.size(); ++i) {
    if (h.before_op) h.before_op(i, machine.memory(), machine.unit());
    if (!machine.Run(program.ops[i])) break;
  }
  result.failure = machine.failure();
  result.transcript = out.text();
  return result;
}

std::string CheckProgram(Profile profile, const Program& program, const std::string* stream_path,
                         const TestHooks* hooks, RunResult* first_run) {
  RunResult first = RunProgram(profile, program, stream_path, hooks);
  std::string failure = first.failure;
  if (failure.empty() && !first.skipped) {
    const RunResult second = RunProgram(profile, program, nullptr, hooks);
    if (second.transcript != first.transcript)
      failure = "determinism: two runs of the input differ";
  }
  if (first_run != nullptr) *first_run = std::move(first);
  return failure;
}

int FuzzOneInput(Profile profile, const uint8_t* data, size_t size) {
  const Program program = DecodeProgram(profile, data, size);
  const std::string* path = g_write_scenario.empty() ? nullptr : &g_write_scenario;
  RunResult first;
  const std::string failure = CheckProgram(profile, program, path, nullptr, &first);
  if (failure.empty()) return 0;
  std::fprintf(stderr, "vtd %s fuzzer: %s\n--- scenario ---\n%s", ProfileName(profile),
               failure.c_str(), first.transcript.c_str());
  if (path != nullptr) std::fprintf(stderr, "--- written to %s\n", path->c_str());
  std::abort();
}

void ParseFlags(int* argc, char*** argv) {
  static constexpr char kFlag[] = "--write-scenario=";
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = (*argv)[i];
    if (arg.rfind(kFlag, 0) == 0) g_write_scenario = arg.substr(sizeof(kFlag) - 1);
  }
}

}  // namespace vtd::fuzz

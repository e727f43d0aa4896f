// Executes fuzz programs (unit_program.h) on one RemappingUnit and checks the oracles.
//
// Memory layout of the generated platform (32 MiB of host memory):
//   0x0100000  table pool: the root table, then context and second-stage tables (256 pages)
//   0x0800000  invalidation queue (IQA)           0x0900000  wait-descriptor status words
//   0x0a00000  interrupt-remapping table (IRTA)   0x0b00000  posted-interrupt descriptors
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
//  * isolation: a successful untranslated DMA in a clean unit reaches a page that the root,
//    context and second-stage entries in memory map for that requester with that permission,
//    found by enumerating the tables here (S §3.4, §3.7, §9.1-9.8), not by the model's walker;
//  * register invariants after every operation: readable registers read 0 in reserved bits
//    (S §11.3), FSTS.FRI < NFR and FSTS.PPF is the OR of the FRCD F bits (S §11.4.7.1), GSTS
//    follows an accepted GCMD write (S §11.4.4), IQH stays inside the queue and keeps bit 4
//    clear with 256-bit descriptors (S §11.4.9.1);
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
#include "model/unit/remapping_unit.h"

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
};
// ECAP variants: QI, IR, EIM, PT, SC (default); the same with device-TLBs (DT); no QI/IR;
// device-TLBs honouring the No-Write flag of translation requests (NWFS, bit 33).
constexpr uint64_t kEcapBase = 0x0000000000f050da;
constexpr uint64_t kEcapVariants[] = {kEcapBase, kEcapBase | (1u << 2), 0x50c0,
                                      kEcapBase | (1u << 2) | (uint64_t{1} << 33)};

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
  void OnWrite(uint64_t address, int size, MemoryAccessTag) override { Written(address, size); }
  void OnInvalidation(const InvalidationEvent& event) override {
    if (event.performed != "global") return;
    if (event.cache == CacheKind::kContext) context_fresh_ = true;
    if (event.cache == CacheKind::kIotlb && context_fresh_) dma_clean_ = true;
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
  void DmaDirty() { context_fresh_ = dma_clean_ = false; }
  void InterruptDirty() { interrupt_clean_ = false; }
  bool dma_clean() const { return dma_clean_; }
  bool interrupt_clean() const { return interrupt_clean_; }

 private:
  absl::flat_hash_set<uint64_t> read_pages_;  // looked up only
  bool context_fresh_ = false;
  bool dma_clean_ = false;
  bool interrupt_clean_ = false;
};

// ---- The independent table enumeration (isolation oracle).
// Whether the legacy-mode tables in memory map `hpa` for requester `sid` with write (or read)
// permission anywhere in its address space: root entry (P bit 0, CTP 63:12), context entry
// (P bit 0, TT 3:2, SSPTPTR 63:12; AW 66:64), then every present second-stage entry (R bit 0,
// W bit 1, PS bit 7 at levels 2 and 3, address 51:12), permissions accumulated downwards
// (S §9.1, §9.3, §9.8). nullopt when the enumeration exceeds its budget (self-referencing
// tables).
class Enumerator {
 public:
  Enumerator(const HostMemory& memory, int haw) : memory_(memory) {
    address_mask_ = ((uint64_t{1} << haw) - 1) & ~uint64_t{0xfff};
  }
  std::optional<bool> Maps(uint64_t rta, uint16_t sid, uint64_t iova, uint64_t hpa, bool write) {
    const uint64_t root = Read(rta + (sid >> 8) * 16);
    if ((root & 1) == 0) return false;
    const uint64_t context_at = (root & address_mask_) + (sid & 0xff) * 16;
    const uint64_t lo = Read(context_at);
    const uint64_t hi = Read(context_at + 8);
    if ((lo & 1) == 0) return false;
    if (((lo >> 2) & 3) == 2) return hpa == iova;  // pass-through: output = input
    budget_ = 1 << 15;
    const bool found =
        Walk(lo & address_mask_, static_cast<int>(hi & 7) + 2, true, true, hpa, write);
    if (budget_ < 0) return std::nullopt;
    return found;
  }

 private:
  uint64_t Read(uint64_t address) const {
    absl::StatusOr<uint64_t> v = memory_.Read64(address);
    return v.ok() ? *v : 0;
  }
  bool Walk(uint64_t table, int level, bool r, bool w, uint64_t hpa, bool write) {
    if (level < 1 || level > 5) return false;
    std::array<uint8_t, 4096> bytes{};
    if (!memory_.ReadBytes(table & ~uint64_t{0xfff}, absl::MakeSpan(bytes)).ok()) return false;
    for (int i = 0; i < 512; ++i) {
      uint64_t entry = 0;
      for (int k = 7; k >= 0; --k) entry = (entry << 8) | bytes[i * 8 + k];
      if ((entry & 3) == 0) continue;
      if (--budget_ < 0) return false;
      const bool r2 = r && (entry & 1) != 0;
      const bool w2 = w && (entry & 2) != 0;
      const uint64_t address = entry & address_mask_;
      const bool leaf = level == 1 || (level <= 3 && ((entry >> 7) & 1) != 0);
      if (leaf) {
        const uint64_t size = uint64_t{1} << (12 + 9 * (level - 1));
        const uint64_t base = address & ~(size - 1);
        if (hpa >= base && hpa - base < size && (write ? w2 : r2)) return true;
      } else if (Walk(address, level - 1, r2, w2, hpa, write)) {
        return true;
      }
    }
    return false;
  }
  const HostMemory& memory_;
  uint64_t address_mask_;
  int budget_ = 0;
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
  a.stale = !out.stale.empty();
  // Interrupt requests (writes to FEEx_xxxxh) are not translated: the walk does not apply.
  a.skip_oracles = !out.status.ok() || out.blocked_by == "pmr" || out.interrupt.has_value();
  return a;
}

std::optional<DmaAnswer> WalkDma(const RemappingUnit& unit, const HostMemory& memory,
                                 const DmaRequest& request, const TestHooks& hooks) {
  absl::StatusOr<TranslateResult> r = Translate(unit.walk_config(), memory, request);
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
    Platform* platform = PowerOn(cap_, ecap_, hooks_.check_invalidation);
    if (platform == nullptr) return false;
    memory_ = platform->memory.get();
    unit_ = platform->unit.get();
    unit_->AddObserver(&tracker_);
    memory_->set_observer(&tracker_);
    caps_ = Capability::Decode(cap_);
    ecaps_ = ExtendedCapability::Decode(ecap_);
    registers_ = &platform->registers;
    out_.Line(absl::StrFormat("name: fuzz-%s", ProfileName(profile_)));
    out_.Line("description: written by a vtdsim fuzz target (tests/fuzz)");
    out_.Line("platform:");
    out_.Line(absl::StrFormat("  memory_size: %#x", kMemorySize));
    out_.Line(absl::StrCat("  check_invalidation: ", hooks_.check_invalidation ? "true" : "false"));
    out_.Line("  units:");
    out_.Line(
        absl::StrFormat("    - {base: %#x, cap: %#x, ecap: %#x}", kRegisterBase, cap_, ecap_));
    out_.Line("steps:");
    pool_.push_back(kPoolBase);  // the root table
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
    }
    // Operations that only write memory leave the registers as they were.
    const bool memory_only = op.kind == OpKind::kMap || op.kind == OpKind::kMutate ||
                             op.kind == OpKind::kMemWrite || op.kind == OpKind::kIrte ||
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
    uint64_t table = lo & ~uint64_t{0xfff};
    for (int level = levels; level > leaf_level; --level) {
      const uint64_t at = table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
      const uint64_t entry = Peek(at);
      const uint64_t next = entry & 0x000ffffffffff000;
      if ((entry & 3) == 3 && !(entry & 0x80) && InPool(next)) {
        table = next;
        continue;
      }
      std::optional<uint64_t> t = NewTable();
      if (!t) return;
      MemWrite(at, {*t | 3});
      table = *t;
    }
    const uint64_t leaf = hpa | (op.a & 3) | (leaf_level > 1 ? 0x80 : 0);
    MemWrite(table + ((iova >> (12 + 9 * (leaf_level - 1))) & 511) * 8, {leaf});
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

  // a: kind bits 2:0, submit bit 7; b, c, d, e: fields (see each kind).
  void Descriptor(const Op& op) {
    tail_ = Reg(RegId::kIqt) % QueueSize();
    const uint64_t b = op.b, c = op.c;
    switch (op.a & 7) {
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
        for (uint64_t i = 0; i <= (c & 0x3f); ++i) PutDescriptor(0x5, 0);
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
  // a: write bit 0, AT bits 2:1, PASID bit 3, PR bit 4, ER bit 5, mapped IOVA bit 6, mapped
  // requester bit 7; b: requester; c: PASID / mapping; d: address or offset; e: size (15:0),
  // the interrupt window FEEx_xxxxh bit 62 (address 19:2 from d), NW bit 63 (translation
  // requests: a read-only translation is asked for, S §4.2.3, honoured with ECAP.NWFS).
  void Dma(const Op& op) {
    DmaRequest req;
    req.source_id = SourceId(op.b);
    req.address = op.d;
    if ((op.e >> 62) & 1) {
      req.address = 0xfee00000 | (op.d & 0xffffc);
    } else if ((op.a & 0x40) && !mapped_.empty()) {
      const Mapping& m = mapped_[op.c % mapped_.size()];
      req.address = m.iova + (op.d & (m.size - 1));
      if (op.a & 0x80) req.source_id = SourceId(m.sid);
    }
    const int room = 4096 - static_cast<int>(req.address & 0xfff);
    req.size = 1 + static_cast<int>((op.e & 0xffff) % room);
    req.access = (op.a & 1) ? AccessKind::kWrite : AccessKind::kRead;
    static constexpr RequestType kTypes[] = {RequestType::kUntranslated, RequestType::kTranslation,
                                             RequestType::kTranslated, RequestType::kUntranslated};
    req.type = kTypes[(op.a >> 1) & 3];
    if (op.a & 8) req.pasid = op.c & 0xfffff;
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
    const DmaAnswer got = UnitDma(*unit_, req, hooks_);
    std::vector<std::string> expect = DmaExpect(got);
    const bool clean = tracker_.dma_clean() && unit_->translation_enabled() && !got.skip_oracles &&
                       DomainsConsistent();
    if (clean && got.stale) {
      failure_ =
          "the invalidation checker reports a stale hit after global context-cache and "
          "IOTLB invalidations with no table write since";
      expect.push_back("stale: none");
    } else if (got.stale) {
      expect.push_back("stale: any");
    }
    if (failure_.empty() && clean) {
      const std::optional<DmaAnswer> walk = WalkDma(*unit_, *memory_, req, hooks_);
      if (walk && walk->detail != got.detail) {
        failure_ = absl::StrCat("cache transparency: the unit answered ", got.detail,
                                " but the walk over current memory answers ", walk->detail);
        expect = DmaExpect(*walk);
      }
    }
    if (failure_.empty() && clean && got.ok && req.type == RequestType::kUntranslated &&
        unit_->walk_config().ttm() == 0) {
      Enumerator tables(*memory_, unit_->walk_config().haw);
      const std::optional<bool> maps =
          tables.Maps(unit_->walk_config().root_table(), req.source_id.value(), req.address,
                      got.hpa, req.access == AccessKind::kWrite);
      if (maps.has_value() && !*maps) {
        failure_ = absl::StrFormat(
            "isolation: the DMA reached %#x but no present table entry maps that page for "
            "requester %s with %s permission",
            got.hpa, Sid(req.source_id.value()), (op.a & 1) ? "write" : "read");
        const std::optional<DmaAnswer> walk = WalkDma(*unit_, *memory_, req, hooks_);
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
  };

  Profile profile_;
  Transcript& out_;
  uint64_t cap_ = 0, ecap_ = 0;
  Capability caps_;
  ExtendedCapability ecaps_;
  const std::vector<PlacedRegister>* registers_ = nullptr;  // the platform's
  const TestHooks& hooks_;
  HostMemory* memory_ = nullptr;   // the platform's
  RemappingUnit* unit_ = nullptr;  // the platform's
  CleanTracker tracker_;
  std::vector<uint64_t> pool_;
  std::vector<Mapping> mapped_;
  std::set<uint16_t> requesters_;
  uint64_t tail_ = 0;
  uint16_t last_irte_sid_ = 0;
  bool iqh_checkable_ = true;
  std::string failure_;
};

// Input byte -> operation, per target: each target draws mostly from its own operations and
// keeps the others available (a queue target still needs tables and DMAs to invalidate).
OpKind KindFor(Profile profile, uint8_t byte) {
  static constexpr OpKind kUnitKinds[] = {
      OpKind::kMap,        OpKind::kMap,       OpKind::kMap,      OpKind::kDma,
      OpKind::kDma,        OpKind::kDma,       OpKind::kDriver,   OpKind::kDriver,
      OpKind::kMutate,     OpKind::kMmioWrite, OpKind::kMmioRead, OpKind::kMemWrite,
      OpKind::kQueueSetup, OpKind::kDescriptor};
  static constexpr OpKind kQueueKinds[] = {
      OpKind::kQueueSetup, OpKind::kDescriptor, OpKind::kDescriptor, OpKind::kDescriptor,
      OpKind::kMap,        OpKind::kDma,        OpKind::kDriver,     OpKind::kMmioWrite,
      OpKind::kMmioRead,   OpKind::kMemWrite,   OpKind::kIrte,       OpKind::kInterrupt};
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

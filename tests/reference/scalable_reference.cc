#include "tests/reference/scalable_reference.h"

#include <algorithm>
#include <optional>

namespace vtd::reference {
namespace {

// Bits hi..lo set.
uint64_t Bits(int hi, int lo) {
  const uint64_t upto_hi = hi >= 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1;
  return upto_hi & ~((uint64_t{1} << lo) - 1);
}
uint64_t Bit(int n) { return uint64_t{1} << n; }
bool Has(uint64_t value, int bit) { return (value >> bit) & 1; }

// Pointer bits at and above the host address width, within bits 63:0 of a qword.
uint64_t AboveHaw(int haw) { return haw >= 64 ? 0 : Bits(63, haw); }

bool ReadQword(const ScalableMemory& memory, uint64_t address, uint64_t& value) {
  if (address >= memory.memory_bytes || memory.memory_bytes - address < 8) return false;
  const auto it = memory.qwords.find(address);
  value = it == memory.qwords.end() ? 0 : it->second;
  return true;
}

bool ReadQwords(const ScalableMemory& memory, uint64_t address, int count, uint64_t* values) {
  for (int i = 0; i < count; ++i) {
    if (!ReadQword(memory, address + 8 * static_cast<uint64_t>(i), values[i])) return false;
  }
  return true;
}

bool InInterruptRange(uint64_t address) { return (address >> 20) == 0xFEE; }

// Faults: FPD of every entry read so far suppresses reporting of qualified faults.
struct FaultMaker {
  bool fpd = false;
  ScalableResult operator()(const char* condition, int reason, bool qualified) const {
    ScalableResult r;
    r.condition = condition;
    r.reason = reason;
    r.reported = !(qualified && fpd);
    return r;
  }
};

constexpr bool kQualified = true;
constexpr bool kNotQualified = false;

using Updates = std::vector<std::pair<uint64_t, uint64_t>>;

// One second-stage walk (translation-structures.md §9, §10) of `address` from SSPTPTR: the
// fault, or the output with the cumulative R and W and the entries used (address, value).
struct SsWalk {
  std::optional<ScalableResult> fault;
  uint64_t output = 0;
  bool read = true;
  bool write = true;
  Updates used;
};

SsWalk WalkSecondStage(const ScalableMemory& memory, const ScalableCaps& caps,
                       const FaultMaker& fault, const uint64_t* pe, uint64_t address) {
  SsWalk walk;
  // AW + 2 levels; input limited to 2^X - 1, X = min(MGAW, AGAW).
  const int aw = static_cast<int>((pe[0] >> 2) & 7);
  const int levels = aw + 2;
  const int x = std::min(caps.mgaw, 30 + 9 * aw);
  if (x < 64 && address >= (uint64_t{1} << x)) {
    walk.fault = fault("SGN.5", 0x84, kQualified);
    return walk;
  }
  uint64_t table = pe[0] & Bits(63, 12);
  for (int level = levels; level >= 1; --level) {
    const int shift = 12 + 9 * (level - 1);
    const uint64_t entry_address = table + 8 * ((address >> shift) & 0x1ff);
    uint64_t e;
    if (!ReadQword(memory, entry_address, e)) {
      walk.fault =
          level == levels ? fault("SSS.4", 0x7B, kQualified) : fault("SSS.1", 0x78, kQualified);
      return walk;
    }
    const bool r = Has(e, 0);
    const bool w = Has(e, 1);
    if (!r && !w) {
      walk.fault = fault("SSS.2", 0x79, kQualified);
      return walk;
    }
    const bool leaf = level == 1 || ((level == 2 || level == 3) && Has(e, 7));
    uint64_t reserved = Bit(62);  // IW needs SSIRWE=1
    if (caps.haw < 52) reserved |= Bits(51, caps.haw);
    if (level >= 4) {
      reserved |= Bit(7) | Bit(11);
    } else if (!leaf) {
      reserved |= Bit(11);
    } else {
      if (!caps.snoop_control) reserved |= Bit(11);
      if (level == 3) reserved |= Bits(29, 12) | (caps.large_1g ? 0 : Bit(7));
      if (level == 2) reserved |= Bits(20, 12) | (caps.large_2m ? 0 : Bit(7));
    }
    if ((e & reserved) != 0) {
      walk.fault = fault("SSS.3", 0x7A, kQualified);
      return walk;
    }
    walk.read = walk.read && r;
    walk.write = walk.write && w;
    if (!walk.read && !walk.write) {
      walk.fault = fault("SSS.2", 0x79, kQualified);
      return walk;
    }
    walk.used.emplace_back(entry_address, e);
    if (leaf) {
      walk.output = (e & Bits(51, shift)) | (address & ((uint64_t{1} << shift) - 1));
      return walk;
    }
    table = e & Bits(51, 12);
  }
  return walk;
}

// The accessed/dirty updates a walk needs: `accessed` in every entry used, `dirty` too in the
// leaf when the access writes; entries are read from `memory` as it is now, so an update made
// by an earlier walk is not made twice.
Updates NeededUpdates(const ScalableMemory& memory, const Updates& used, int accessed, int dirty,
                      bool write) {
  Updates updates;
  for (size_t i = 0; i < used.size(); ++i) {
    uint64_t now = used[i].second;
    ReadQword(memory, used[i].first, now);
    uint64_t want = now | Bit(accessed);
    if (i + 1 == used.size() && write) want |= Bit(dirty);
    if (want != now) updates.emplace_back(used[i].first, want);
  }
  return updates;
}

// First-stage walk (translation-structures.md §8): first-stage only (PGTT=001b) or nested
// (PGTT=011b, §11), where every first-stage table address and the output are guest-physical
// and go through the second stage.
ScalableResult FirstStage(const ScalableMemory& memory, const ScalableCaps& caps,
                          const FaultMaker& fault, const uint64_t* pe, int levels, bool nested,
                          bool privileged, const ScalableRequest& request) {
  // Canonical: bits 63:N-1 all equal, N = 48 (4-level) or 57 (5-level).
  const int n = levels == 5 ? 57 : 48;
  const uint64_t upper = request.address & Bits(63, n - 1);
  if (upper != 0 && upper != Bits(63, n - 1)) return fault("SGN.1", 0x80, kQualified);
  const bool wpe = Has(pe[2], 4);
  const bool pwsnp = Has(pe[1], 23);
  const bool ssade = Has(pe[0], 9);
  const int aw = static_cast<int>((pe[0] >> 2) & 7);
  const int x = std::min(caps.mgaw, 30 + 9 * aw);
  // Updates are applied to a copy as they are made, so later walks see them.
  ScalableMemory now = memory;
  struct Step {
    uint64_t address;  // where the first-stage entry is (host-physical)
    uint64_t value;
    SsWalk ss;  // nested: the second-stage walk that located it
  };
  std::vector<Step> steps;
  uint64_t table = pe[2] & Bits(63, 12);
  bool writable = true;  // R/W=1 at every level
  bool user = true;      // U/S=1 at every level
  uint64_t output = 0;
  for (int level = levels; level >= 1; --level) {
    const int shift = 12 + 9 * (level - 1);
    uint64_t entry_address = table + 8 * ((request.address >> shift) & 0x1ff);
    SsWalk ss;
    if (nested) {
      // The table read needs second-stage R, and W too with SSADE=1 (§11).
      ss = WalkSecondStage(now, caps, fault, pe, entry_address);
      if (ss.fault) return *ss.fault;
      if (!ss.read || (ssade && !ss.write)) {
        return level == levels ? fault("SFS.6", 0x75, kQualified)
                               : fault("SFS.7", 0x76, kQualified);
      }
      entry_address = ss.output;
    }
    uint64_t e;
    if (!ReadQword(now, entry_address, e)) {
      return level == levels ? fault("SFS.4", 0x73, kQualified) : fault("SFS.1", 0x70, kQualified);
    }
    if (!Has(e, 0)) return fault("SFS.2", 0x71, kQualified);
    const bool ps = Has(e, 7);
    const bool leaf = level == 1 || ((level == 2 || level == 3) && ps);
    uint64_t reserved = caps.haw < 52 ? Bits(51, caps.haw) : 0;
    if (level >= 4) reserved |= Bit(7);
    if (level == 3 && ps) reserved |= caps.fs_1g ? Bits(29, 13) : Bit(7);
    if (level == 2 && ps) reserved |= Bits(20, 13);
    if ((e & reserved) != 0) return fault("SFS.3", 0x72, kQualified);
    const uint64_t next = e & Bits(51, leaf ? shift : 12);
    if (nested && x < 64 && next >= (uint64_t{1} << x)) return fault("SFS.5", 0x74, kQualified);
    writable = writable && Has(e, 1);
    user = user && Has(e, 2);
    steps.push_back({entry_address, e, std::move(ss)});
    if (leaf) {
      output = next | (request.address & ((uint64_t{1} << shift) - 1));
      break;
    }
    table = next;
  }
  // Access rights (§3.6.1): supervisor reads always, writes unless WPE and some R/W=0; user
  // requests need U/S=1 everywhere, writes R/W=1 everywhere as well.
  if (!privileged && !user) return fault("SGN.2", 0x81, kQualified);
  if (request.write && !writable && (!privileged || wpe)) return fault("SGN.6", 0x85, kQualified);
  SsWalk last;
  if (nested) {
    // The output is a guest-physical address: the request's own access in the second stage.
    last = WalkSecondStage(now, caps, fault, pe, output);
    if (last.fault) return *last.fault;
    if (request.write && !last.write) return fault("SGN.6", 0x85, kQualified);
    if (!request.write && !last.read) return fault("SGN.7", 0x86, kQualified);
    output = last.output;
  }
  if (InInterruptRange(output)) return fault("SGN.8.1", 0x87, kQualified);

  // Accessed/dirty updates in walk order: for each first-stage entry the second-stage entries
  // that located it (SSADE; D when the first-stage entry itself is written), then its own A,
  // and D in the leaf for writes (§3.6.2); last the second-stage entries of the output.
  ScalableResult result;
  const bool snooped = caps.page_walk_snoop && pwsnp;
  auto apply = [&](const Updates& updates) {
    for (const auto& [address, value] : updates) {
      now.qwords[address] = value;
      result.updates.emplace_back(address, value);
    }
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    const Updates fs = NeededUpdates(now, {{steps[i].address, steps[i].value}}, 5, 6,
                                     request.write && i + 1 == steps.size());
    if (nested) {
      if (!fs.empty() && !steps[i].ss.write) return fault("SFS.8", 0x77, kQualified);
      if (ssade) {
        const Updates ss = NeededUpdates(now, steps[i].ss.used, 8, 9, !fs.empty());
        if (!ss.empty() && !snooped) return fault("SSS.5", 0x7C, kQualified);
        apply(ss);
      }
    }
    if (!fs.empty() && !snooped) return fault("SFS.9", 0x90, kQualified);
    apply(fs);
  }
  if (nested && ssade) {
    const Updates ss = NeededUpdates(now, last.used, 8, 9, request.write);
    if (!ss.empty() && !snooped) return fault("SSS.5", 0x7C, kQualified);
    apply(ss);
  }
  result.translated = true;
  result.output = output;
  return result;
}

}  // namespace

ScalableResult TranslateScalable(const ScalableMemory& memory, uint64_t root_table,
                                 const ScalableCaps& caps, const ScalableRequest& request) {
  FaultMaker fault;
  const int bus = request.sid >> 8;
  const int devfn = request.sid & 0xff;

  // SGN.10: PASID wider than ECAP.PSS allows.
  if (request.pasid && *request.pasid >= (uint64_t{1} << caps.pasid_bits)) {
    return fault("SGN.10", 0x89, kQualified);
  }

  // Scalable-mode root entry (16 bytes per bus): low half for devfn < 0x80, high half above.
  uint64_t root[2];
  if (!ReadQwords(memory, root_table + 16 * static_cast<uint64_t>(bus), 2, root)) {
    return fault("SRT.1", 0x38, kNotQualified);
  }
  const uint64_t half = devfn < 0x80 ? root[0] : root[1];
  if (!Has(half, 0)) return fault("SRT.2", 0x39, kNotQualified);
  if ((half & (Bits(11, 1) | AboveHaw(caps.haw))) != 0) {
    return fault("SRT.3", 0x3A, kNotQualified);
  }
  const uint64_t context_table = half & Bits(63, 12);

  // Scalable-mode context entry (32 bytes, 128 per table, indexed by devfn[6:0]).
  uint64_t ctx[4];
  if (!ReadQwords(memory, context_table + 32 * static_cast<uint64_t>(devfn & 0x7f), 4, ctx)) {
    return fault("SCT.1", 0x40, kNotQualified);
  }
  fault.fpd = Has(ctx[0], 1);
  if (!Has(ctx[0], 0)) return fault("SCT.2", 0x41, kQualified);
  uint64_t ctx_reserved0 = Bits(8, 7) | AboveHaw(caps.haw) | Bit(5) | Bit(6);  // no HPTS, PTRS
  if (!caps.device_tlb) ctx_reserved0 |= Bit(2);
  if (!caps.pasid) ctx_reserved0 |= Bit(3);
  if (!caps.page_requests) ctx_reserved0 |= Bit(4);
  uint64_t ctx_reserved1 = Bits(63, 21);
  if (!caps.rid_pasid) ctx_reserved1 |= Bits(19, 0);
  if (!caps.rid_priv) ctx_reserved1 |= Bit(20);
  if ((ctx[0] & ctx_reserved0) != 0 || (ctx[1] & ctx_reserved1) != 0 || ctx[2] != 0 ||
      ctx[3] != 0) {
    return fault("SCT.3", 0x42, kQualified);
  }
  const bool dte = Has(ctx[0], 2);
  const bool paside = Has(ctx[0], 3);
  const bool pre = Has(ctx[0], 4);
  const int pdts = static_cast<int>((ctx[0] >> 9) & 7);
  const uint64_t pasid_directory = ctx[0] & Bits(63, 12);
  const uint32_t rid_pasid = static_cast<uint32_t>(ctx[1] & 0xfffff);
  const bool rid_priv = Has(ctx[1], 20);
  // The directory has 2^(PDTS+7) entries of 64 PASIDs each.
  const uint32_t max_pasid = (uint32_t{1} << (pdts + 7 + 6)) - 1;
  if (!dte && pre) return fault("SCT.4.1", 0x43, kQualified);
  if (rid_pasid > max_pasid) return fault("SCT.4.2", 0x43, kQualified);

  uint32_t pasid;
  bool privileged;
  if (request.pasid) {
    if (!paside) return fault("SCT.6", 0x45, kQualified);
    if (*request.pasid > max_pasid) return fault("SCT.7", 0x46, kQualified);
    // Without RPS the PASID of requests-without-PASID is 0 (RID_PASID is then reserved, 0).
    if (*request.pasid == rid_pasid) return fault("SCT.9", 0x48, kQualified);
    pasid = *request.pasid;
    privileged = request.privileged;
  } else {
    pasid = rid_pasid;
    privileged = rid_priv;
  }

  // PASID directory entry (8 bytes, indexed by PASID[19:6]).
  uint64_t dir;
  if (!ReadQword(memory, pasid_directory + 8 * static_cast<uint64_t>(pasid >> 6), dir)) {
    return fault("SPD.1", 0x50, kNotQualified);
  }
  fault.fpd = fault.fpd || Has(dir, 1);
  if (!Has(dir, 0)) return fault("SPD.2", 0x51, kQualified);
  if ((dir & (Bits(11, 2) | AboveHaw(caps.haw))) != 0) {
    return fault("SPD.3", 0x52, kQualified);
  }
  const uint64_t pasid_table = dir & Bits(63, 12);

  // PASID table entry (64 bytes, indexed by PASID[5:0]).
  uint64_t pe[8];
  if (!ReadQwords(memory, pasid_table + 64 * static_cast<uint64_t>(pasid & 0x3f), 8, pe)) {
    return fault("SPT.1", 0x58, kNotQualified);
  }
  fault.fpd = fault.fpd || Has(pe[0], 1);
  if (!Has(pe[0], 0)) return fault("SPT.2", 0x59, kQualified);
  const int pgtt = static_cast<int>((pe[0] >> 6) & 7);
  uint64_t pe_reserved[8] = {};
  pe_reserved[0] = Bit(5) | Bits(11, 10);
  if (pgtt == 2 || pgtt == 3) pe_reserved[0] |= AboveHaw(caps.haw);
  if (!caps.second_stage) pe_reserved[0] |= Bits(4, 2) | Bit(9);
  if (!caps.ss_ad) pe_reserved[0] |= Bit(9);
  pe_reserved[1] = Bits(22, 16) | Bits(31, 27);
  for (int slot = 0; slot < 8; ++slot) pe_reserved[1] |= Bit(32 + 4 * slot + 3);
  if (caps.did_bits < 16) pe_reserved[1] |= Bits(15, caps.did_bits);
  if (!caps.page_walk_snoop) pe_reserved[1] |= Bit(23);
  if (!caps.snoop_control) pe_reserved[1] |= Bit(24);
  if (!caps.memory_types) pe_reserved[1] |= Bit(25) | Bit(26) | Bits(63, 32);
  // Qword 2: FSPTPTR bits at and above HAW (all of it with FSTS=0); no EAFS (EAFE reserved).
  pe_reserved[2] = Bit(1) | Bit(7) | Bits(11, 8) |
                   (caps.first_stage || caps.nested ? AboveHaw(caps.haw) : Bits(63, 12));
  if (!caps.supervisor) pe_reserved[2] |= Bit(0);
  for (int q = 3; q < 8; ++q) pe_reserved[q] = ~uint64_t{0};  // qword 3; no HPTS: 4, 5; 6, 7
  for (int q = 0; q < 8; ++q) {
    if ((pe[q] & pe_reserved[q]) != 0) return fault("SPT.3", 0x5A, kQualified);
  }
  const bool pgtt_supported = (pgtt == 1 && caps.first_stage) || (pgtt == 2 && caps.second_stage) ||
                              (pgtt == 3 && caps.nested) || (pgtt == 4 && caps.pass_through);
  if (!pgtt_supported) return fault("SPT.4.2", 0x5B, kQualified);
  const int aw = static_cast<int>((pe[0] >> 2) & 7);
  if ((pgtt == 2 || pgtt == 3) && (aw < 1 || aw > 3 || !Has(caps.sagaw, aw))) {
    return fault("SPT.4.1", 0x5B, kQualified);
  }
  const int fspm = static_cast<int>((pe[2] >> 2) & 3);
  if ((pgtt == 1 || pgtt == 3) && !(fspm == 0 || (fspm == 1 && caps.fs_5level))) {
    return fault("SPT.4.3", 0x5B, kQualified);
  }
  // Nested: FSPTPTR is guest-physical, limited to 2^X - 1 with X = min(MGAW, AGAW).
  const int agaw = 30 + 9 * aw;
  if (pgtt == 3 && std::min(caps.mgaw, agaw) < 64 &&
      (pe[2] & Bits(63, 12)) >= (uint64_t{1} << std::min(caps.mgaw, agaw))) {
    return fault("SPT.4.4", 0x5B, kQualified);
  }
  if (privileged && !Has(pe[2], 0)) return fault("SPT.6", 0x5D, kQualified);

  ScalableResult result;
  if (pgtt == 4) {
    // Pass-through: output = input, which must be below 2^HAW.
    if (caps.haw < 64 && request.address >= (uint64_t{1} << caps.haw)) {
      return fault("SGN.4.2", 0x83, kQualified);
    }
    if (InInterruptRange(request.address)) return fault("SGN.8.1", 0x87, kQualified);
    result.translated = true;
    result.output = request.address;
    return result;
  }

  if (pgtt == 1 || pgtt == 3) {
    return FirstStage(memory, caps, fault, pe, fspm == 1 ? 5 : 4, /*nested=*/pgtt == 3, privileged,
                      request);
  }

  // Second-stage only.
  const SsWalk walk = WalkSecondStage(memory, caps, fault, pe, request.address);
  if (walk.fault) return *walk.fault;
  if (request.write && !walk.write) return fault("SGN.6", 0x85, kQualified);
  if (!request.write && !walk.read) return fault("SGN.7", 0x86, kQualified);
  if (InInterruptRange(walk.output)) return fault("SGN.8.1", 0x87, kQualified);
  if (Has(pe[0], 9)) {
    // SSADE: A in every entry used, D in the leaf for writes; only where not already set.
    result.updates = NeededUpdates(memory, walk.used, 8, 9, request.write);
    if (!result.updates.empty() && !(caps.page_walk_snoop && Has(pe[1], 23))) {
      return fault("SSS.5", 0x7C, kQualified);
    }
  }
  result.translated = true;
  result.output = walk.output;
  return result;
}

}  // namespace vtd::reference

#include "tests/reference/scalable_reference.h"

#include <algorithm>

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

// First-stage-only walk (PGTT=001b; translation-structures.md §8, faults.md §3).
ScalableResult FirstStage(const ScalableMemory& memory, const ScalableCaps& caps,
                          const FaultMaker& fault, const uint64_t* pe, int levels, bool privileged,
                          const ScalableRequest& request) {
  // Canonical: bits 63:N-1 all equal, N = 48 (4-level) or 57 (5-level).
  const int n = levels == 5 ? 57 : 48;
  const uint64_t upper = request.address & Bits(63, n - 1);
  if (upper != 0 && upper != Bits(63, n - 1)) return fault("SGN.1", 0x80, kQualified);
  const bool wpe = Has(pe[2], 4);
  const bool pwsnp = Has(pe[1], 23);
  uint64_t table = pe[2] & Bits(63, 12);
  bool writable = true;  // R/W=1 at every level
  bool user = true;      // U/S=1 at every level
  std::vector<std::pair<uint64_t, uint64_t>> used;
  uint64_t output = 0;
  for (int level = levels; level >= 1; --level) {
    const int shift = 12 + 9 * (level - 1);
    const uint64_t entry_address = table + 8 * ((request.address >> shift) & 0x1ff);
    uint64_t e;
    if (!ReadQword(memory, entry_address, e)) {
      return level == levels ? fault("SFS.4", 0x73, kQualified) : fault("SFS.1", 0x70, kQualified);
    }
    if (!Has(e, 0)) return fault("SFS.2", 0x71, kQualified);
    const bool ps = Has(e, 7);
    uint64_t reserved = caps.haw < 52 ? Bits(51, caps.haw) : 0;
    if (level >= 4) reserved |= Bit(7);
    if (level == 3 && ps) reserved |= caps.fs_1g ? Bits(29, 13) : Bit(7);
    if (level == 2 && ps) reserved |= Bits(20, 13);
    if ((e & reserved) != 0) return fault("SFS.3", 0x72, kQualified);
    writable = writable && Has(e, 1);
    user = user && Has(e, 2);
    used.emplace_back(entry_address, e);
    if (level == 1 || ((level == 2 || level == 3) && ps)) {
      output = (e & Bits(51, shift)) | (request.address & ((uint64_t{1} << shift) - 1));
      break;
    }
    table = e & Bits(51, 12);
  }
  // Access rights (§3.6.1): supervisor reads always, writes unless WPE and some R/W=0; user
  // requests need U/S=1 everywhere, writes R/W=1 everywhere as well.
  if (!privileged && !user) return fault("SGN.2", 0x81, kQualified);
  if (request.write && !writable && (!privileged || wpe)) return fault("SGN.6", 0x85, kQualified);
  if (InInterruptRange(output)) return fault("SGN.8.1", 0x87, kQualified);
  ScalableResult result;
  // A (bit 5) in every entry used, D (bit 6) in the leaf for writes (§3.6.2).
  for (size_t i = 0; i < used.size(); ++i) {
    uint64_t want = used[i].second | Bit(5);
    if (i + 1 == used.size() && request.write) want |= Bit(6);
    if (want != used[i].second) result.updates.emplace_back(used[i].first, want);
  }
  if (!result.updates.empty() && !(caps.page_walk_snoop && pwsnp)) {
    return fault("SFS.9", 0x90, kQualified);
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
  pe_reserved[2] =
      Bit(1) | Bit(7) | Bits(11, 8) | (caps.first_stage ? AboveHaw(caps.haw) : Bits(63, 12));
  if (!caps.supervisor) pe_reserved[2] |= Bit(0);
  for (int q = 3; q < 8; ++q) pe_reserved[q] = ~uint64_t{0};  // qword 3; no HPTS: 4, 5; 6, 7
  for (int q = 0; q < 8; ++q) {
    if ((pe[q] & pe_reserved[q]) != 0) return fault("SPT.3", 0x5A, kQualified);
  }
  const bool pgtt_supported = (pgtt == 1 && caps.first_stage) || (pgtt == 2 && caps.second_stage) ||
                              (pgtt == 4 && caps.pass_through);
  if (!pgtt_supported) return fault("SPT.4.2", 0x5B, kQualified);
  const int aw = static_cast<int>((pe[0] >> 2) & 7);
  if (pgtt == 2 && (aw < 1 || aw > 3 || !Has(caps.sagaw, aw))) {
    return fault("SPT.4.1", 0x5B, kQualified);
  }
  const int fspm = static_cast<int>((pe[2] >> 2) & 3);
  if (pgtt == 1 && !(fspm == 0 || (fspm == 1 && caps.fs_5level))) {
    return fault("SPT.4.3", 0x5B, kQualified);
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

  if (pgtt == 1) {
    return FirstStage(memory, caps, fault, pe, fspm == 1 ? 5 : 4, privileged, request);
  }

  // Second-stage only: AW + 2 levels; input limited to 2^X - 1, X = min(MGAW, AGAW).
  const int levels = aw + 2;
  const int x = std::min(caps.mgaw, 30 + 9 * aw);
  if (x < 64 && request.address >= (uint64_t{1} << x)) return fault("SGN.5", 0x84, kQualified);
  const bool ssade = Has(pe[0], 9);
  const bool pwsnp = Has(pe[1], 23);
  uint64_t table = pe[0] & Bits(63, 12);
  bool can_read = true;
  bool can_write = true;
  std::vector<std::pair<uint64_t, uint64_t>> used;  // (address, value) of each entry walked
  uint64_t output = 0;
  for (int level = levels; level >= 1; --level) {
    const int shift = 12 + 9 * (level - 1);
    const uint64_t entry_address = table + 8 * ((request.address >> shift) & 0x1ff);
    uint64_t e;
    if (!ReadQword(memory, entry_address, e)) {
      return level == levels ? fault("SSS.4", 0x7B, kQualified) : fault("SSS.1", 0x78, kQualified);
    }
    const bool r = Has(e, 0);
    const bool w = Has(e, 1);
    if (!r && !w) return fault("SSS.2", 0x79, kQualified);
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
    if ((e & reserved) != 0) return fault("SSS.3", 0x7A, kQualified);
    can_read = can_read && r;
    can_write = can_write && w;
    if (!can_read && !can_write) return fault("SSS.2", 0x79, kQualified);
    used.emplace_back(entry_address, e);
    if (leaf) {
      output = (e & Bits(51, shift)) | (request.address & ((uint64_t{1} << shift) - 1));
      break;
    }
    table = e & Bits(51, 12);
  }
  if (request.write && !can_write) return fault("SGN.6", 0x85, kQualified);
  if (!request.write && !can_read) return fault("SGN.7", 0x86, kQualified);
  if (InInterruptRange(output)) return fault("SGN.8.1", 0x87, kQualified);
  if (ssade) {
    // A in every entry used, D in the leaf for writes; only where not already set.
    for (size_t i = 0; i < used.size(); ++i) {
      const bool is_leaf = i + 1 == used.size();
      uint64_t want = used[i].second | Bit(8);
      if (is_leaf && request.write) want |= Bit(9);
      if (want != used[i].second) result.updates.emplace_back(used[i].first, want);
    }
    if (!result.updates.empty() && !(caps.page_walk_snoop && pwsnp)) {
      return fault("SSS.5", 0x7C, kQualified);
    }
  }
  result.translated = true;
  result.output = output;
  return result;
}

}  // namespace vtd::reference

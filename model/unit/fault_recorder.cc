#include "model/unit/fault_recorder.h"

namespace vtd {

FaultRecord FaultRecord::Decode(uint64_t lo, uint64_t hi) {
  FaultRecord r;
  r.fault_info = kFi.InPlace(lo);
  r.fault = kF.Get(hi) != 0;
  r.t1 = kT1.Get(hi) != 0;
  r.address_type = static_cast<uint8_t>(kAt.Get(hi));
  r.pasid = static_cast<uint32_t>(kPv.Get(hi));
  r.reason = static_cast<uint8_t>(kFr.Get(hi));
  r.pasid_present = kPp.Get(hi) != 0;
  r.execute = kExe.Get(hi) != 0;
  r.privileged = kPriv.Get(hi) != 0;
  r.t2 = kT2.Get(hi) != 0;
  r.source_id = static_cast<uint16_t>(kSid.Get(hi));
  return r;
}

std::array<uint64_t, 2> FaultRecord::Encode() const {
  uint64_t lo = kFi.InPlace(fault_info);
  uint64_t hi = 0;
  hi = kF.Set(hi, fault);
  hi = kT1.Set(hi, t1);
  hi = kAt.Set(hi, address_type);
  hi = kPv.Set(hi, pasid);
  hi = kFr.Set(hi, reason);
  hi = kPp.Set(hi, pasid_present);
  hi = kExe.Set(hi, execute);
  hi = kPriv.Set(hi, privileged);
  hi = kT2.Set(hi, t2);
  hi = kSid.Set(hi, source_id);
  return {lo, hi};
}

FaultRecord FaultRecord::FromFault(const Fault& fault) {
  FaultRecord r;
  r.fault = true;
  r.fault_info = kFi.InPlace(fault.address);
  // T1/T2 (S §11.4.7.6): write 00, page request 01, read 10, AtomicOp 11. A translation
  // request (ATS) is recorded as a read: it asks for read (and write) permission and
  // carries no data (model choice; the spec's type table has no row for it).
  switch (fault.access) {
    case AccessKind::kWrite:
      r.t1 = fault.request_type == RequestType::kTranslation;
      break;
    case AccessKind::kRead:
      r.t1 = true;
      break;
    case AccessKind::kAtomic:
      r.t1 = true;
      r.t2 = fault.request_type != RequestType::kTranslation;
      break;
  }
  if (fault.page_request) {
    r.t1 = false;
    r.t2 = true;
  }
  r.address_type = static_cast<uint8_t>(fault.request_type);
  r.reason = static_cast<uint8_t>(fault.reason);
  r.source_id = fault.source_id.value();
  if (fault.pasid.has_value()) {
    r.pasid_present = true;
    r.pasid = *fault.pasid & 0xFFFFF;
    r.privileged = fault.privileged;
    // EXE is valid only for read requests with PASID.
    r.execute = fault.execute && fault.access == AccessKind::kRead;
  }
  return r;
}

FaultEventMessage FaultRecorder::CurrentMessage() const {
  FaultEventMessage m;
  m.address = (registers_->Get(RegId::kFeuaddr) << 32) | registers_->Get(RegId::kFeaddr);
  m.data = static_cast<uint32_t>(registers_->Get(RegId::kFedata));
  return m;
}

bool FaultRecorder::RaiseEvent() {
  uint64_t fectl = registers_->Get(RegId::kFectl);
  if (Fectl::kIm.Get(fectl) != 0) {
    registers_->Set(RegId::kFectl, Fectl::kIp.Set(fectl, 1));
    return false;
  }
  // Unmasked: the message is sent and IP is back to 0 (S §7.3.1).
  registers_->Set(RegId::kFectl, Fectl::kIp.Set(fectl, 0));
  last_sent_ = CurrentMessage();
  return true;
}

FaultRecordingResult FaultRecorder::Record(const Fault& fault) {
  FaultRecordingResult result;
  const uint64_t fsts = registers_->Get(RegId::kFsts);
  if (Fsts::kPfo.Get(fsts) != 0) {
    result.dropped_pfo = true;
    return result;
  }
  const int count = registers_->Count(RegId::kFrcdHi);
  if (next_ >= count) next_ = 0;
  if (FaultRecord::kF.Get(registers_->Get(RegId::kFrcdHi, next_)) != 0) {
    registers_->Set(RegId::kFsts, Fsts::kPfo.Set(fsts, 1));
    result.overflow = true;
    return result;
  }
  const std::array<uint64_t, 2> words = FaultRecord::FromFault(fault).Encode();
  registers_->Set(RegId::kFrcdLo, words[0], next_);
  const bool ppf_was_set = Fsts::kPpf.Get(fsts) != 0;
  if (!ppf_was_set) {
    registers_->Set(RegId::kFsts, Fsts::kFri.Set(fsts, static_cast<uint64_t>(next_)));
  }
  registers_->Set(RegId::kFrcdHi, words[1], next_);  // F last; PPF follows
  result.frcd_index = next_;
  next_ = (next_ + 1) % count;
  // A new event only when nothing was pending (S §7.3.1).
  if (!ppf_was_set && (fsts & Fsts::kEventStatusMask) == 0) {
    result.event_raised = true;
    result.message_sent = RaiseEvent();
  }
  return result;
}

std::optional<FaultEventMessage> FaultRecorder::RaiseStatusEvent(uint64_t previous_fsts,
                                                                 bool* event_raised) {
  if (event_raised != nullptr) *event_raised = false;
  if ((previous_fsts & Fsts::kEventStatusMask) != 0) return std::nullopt;
  if (event_raised != nullptr) *event_raised = true;
  if (RaiseEvent()) return last_sent_;
  return std::nullopt;
}

std::optional<FaultEventMessage> FaultRecorder::OnFectlWrite() {
  const uint64_t fectl = registers_->Get(RegId::kFectl);
  if (Fectl::kIm.Get(fectl) == 0 && Fectl::kIp.Get(fectl) != 0) {
    registers_->Set(RegId::kFectl, Fectl::kIp.Set(fectl, 0));
    last_sent_ = CurrentMessage();
    return last_sent_;
  }
  return std::nullopt;
}

void FaultRecorder::OnStatusCleared() {
  const uint64_t fectl = registers_->Get(RegId::kFectl);
  if (Fectl::kIp.Get(fectl) == 0) return;
  if ((registers_->Get(RegId::kFsts) & Fsts::kEventStatusMask) == 0) {
    registers_->Set(RegId::kFectl, Fectl::kIp.Set(fectl, 0));
  }
}

}  // namespace vtd

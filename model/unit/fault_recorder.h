// Primary fault logging and the fault event (VT-d spec §7.2.1, §7.3, §11.4.7): the
// fault-recording registers used as a ring, FSTS (PPF, PFO, FRI) and FECTL/FEDATA/FEADDR/
// FEUADDR, over the unit's RegisterFile. The recorder owns the hardware's internal ring
// index and the rules for when an interrupt message is sent; the register file owns the
// values and their access types (FRCD.F and FSTS.PFO are RW1C, PPF is the OR of the F bits).
//
// Recording a reportable fault (faults.md §5):
//   1. FSTS.PFO = 1: the fault is dropped.
//   2. FRCD[next].F = 1: FSTS.PFO is set and the fault dropped (overflow).
//   3. Otherwise FRCD[next] is written, F last; if PPF was 0, FRI = next and a fault event
//      is evaluated; next advances (wrapping after CAP.NFR).
// The model does not compress faults from the same source-id (the spec leaves that optional
// and recommends it only for units with few recording registers).
//
// Fault event (S §7.3.1): raised when PPF becomes set by a new record, unless one of PPF,
// PFO, IQE, ICE, ITE was already set. Raising sets FECTL.IP; if FECTL.IM = 0 the message
// (FEDATA/FEADDR/FEUADDR) is sent and IP cleared, else it stays pending until software
// clears IM. Software clearing every FSTS status bit while IP = 1 clears IP (the pending
// message is dropped).
#ifndef VTDSIM_MODEL_UNIT_FAULT_RECORDER_H_
#define VTDSIM_MODEL_UNIT_FAULT_RECORDER_H_

#include <cstdint>
#include <optional>

#include "model/common/bits.h"
#include "model/fault/fault.h"
#include "model/regs/register_file.h"

namespace vtd {

// FSTS_REG fields (S §11.4.7.1).
struct Fsts {
  static constexpr BitRange kFri{15, 8};
  static constexpr BitRange kIte = Bit(6);
  static constexpr BitRange kIce = Bit(5);
  static constexpr BitRange kIqe = Bit(4);
  static constexpr BitRange kPpf = Bit(1);
  static constexpr BitRange kPfo = Bit(0);
  // The status bits whose being set suppresses a new fault event.
  static constexpr uint64_t kEventStatusMask = 0b111'0011;
};

// FECTL_REG fields (S §11.4.7.2).
struct Fectl {
  static constexpr BitRange kIm = Bit(31);
  static constexpr BitRange kIp = Bit(30);
};

// A fault-recording register (S §11.4.7.6) as named fields, in the two 64-bit halves
// software reads.
struct FaultRecord {
  // Low half (bits 63:0).
  static constexpr BitRange kFi{63, 12};
  // High half (bits 127:64), positions relative to bit 64.
  static constexpr BitRange kF = Bit(63);
  static constexpr BitRange kT1 = Bit(62);
  static constexpr BitRange kAt{61, 60};
  static constexpr BitRange kPv{59, 40};
  static constexpr BitRange kFr{39, 32};
  static constexpr BitRange kPp = Bit(31);
  static constexpr BitRange kExe = Bit(30);
  static constexpr BitRange kPriv = Bit(29);
  static constexpr BitRange kT2 = Bit(28);
  static constexpr BitRange kSid{15, 0};

  bool fault = false;       // F
  uint64_t fault_info = 0;  // FI: page address (bits 63:12 in place)
  bool t1 = false;          // type: T1 T2 = 00 write, 01 page request, 10 read, 11 atomic
  bool t2 = false;
  uint8_t address_type = 0;  // AT
  uint32_t pasid = 0;        // PV
  uint8_t reason = 0;        // FR
  bool pasid_present = false;
  bool execute = false;
  bool privileged = false;
  uint16_t source_id = 0;

  static FaultRecord Decode(uint64_t lo, uint64_t hi);
  std::array<uint64_t, 2> Encode() const;
  // The record hardware writes for `fault` (F set).
  static FaultRecord FromFault(const Fault& fault);
  bool operator==(const FaultRecord&) const = default;
};

// What recording did.
struct FaultRecordingResult {
  int frcd_index = -1;  // -1: not recorded
  bool overflow = false;
  bool dropped_pfo = false;   // dropped because FSTS.PFO was already set
  bool event_raised = false;  // FECTL.IP was set (sent at once if unmasked)
  bool message_sent = false;
};

// The message the unit sends (FEDATA/FEADDR/FEUADDR, S §5.1.6 / §11.4.7.3-5).
struct FaultEventMessage {
  uint64_t address = 0;
  uint32_t data = 0;
};

class FaultRecorder {
 public:
  explicit FaultRecorder(RegisterFile* registers) : registers_(registers) {}

  // Records a reportable fault (the caller checks Fault::Reportable()).
  FaultRecordingResult Record(const Fault& fault);

  // Software register writes the recorder reacts to; each returns the message sent, if any.
  // FECTL written (IM cleared with IP set sends the pending message).
  std::optional<FaultEventMessage> OnFectlWrite();
  // FSTS or an FRCD high half written (RW1C): if every status bit is now clear, IP clears.
  void OnStatusCleared();

  // Another fault-event condition set by hardware (FSTS.IQE/ICE/ITE, set by the caller
  // before calling, with `previous_fsts` the value before): evaluates the event as for PPF.
  // Returns the message if one was sent.
  std::optional<FaultEventMessage> RaiseStatusEvent(uint64_t previous_fsts,
                                                    bool* event_raised = nullptr);

  // TES and IRES both 0: the ring index restarts at 0 (faults.md §5).
  void ResetIndex() { next_ = 0; }
  int next_index() const { return next_; }

  FaultEventMessage CurrentMessage() const;
  // The message sent, if one was (IP set then cleared at once when unmasked).
  std::optional<FaultEventMessage> last_sent() const { return last_sent_; }

 private:
  // Sets IP, and sends at once if unmasked. Returns true if sent.
  bool RaiseEvent();

  RegisterFile* registers_;
  int next_ = 0;
  std::optional<FaultEventMessage> last_sent_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_UNIT_FAULT_RECORDER_H_

// Page requests through the unit (VT-d spec §7.5; ECAP.PRS): the request is checked as the
// PR/PRn columns of faults.md §2-§3 say, written to the page request queue at PQA + PQT with
// PRS.PPR and the page request event (registers.md PQH/PQT/PQA/PRS/PECTL), and page group
// responses (page_grp_resp_dsc, invalidation.md §3.9) reach the device. Offsets and bit
// positions are the digest's.
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/scalable_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kEcapPrs = uint64_t{1} << 29;
constexpr uint32_t kPqh = 0xC0, kPqt = 0xC8, kPqa = 0xD0, kPrs = 0xDC, kPectl = 0xE0,
                   kPedata = 0xE4, kPeaddr = 0xE8;
constexpr uint64_t kPageQueue = 0x50000;

class PageRequestUnitTest : public ScalableUnitTest {
 protected:
  void Start(bool pre = true) {
    config_.ecap = kQemuScalablePasidEcap | kEcapDt | kEcapPrs;
    CreateUnit();
    EnableScalable();
    // Context entry: P | DTE<<2 | PASIDE<<3 | PRE<<4 | PASIDDIRPTR.
    SetSmContextRaw(1 | 4 | 8 | (pre ? 0x10 : 0) | kPasidDirectory);
    SetSecondStagePasid(1, 5);
    unit_->WriteRegister64(kPqa, kPageQueue);  // PQS 0: 128 descriptors
    unit_->WriteRegister32(kPedata, 0x4567);
    unit_->WriteRegister32(kPeaddr, 0xfee01000);
    unit_->WriteRegister32(kPectl, 0);  // IM=0
    unit_->set_page_response_listener(
        [this](const PageGroupResponseDescriptor& r) { responses_.push_back(r); });
  }
  PageRequestDescriptor Request(uint16_t prgi, bool last = true) {
    PageRequestDescriptor r;
    r.pasid_present = true;
    r.rid = kSid.value();
    r.pasid = 1;
    r.read = true;
    r.last_in_group = last;
    r.prgi = prgi;
    r.address = 0x1234000;
    return r;
  }
  std::vector<PageGroupResponseDescriptor> responses_;
};

TEST_F(PageRequestUnitTest, RequestIsWrittenAtTheTailWithPprAndEvent_Sec7_5) {
  Start();
  const PageRequestResult r = unit_->PageRequest(Request(0x1a5));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_FALSE(r.fault.has_value());
  ASSERT_TRUE(r.queued.has_value());
  EXPECT_EQ(r.queued->descriptor_address, kPageQueue);
  EXPECT_EQ(unit_->ReadRegister64(kPqt), 0x20u);
  EXPECT_EQ(unit_->ReadRegister32(kPrs) & 1, 1u);  // PPR
  // Qword 0: type 01h | PP<<8 | RID<<16 | PASID<<32; qword 1: RDR | LPIG<<2 | PRGI<<3 | ADDR.
  EXPECT_EQ(Read(kPageQueue),
            0x01 | (1u << 8) | (uint64_t{kSid.value()} << 16) | (uint64_t{1} << 32));
  EXPECT_EQ(Read(kPageQueue + 8), 1 | 4 | (uint64_t{0x1a5} << 3) | 0x1234000);
  ASSERT_TRUE(r.page_request_event.has_value());
  EXPECT_TRUE(r.page_request_event->sent);
  EXPECT_EQ(r.page_request_event->address, 0xfee01000u);
  EXPECT_EQ(r.page_request_event->data, 0x4567u);
  // A second request while PPR is set: written, no new event.
  const PageRequestResult second = unit_->PageRequest(Request(0x1a6));
  EXPECT_EQ(unit_->ReadRegister64(kPqt), 0x40u);
  EXPECT_FALSE(second.page_request_event.has_value());
  // Software consumes both and clears PPR (RW1C).
  unit_->WriteRegister64(kPqh, 0x40);
  unit_->WriteRegister32(kPrs, 1);
  EXPECT_EQ(unit_->ReadRegister32(kPrs) & 1, 0u);
  EXPECT_TRUE(unit_->PageRequest(Request(0x1a7)).page_request_event.has_value());
}

TEST_F(PageRequestUnitTest, PreClearIsSct8WithInvalidRequestResponse_FaultsTable) {
  Start(/*pre=*/false);
  const PageRequestResult r = unit_->PageRequest(Request(0x33));
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(static_cast<int>(r.fault->reason), 0x47);
  EXPECT_FALSE(r.queued.has_value());
  EXPECT_EQ(unit_->ReadRegister64(kPqt), 0u);
  ASSERT_TRUE(r.recorded);
  const FaultRecord rec = ReadFrcd(0);
  EXPECT_EQ(rec.reason, 0x47);
  EXPECT_FALSE(rec.t1);  // T2:T1 = 01b: page request
  EXPECT_TRUE(rec.t2);
  EXPECT_TRUE(rec.pasid_present);
  EXPECT_EQ(rec.pasid, 1u);
  // The last request of its group is answered Invalid Request (RC 1h); others are dropped.
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].response_code, PageResponseCode::kInvalidRequest);
  EXPECT_EQ(responses_[0].prgi, 0x33);
  EXPECT_EQ(responses_[0].rid, kSid.value());
  unit_->PageRequest(Request(0x34, /*last=*/false));
  EXPECT_EQ(responses_.size(), 1u);
}

TEST_F(PageRequestUnitTest, PasidNotEnabledIsSct6_FaultsTable) {
  Start();
  SetSmContextRaw(1 | 4 | 0x10 | kPasidDirectory);  // PASIDE=0
  Submit({0x11, 0, 0, 0});                          // cc_inv_dsc global
  const PageRequestResult r = unit_->PageRequest(Request(1));
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(static_cast<int>(r.fault->reason), 0x45);
}

TEST_F(PageRequestUnitTest, PageGroupResponseDescriptorReachesTheDevice_Sec7_6_1) {
  Start();
  // page_grp_resp_dsc: type 9 | PP<<4 | RC<<12 | RID<<16 | PASID<<32; qword 1 PRGI<<3.
  Submit({0x9 | (1u << 4) | (uint64_t{0xf} << 12) | (uint64_t{kSid.value()} << 16) |
              (uint64_t{1} << 32),
          uint64_t{0x155} << 3, 0, 0});
  EXPECT_EQ(Fsts() & (1u << 4), 0u) << "no IQE";
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_TRUE(responses_[0].pasid_present);
  EXPECT_EQ(responses_[0].response_code, PageResponseCode::kResponseFailure);
  EXPECT_EQ(responses_[0].rid, kSid.value());
  EXPECT_EQ(responses_[0].pasid, 1u);
  EXPECT_EQ(responses_[0].prgi, 0x155);
  // Response code 5h is reserved: an invalid descriptor (IQE), nothing delivered.
  Submit({0x9 | (uint64_t{5} << 12) | (uint64_t{kSid.value()} << 16), 0, 0, 0});
  EXPECT_NE(Fsts() & (1u << 4), 0u) << "IQE";
  EXPECT_EQ(responses_.size(), 1u);
}

TEST_F(PageRequestUnitTest, WithoutPrsNothingIsQueuedAndType9IsInvalid_Table26) {
  CreateUnit();  // QEMU's scalable unit: no PRS
  EnableScalable();
  const PageRequestResult r = unit_->PageRequest(Request(1));
  EXPECT_FALSE(r.status.ok());
  Submit({0x9 | (uint64_t{kSid.value()} << 16), 0, 0, 0});
  EXPECT_NE(Fsts() & (1u << 4), 0u) << "IQE";
}

}  // namespace
}  // namespace vtd

// GCMD_REG / GSTS_REG (VT-d spec §11.4.4) and SRTP latching of RTADDR_REG (§11.4.5).
#include "model/regs/global_command.h"

#include <cstdint>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/regs/register_file.h"

namespace vtd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr uint32_t kTe = 0x8000'0000;
constexpr uint32_t kSrtp = 0x4000'0000;
constexpr uint32_t kWbf = 0x0800'0000;
constexpr uint32_t kQie = 0x0400'0000;
constexpr uint32_t kIre = 0x0200'0000;
constexpr uint32_t kSirtp = 0x0100'0000;
constexpr uint32_t kCfi = 0x0080'0000;
constexpr uint32_t kGcmdOffset = 0x18;
constexpr uint32_t kGstsOffset = 0x1C;

std::unique_ptr<RegisterFile> MakeFile(uint64_t cap = kR630Cap) {
  auto f = RegisterFile::Create(RegisterFileConfig{kR630Version, cap, kR630Ecap});
  EXPECT_TRUE(f.ok()) << f.status();
  return std::move(f).value();
}

// Software's protocol (S §11.4.4.1): read GSTS, drop one-shot bits, change one bit, write.
GlobalCommandResult Command(RegisterFile& f, uint32_t bit, bool set) {
  const uint32_t status = f.Read32(kGstsOffset) & 0x96FF'FFFF;
  const uint32_t command = set ? (status | bit) : (status & ~bit);
  return *f.Write32(kGcmdOffset, command).global_command;
}

TEST(GlobalCommandTest, ConstantsMatchTheSpec) {
  EXPECT_EQ(Gcmd::kOneShotMask, ~uint32_t{0x96FF'FFFF});
  EXPECT_EQ(Gcmd::kDefinedMask, kTe | kSrtp | kWbf | kQie | kIre | kSirtp | kCfi);
}

TEST(GlobalCommandTest, SrtpLatchesRtaddrAndSetsRtps) {  // §11.4.4.1 SRTP, §11.4.5
  auto f = MakeFile();
  f->Write64(0x20, 0x0000'0012'3456'7000 | (0b00 << 10));
  EXPECT_FALSE(f->global_command().active_root_table().has_value());
  GlobalCommandResult r = Command(*f, kSrtp, true);
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kSetRootTablePointer));
  EXPECT_FALSE(r.multiple_commands);
  EXPECT_EQ(f->Read32(kGstsOffset), kSrtp);  // RTPS
  ASSERT_TRUE(f->global_command().active_root_table().has_value());
  const RootTablePointer& root = *f->global_command().active_root_table();
  EXPECT_EQ(root.address(), 0x12'3456'7000u);
  EXPECT_EQ(root.ttm(), 0);
  EXPECT_FALSE(root.ssirwe());
  // Changing RTADDR later has no effect until the next SRTP.
  f->Write64(0x20, 0xABC000 | (0b11 << 10));
  EXPECT_EQ(f->global_command().active_root_table()->address(), 0x12'3456'7000u);
  Command(*f, kSrtp, true);
  EXPECT_EQ(f->global_command().active_root_table()->address(), 0xABC000u);
  EXPECT_EQ(f->global_command().active_root_table()->ttm(), 3);  // TTM latched too
  EXPECT_THAT(f->diagnostics(), IsEmpty());
}

TEST(GlobalCommandTest, TranslationEnableAndDisable) {  // §11.4.4.1 TE, §11.4.4.2 TES
  auto f = MakeFile();
  Command(*f, kSrtp, true);
  GlobalCommandResult on = Command(*f, kTe, true);
  EXPECT_THAT(on.performed, ElementsAre(GlobalCommandKind::kEnableTranslation));
  EXPECT_EQ(f->Read32(kGstsOffset), kTe | kSrtp);
  EXPECT_TRUE(f->global_command().translation_enabled());
  // Writing the status back unchanged (TE still 1, one-shots dropped) is no command.
  GlobalCommandResult none = Command(*f, kTe, true);
  EXPECT_THAT(none.performed, IsEmpty());
  GlobalCommandResult off = Command(*f, kTe, false);
  EXPECT_THAT(off.performed, ElementsAre(GlobalCommandKind::kDisableTranslation));
  EXPECT_EQ(f->Read32(kGstsOffset), kSrtp);  // RTPS stays
  EXPECT_THAT(f->diagnostics(), IsEmpty());
}

TEST(GlobalCommandTest, SrtpWhileEnabledKeepsTranslationOn) {  // §11.4.5 RTA may change
  auto f = MakeFile();
  Command(*f, kSrtp, true);
  Command(*f, kTe, true);
  f->Write64(0x20, 0x5000);
  GlobalCommandResult r = Command(*f, kSrtp, true);  // TE bit carried from GSTS
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kSetRootTablePointer));
  EXPECT_EQ(f->Read32(kGstsOffset), kTe | kSrtp);
  EXPECT_EQ(f->global_command().active_root_table()->address(), 0x5000u);
  EXPECT_THAT(f->diagnostics(), IsEmpty());
}

TEST(GlobalCommandTest, ModeChangeWhileEnabledWithoutEsrtpsWarns) {  // §11.4.5 TTM
  auto f = MakeFile();
  Command(*f, kSrtp, true);
  Command(*f, kTe, true);
  f->Write64(0x20, 0x5000 | (0b01 << 10));
  GlobalCommandResult r = Command(*f, kSrtp, true);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("ESRTPS"));
  EXPECT_EQ(f->global_command().active_root_table()->ttm(), 1);
  ASSERT_EQ(f->diagnostics().size(), 1u);
  EXPECT_EQ(f->diagnostics()[0].kind, MmioDiagnostic::Kind::kGlobalCommand);
}

TEST(GlobalCommandTest, EnableBeforeSrtpWarns) {  // §11.4.4.1: SRTP must precede TE
  auto f = MakeFile();
  GlobalCommandResult r = Command(*f, kTe, true);
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kEnableTranslation));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("SRTP"));
  EXPECT_EQ(f->Read32(kGstsOffset), kTe);
  EXPECT_FALSE(f->global_command().active_root_table().has_value());
}

TEST(GlobalCommandTest, SeveralCommandsInOneWriteAreAllPerformedInOrderAndReported) {
  auto f = MakeFile(Capability::kRwbf.Set(kR630Cap, 1));
  f->Write64(0x20, 0x7000);
  WriteResult w = f->Write32(kGcmdOffset, kTe | kSrtp | kWbf);
  ASSERT_TRUE(w.global_command.has_value());
  EXPECT_THAT(w.global_command->performed, ElementsAre(GlobalCommandKind::kSetRootTablePointer,
                                                       GlobalCommandKind::kWriteBufferFlush,
                                                       GlobalCommandKind::kEnableTranslation));
  EXPECT_TRUE(w.global_command->multiple_commands);
  // SRTP ran before TE, so there is no "TE before SRTP" warning.
  ASSERT_EQ(w.global_command->warnings.size(), 1u);
  EXPECT_THAT(w.global_command->warnings[0], HasSubstr("3 commands"));
  EXPECT_EQ(f->Read32(kGstsOffset), kTe | kSrtp);
  ASSERT_EQ(f->diagnostics().size(), 1u);
  EXPECT_EQ(f->diagnostics()[0].kind, MmioDiagnostic::Kind::kGlobalCommand);
}

TEST(GlobalCommandTest, WriteBufferFlushNeedsRwbf) {  // §11.4.4.1 WBF, §11.4.4.2 WBFS
  auto without = MakeFile();                          // R630: RWBF = 0
  GlobalCommandResult ignored = Command(*without, kWbf, true);
  EXPECT_THAT(ignored.performed, IsEmpty());
  EXPECT_EQ(ignored.ignored_bits, kWbf);
  EXPECT_EQ(without->Read32(kGstsOffset), 0u);

  auto with = MakeFile(Capability::kRwbf.Set(kR630Cap, 1));
  GlobalCommandResult flushed = Command(*with, kWbf, true);
  EXPECT_THAT(flushed.performed, ElementsAre(GlobalCommandKind::kWriteBufferFlush));
  EXPECT_EQ(flushed.ignored_bits, 0u);
  EXPECT_EQ(with->Read32(kGstsOffset), 0u);  // WBFS: set and cleared within the write
}

TEST(GlobalCommandTest, QueuedInvalidationAndInterruptBitsNeedTheirCapabilities) {
  // No QI, IR, EIM, DT, MHMV (ECAP) and no PI (CAP): the bits are reserved on such hardware.
  const uint64_t ecap =
      kR630Ecap & ~(ExtendedCapability::kQi.mask() | ExtendedCapability::kIr.mask() |
                    ExtendedCapability::kEim.mask() | ExtendedCapability::kDt.mask() |
                    ExtendedCapability::kMhmv.mask());
  const uint64_t cap = kR630Cap & ~Capability::kPi.mask();
  auto created = RegisterFile::Create(RegisterFileConfig{kR630Version, cap, ecap});
  ASSERT_TRUE(created.ok()) << created.status();
  RegisterFile& f = **created;
  for (uint32_t bit : {kQie, kIre, kSirtp, kCfi}) {
    GlobalCommandResult r = Command(f, bit, true);
    EXPECT_THAT(r.performed, IsEmpty()) << bit;
    EXPECT_EQ(r.ignored_bits, bit);
    EXPECT_EQ(f.Read32(kGstsOffset), 0u);
  }
}

TEST(GlobalCommandTest, QieSetsAndClearsQies) {  // §11.4.4.1 QIE, §11.4.4.2 QIES
  auto f = MakeFile();
  GlobalCommandResult on = Command(*f, kQie, true);
  EXPECT_THAT(on.performed, ElementsAre(GlobalCommandKind::kEnableQueuedInvalidation));
  EXPECT_EQ(on.ignored_bits, 0u);
  EXPECT_EQ(f->Read32(kGstsOffset), kQie);
  EXPECT_TRUE(f->global_command().queued_invalidation_enabled());
  GlobalCommandResult off = Command(*f, kQie, false);
  EXPECT_THAT(off.performed, ElementsAre(GlobalCommandKind::kDisableQueuedInvalidation));
  EXPECT_EQ(f->Read32(kGstsOffset), 0u);
}

TEST(GlobalCommandTest, SirtpLatchesIrtaAndSetsIrtps) {  // §11.4.4.1 SIRTP, §11.4.10
  auto f = MakeFile();
  EXPECT_FALSE(f->global_command().active_interrupt_table().has_value());
  f->Write64(0xB8, 0x12'3456'7000 | (1 << 11) | 0xF);
  GlobalCommandResult r = Command(*f, kSirtp, true);
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kSetInterruptRemapTablePointer));
  EXPECT_EQ(f->Read32(kGstsOffset), kSirtp);  // IRTPS
  ASSERT_TRUE(f->global_command().active_interrupt_table().has_value());
  EXPECT_EQ(*f->global_command().active_interrupt_table(), 0x12'3456'7000u | (1 << 11) | 0xF);
  // A later IRTA write has no effect until the next SIRTP.
  f->Write64(0xB8, 0xABC000);
  EXPECT_EQ(*f->global_command().active_interrupt_table(), 0x12'3456'7000u | (1 << 11) | 0xF);
  Command(*f, kSirtp, true);
  EXPECT_EQ(*f->global_command().active_interrupt_table(), 0xABC000u);
}

TEST(GlobalCommandTest, IreAndCfiSetAndClearTheirStatus) {  // §11.4.4.1 IRE, CFI
  auto f = MakeFile();
  Command(*f, kSirtp, true);
  GlobalCommandResult ire = Command(*f, kIre, true);
  EXPECT_THAT(ire.performed, ElementsAre(GlobalCommandKind::kEnableInterruptRemapping));
  EXPECT_THAT(ire.warnings, IsEmpty());
  EXPECT_TRUE(f->global_command().interrupt_remapping_enabled());
  GlobalCommandResult cfi = Command(*f, kCfi, true);
  EXPECT_THAT(cfi.performed, ElementsAre(GlobalCommandKind::kEnableCompatibilityFormat));
  EXPECT_TRUE(f->global_command().compatibility_format_allowed());
  EXPECT_EQ(f->Read32(kGstsOffset), kIre | kSirtp | kCfi);
  EXPECT_THAT(Command(*f, kCfi, false).performed,
              ElementsAre(GlobalCommandKind::kDisableCompatibilityFormat));
  EXPECT_THAT(Command(*f, kIre, false).performed,
              ElementsAre(GlobalCommandKind::kDisableInterruptRemapping));
  EXPECT_EQ(f->Read32(kGstsOffset), kSirtp);
}

TEST(GlobalCommandTest, IreBeforeSirtpWarns) {
  auto f = MakeFile();
  GlobalCommandResult r = Command(*f, kIre, true);
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kEnableInterruptRemapping));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("SIRTP first"));
}

TEST(GlobalCommandTest, SirtpChangingEimeWhileEnabledWarns) {
  auto f = MakeFile();
  Command(*f, kSirtp, true);
  Command(*f, kIre, true);
  f->Write64(0xB8, 1 << 11);
  GlobalCommandResult r = Command(*f, kSirtp, true);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("EIME"));
}

TEST(GlobalCommandTest, LinuxShadowBitsAreNotCommands) {
  auto f = MakeFile();
  Command(*f, kQie, true);
  Command(*f, kSirtp, true);
  Command(*f, kIre, true);
  Command(*f, kSrtp, true);
  // Linux keeps QIE/IRE in its shadow of GCMD: later commands still count as one.
  GlobalCommandResult r = *f->Write32(kGcmdOffset, kTe | kQie | kIre).global_command;
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kEnableTranslation));
  EXPECT_FALSE(r.multiple_commands);
  EXPECT_EQ(r.ignored_bits, 0u);
  EXPECT_EQ(f->Read32(kGstsOffset), kTe | kSrtp | kQie | kIre | kSirtp);
  EXPECT_THAT(f->diagnostics(), IsEmpty());
}

// kvm-unit-tests and QEMU's qtests write "GSTS | command": SRTP, whose RTPS is already set,
// comes again with RTADDR unchanged. Re-latching the same pointer changes nothing, so the
// write carries one command and gets no protocol diagnostic; SRTP is still performed.
TEST(GlobalCommandTest, ReissuedOneShotWithUnchangedPointerIsNotASecondCommand) {
  auto f = MakeFile();
  f->Write64(0x20, 0x100000);  // RTADDR
  Command(*f, kSrtp, true);
  f->TakeDiagnostics();
  GlobalCommandResult r =
      *f->Write32(kGcmdOffset, f->Read32(kGstsOffset) | kTe).global_command;  // SRTP | TE
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kSetRootTablePointer,
                                       GlobalCommandKind::kEnableTranslation));
  EXPECT_FALSE(r.multiple_commands);
  EXPECT_THAT(f->TakeDiagnostics(), IsEmpty());
  EXPECT_EQ(f->Read32(kGstsOffset), kTe | kSrtp);

  // SIRTP re-issued the same way beside one command: quiet too.
  Command(*f, kSirtp, true);
  f->TakeDiagnostics();
  r = *f->Write32(kGcmdOffset, f->Read32(kGstsOffset) | kQie).global_command;
  EXPECT_FALSE(r.multiple_commands);
  EXPECT_THAT(f->TakeDiagnostics(), IsEmpty());
}

// The re-issue is a real command when the pointer changed, and two real commands keep the
// note however many re-issued bits come with them.
TEST(GlobalCommandTest, ReissuedOneShotStillCountsWhenItChangesSomething) {
  auto f = MakeFile();
  f->Write64(0x20, 0x100000);
  Command(*f, kSrtp, true);
  f->Write64(0x20, 0x200000);  // a new root table: SRTP latches something new
  f->TakeDiagnostics();
  GlobalCommandResult r = *f->Write32(kGcmdOffset, f->Read32(kGstsOffset) | kTe).global_command;
  EXPECT_TRUE(r.multiple_commands);
  EXPECT_THAT(f->TakeDiagnostics(),
              ElementsAre(::testing::Field(&MmioDiagnostic::message, HasSubstr("carries 2"))));

  auto g = MakeFile();
  g->Write64(0x20, 0x100000);
  Command(*g, kSrtp, true);
  g->TakeDiagnostics();
  r = *g->Write32(kGcmdOffset, g->Read32(kGstsOffset) | kTe | kQie).global_command;
  EXPECT_TRUE(r.multiple_commands);
  EXPECT_THAT(g->TakeDiagnostics(),
              ElementsAre(::testing::Field(&MmioDiagnostic::message, HasSubstr("carries 3"))));
}

TEST(GlobalCommandTest, SeveralNewCommandsInOneWriteRunInOrder) {
  auto f = MakeFile();
  GlobalCommandResult r = *f->Write32(kGcmdOffset, kSirtp | kQie | kIre | kCfi).global_command;
  EXPECT_THAT(r.performed, ElementsAre(GlobalCommandKind::kSetInterruptRemapTablePointer,
                                       GlobalCommandKind::kEnableQueuedInvalidation,
                                       GlobalCommandKind::kEnableInterruptRemapping,
                                       GlobalCommandKind::kEnableCompatibilityFormat));
  EXPECT_TRUE(r.multiple_commands);
  EXPECT_EQ(GlobalCommandKindName(GlobalCommandKind::kEnableQueuedInvalidation),
            "enable-queued-invalidation");
}

TEST(GlobalCommandTest, GcmdReadsZeroAndReservedBitsAreIgnored) {  // §11.4.4.1 WO, RsvdZ
  auto f = MakeFile();
  WriteResult w = f->Write32(kGcmdOffset, 0x307F'FFFF);  // only 29:28 and 22:0
  EXPECT_THAT(w.global_command->performed, IsEmpty());
  EXPECT_EQ(f->Read32(kGcmdOffset), 0u);
  EXPECT_EQ(f->Read32(kGstsOffset), 0u);
  ASSERT_EQ(w.hooks.size(), 1u);
  EXPECT_EQ(w.hooks[0].id, RegId::kGcmd);
}

TEST(GlobalCommandTest, ResetClearsStatusAndRootTable) {  // §11.4.4.2 defaults
  GlobalCommand g(Capability::Decode(kR630Cap), ExtendedCapability::Decode(kR630Ecap));
  g.Write(kSrtp, 0x1000);
  g.Write(kTe, 0x1000);
  EXPECT_EQ(g.status(), kTe | kSrtp);
  g.Reset();
  EXPECT_EQ(g.status(), 0u);
  EXPECT_FALSE(g.active_root_table().has_value());
}

}  // namespace
}  // namespace vtd

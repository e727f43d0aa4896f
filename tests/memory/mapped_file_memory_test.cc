// Raw image files mapped into host memory: windows, in-order overlays, copy-on-write, errors,
// and a 2 GiB sparse image that is mapped without being read.
#include "model/memory/mapped_file_memory.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::testing::HasSubstr;
using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;

// A file of `size` bytes (a hole) with `bytes` written at `at`; removed by the test's end.
class TempImage {
 public:
  TempImage(uint64_t size, uint64_t at, const std::vector<uint8_t>& bytes) {
    static int counter = 0;
    path_ = ::testing::TempDir() + "vtd_image_" + std::to_string(getpid()) + "_" +
            std::to_string(counter++) + ".bin";
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(ftruncate(fileno(f), static_cast<off_t>(size)), 0);
    if (!bytes.empty()) {
      EXPECT_EQ(fseeko(f, static_cast<off_t>(at), SEEK_SET), 0);
      EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    }
    std::fclose(f);
  }
  ~TempImage() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<MappedFileMemory> MakeMemory(uint64_t size) {
  auto memory = MappedFileMemory::Create(size);
  EXPECT_TRUE(memory.ok());
  return std::move(memory).value();
}

TEST(MappedFileMemoryTest, WindowAppearsAtItsAddress) {
  // File bytes 0x2000.. are 11 22 33 44 55 66 77 88; window from offset 0x2000 at 0x10000.
  TempImage image(0x4000, 0x2000, {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88});
  auto memory = MakeMemory(1 << 20);
  ASSERT_THAT(memory->MapFile({.path = image.path(), .address = 0x10000, .offset = 0x2000}),
              IsOk());
  EXPECT_EQ(*memory->Read64(0x10000), 0x8877665544332211u);
  uint64_t v = 0;
  ASSERT_TRUE(memory->HwReadAligned64(0x10000, {}, &v));
  EXPECT_EQ(v, 0x8877665544332211u);
  EXPECT_EQ(*memory->Read(0x11ffc, 4), 0u);  // the rest of the file is a hole
  EXPECT_EQ(*memory->Read(0x12000, 4), 0u);  // past the window: sparse, zero
  EXPECT_EQ(memory->allocated_page_count(), 0);
}

TEST(MappedFileMemoryTest, WritesArePrivateAndTheFileIsUnchanged) {
  TempImage image(0x1000, 0, {0xaa});
  auto memory = MakeMemory(1 << 20);
  ASSERT_THAT(memory->MapFile({.path = image.path(), .address = 0}), IsOk());
  ASSERT_THAT(memory->Write(0, 1, 0x5b), IsOk());
  ASSERT_THAT(memory->HwWrite(8, 4, 0xdeadbeef, {MemoryAccessKind::kDmaData}), IsOk());
  EXPECT_EQ(*memory->Read(0, 1), 0x5bu);
  EXPECT_EQ(*memory->Read(8, 4), 0xdeadbeefu);
  std::ifstream in(image.path(), std::ios::binary);
  EXPECT_EQ(in.get(), 0xaa);
  // A second memory mapping the same file sees the file, not the first memory's writes.
  auto other = MakeMemory(1 << 20);
  ASSERT_THAT(other->MapFile({.path = image.path(), .address = 0}), IsOk());
  EXPECT_EQ(*other->Read(0, 1), 0xaau);
}

TEST(MappedFileMemoryTest, LengthThatIsNotAPageMultipleKeepsTheRestOfThePage) {
  // Window: 0x1004 bytes; its last page holds 4 file bytes over what was written before.
  TempImage image(0x2000, 0x1000, {1, 2, 3, 4, 5, 6, 7, 8});
  auto memory = MakeMemory(1 << 20);
  ASSERT_THAT(memory->Write64(0x21000, 0xffffffffffffffffu), IsOk());
  ASSERT_THAT(memory->MapFile({.path = image.path(), .address = 0x20000, .length = 0x1004}),
              IsOk());
  EXPECT_EQ(*memory->Read64(0x21000), 0xffffffff04030201u);
}

TEST(MappedFileMemoryTest, LaterWindowsAndWritesCoverEarlierOnes) {
  TempImage a(0x2000, 0, std::vector<uint8_t>(0x2000, 0xaa));
  TempImage b(0x1000, 0, std::vector<uint8_t>(0x1000, 0xbb));
  auto memory = MakeMemory(1 << 20);
  ASSERT_THAT(memory->Write(0x1000, 1, 0x11), IsOk());  // covered by window a
  ASSERT_THAT(memory->MapFile({.path = a.path(), .address = 0}), IsOk());
  EXPECT_EQ(*memory->Read(0x1000, 1), 0xaau);
  EXPECT_EQ(memory->allocated_page_count(), 0);  // the page's own storage is gone
  ASSERT_THAT(memory->MapFile({.path = b.path(), .address = 0x1000}), IsOk());
  EXPECT_EQ(*memory->Read(0x0fff, 1), 0xaau);
  EXPECT_EQ(*memory->Read(0x1000, 1), 0xbbu);
  ASSERT_THAT(memory->Write(0x1000, 1, 0x22), IsOk());
  EXPECT_EQ(*memory->Read(0x1000, 1), 0x22u);
  EXPECT_EQ(memory->window_count(), 2);
}

TEST(MappedFileMemoryTest, BadWindowsNameTheFileAndTheProblem) {
  TempImage image(0x2000, 0, {});
  auto memory = MakeMemory(0x10000);
  EXPECT_THAT(memory->MapFile({.path = image.path() + ".missing"}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(".missing")));
  EXPECT_THAT(memory->MapFile({.path = image.path(), .address = 0x800}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("4 KiB aligned")));
  EXPECT_THAT(memory->MapFile({.path = image.path(), .offset = 0x100}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("4 KiB aligned")));
  EXPECT_THAT(memory->MapFile({.path = image.path(), .offset = 0x1000, .length = 0x1001}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("past the end of the file")));
  EXPECT_THAT(memory->MapFile({.path = image.path(), .offset = 0x2000}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(memory->MapFile({.path = image.path(), .address = 0xf000}),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("end of memory")));
  EXPECT_THAT(memory->MapFile({.path = ::testing::TempDir()}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  EXPECT_EQ(memory->window_count(), 0);
  EXPECT_THAT(MappedFileMemory::WindowLength({.path = image.path(), .offset = 0x1000}),
              ::testing::AllOf(
                  IsOk(), ::testing::Property(&absl::StatusOr<uint64_t>::value, uint64_t{0x1000})));
}

long MaxRssKiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(MappedFileMemoryTest, TwoGiBSparseImageIsNotReadWhole) {
  // A 2 GiB hole with one qword near the end; memory of 4 GiB with the image at 1 GiB.
  const uint64_t two_gib = uint64_t{2} << 30;
  TempImage image(two_gib, two_gib - 0x1000, {0x78, 0x56, 0x34, 0x12});
  auto memory = MakeMemory(uint64_t{4} << 30);
  const long before = MaxRssKiB();
  ASSERT_THAT(memory->MapFile({.path = image.path(), .address = uint64_t{1} << 30}), IsOk());
  EXPECT_EQ(*memory->Read(uint64_t{1} << 30, 4), 0u);
  EXPECT_EQ(*memory->Read((uint64_t{1} << 30) + two_gib - 0x1000, 4), 0x12345678u);
  // Two pages touched: the process grew by far less than the image (64 MiB of slack for the
  // allocator and the sanitizers' bookkeeping).
  EXPECT_LT(MaxRssKiB() - before, 64 * 1024);
  EXPECT_EQ(memory->allocated_page_count(), 0);
}

}  // namespace
}  // namespace vtd

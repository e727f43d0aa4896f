// Writes the fuzz targets' seed corpora:
//   vtd_fuzz_seeds OUT SOURCE_DIR SHARED_DIR
// OUT/unit, OUT/queue, OUT/interrupt: the seed programs (unit_seeds.cc), encoded;
// OUT/scenario: every scenario under SOURCE_DIR/scenarios;
// OUT/dmar: the binary tables of SHARED_DIR/corpus/dmar (*.bin only);
// OUT/acpidump: the same tables as acpidump text, alone and after another table.
// Each directory is emptied first, so the seed set is the same on every run.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "tests/fuzz/acpidump_text.h"
#include "tests/fuzz/unit_program.h"

namespace fs = std::filesystem;

namespace {

void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

fs::path Fresh(const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<fs::path> Sorted(const fs::path& dir, const std::string& extension, bool recursive) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  if (recursive) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == extension) files.push_back(e.path());
    }
  } else {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == extension) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: vtd_fuzz_seeds OUT SOURCE_DIR SHARED_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  const fs::path source = argv[2];
  const fs::path shared = argv[3];
  using vtd::fuzz::Profile;
  for (Profile p : {Profile::kUnit, Profile::kQueue, Profile::kInterrupt}) {
    const fs::path dir = Fresh(out / vtd::fuzz::ProfileName(p));
    int n = 0;
    for (const vtd::fuzz::Program& program : vtd::fuzz::SeedPrograms(p)) {
      const std::vector<uint8_t> bytes = vtd::fuzz::EncodeProgram(p, program);
      WriteFile(dir / absl::StrFormat("seed-%02d", n++), std::string(bytes.begin(), bytes.end()));
    }
  }
  const fs::path scenarios = Fresh(out / "scenario");
  for (const fs::path& f : Sorted(source / "scenarios", ".yaml", true)) {
    std::string name = fs::relative(f, source / "scenarios").string();
    std::replace(name.begin(), name.end(), '/', '-');
    fs::copy_file(f, scenarios / name);
  }
  const fs::path dmar = Fresh(out / "dmar");
  const fs::path acpidump = Fresh(out / "acpidump");
  // A small table of another signature, so seeds also hold multi-table dumps.
  const std::string facp =
      "FACP\x24\x00\x00\x00\x06\x00VTDSIMSEEDTABLE\x01\x00\x00\x00"
      "VTDS\x01\x00\x00\x00";
  const std::vector<uint8_t> other(facp.begin(), facp.end());
  int n = 0;
  for (const fs::path& f : Sorted(shared / "corpus" / "dmar", ".bin", false)) {
    fs::copy_file(f, dmar / f.filename());
    const std::string bytes = ReadFile(f);
    const std::vector<uint8_t> table(bytes.begin(), bytes.end());
    const std::string text = vtd::fuzz::AcpidumpText("DMAR", 0x78e7b000, table);
    WriteFile(acpidump / (f.stem().string() + ".txt"), text);
    if (n++ % 8 == 0) {
      WriteFile(acpidump / (f.stem().string() + "-with-facp.txt"),
                vtd::fuzz::AcpidumpText("FACP", 0x78e7a000, other) + text);
    }
  }
  return 0;
}

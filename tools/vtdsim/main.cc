// vtdsim: command-line front end. Dispatches to the subcommands in command.h.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "tools/vtdsim/command.h"

namespace {

struct Subcommand {
  std::string_view name;
  int (*run)(const vtd::cli::Args&);
  std::string_view summary;
};

constexpr Subcommand kSubcommands[] = {
    {"dmar", vtd::cli::DmarCommand, "decode, check and route ACPI DMAR tables"},
    {"caps", vtd::cli::CapsCommand, "decode CAP/ECAP registers and say if vtdsim models the unit"},
    {"run", vtd::cli::RunCommand, "run scenarios (YAML) and check their expectations"},
    {"explain", vtd::cli::ExplainCommand, "run a scenario and explain each DMA's walk in words"},
    {"import", vtd::cli::ImportCommand,
     "a real machine as a scenario (DMAR + boot log/sysfs, or debugfs dumps)"},
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "usage: vtdsim COMMAND [ARGS...]\n"
               "A model of Intel VT-d DMA and interrupt remapping hardware.\n\n"
               "commands:\n");
  for (const Subcommand& c : kSubcommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out,
               "\nRun 'vtdsim COMMAND --help' for a command's options, 'vtdsim --version' for "
               "the version.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    std::printf("vtdsim %s\n", VTDSIM_VERSION);
    return 0;
  }
  vtd::cli::Args args(argv + 2, argv + argc);
  for (const Subcommand& c : kSubcommands) {
    if (c.name == name) return c.run(args);
  }
  std::fprintf(stderr, "vtdsim: unknown command '%s' (try 'vtdsim --help')\n", argv[1]);
  return 2;
}

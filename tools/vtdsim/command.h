// The vtdsim subcommands. Each lives in its own file and returns the process exit code.
#ifndef VTDSIM_TOOLS_VTDSIM_COMMAND_H_
#define VTDSIM_TOOLS_VTDSIM_COMMAND_H_

#include <string>
#include <vector>

namespace vtd::cli {

using Args = std::vector<std::string>;

// `vtdsim dmar decode|check|route ...` (dmar_command.cc).
int DmarCommand(const Args& args);

// `vtdsim caps --cap X --ecap Y | --dmesg LINE` (caps_command.cc).
int CapsCommand(const Args& args);

// `vtdsim run PATH... [--json] [--explain]` and `vtdsim explain FILE [--step N]`
// (run_command.cc).
int RunCommand(const Args& args);

// `vtdsim import machine|debugfs ...` (import_command.cc): real machines as scenarios.
int ImportCommand(const Args& args);
int ExplainCommand(const Args& args);

}  // namespace vtd::cli

#endif  // VTDSIM_TOOLS_VTDSIM_COMMAND_H_

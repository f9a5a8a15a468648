// Runs a program with arguments and optional standard input, capturing standard output,
// standard error and the exit status. For end-to-end tests of the `baove` executable.
#pragma once

#include <string>
#include <vector>

namespace baove::testing {

struct CommandResult {
  int exit_code = -1;  // -1: did not exit normally
  std::string out;
  std::string err;
};

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                          const std::string& cwd = "");

}  // namespace baove::testing

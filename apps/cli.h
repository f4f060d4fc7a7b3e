// Shared pieces of the command-line entry points.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "engine/policy/diagnostic.h"

namespace ha::cli {

// Exit codes of every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // invalid input: a file, a value, a failed check
inline constexpr int kExitUsage = 2;    // bad command line or an unknown plugin name

// Thrown by subcommands for a bad command line; main() prints it with the usage hint.
struct UsageError {
  std::string message;
};

// Thrown for an invalid value on the command line (exit 1, one line on stderr).
struct InputError {
  std::string message;
};

// A subcommand: its name, one-line summary, and entry point taking the arguments after the
// subcommand's name.
struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
};

// Prints every diagnostic, one per line; returns kExitUsage when one is an unknown plugin
// name, else kExitInvalid.
int report(const Diagnostics& diags, std::ostream& err);

// Creates `dir` (and parents); false after printing why it could not.
bool make_output_dir(const std::string& dir, std::ostream& err);
// Writes `text` to `path`; false after printing why it could not.
bool write_output_file(const std::string& path, const std::string& text, std::ostream& err);

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_simulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_chaos(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_mock_cluster(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_agent(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_preflight(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_record(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_emulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_evaluate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_mock_harvester(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_mock_nomad(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_plugin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_sweep(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `optimize SCENARIO --slo ... --space ...` (apps/cmd_optimize.cc).
int run_optimize(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `optimize merge DIR...` (apps/cmd_optimize_merge.cc).
int run_optimize_merge(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `sweep merge DIR...` (apps/cmd_sweep_merge.cc).
int run_sweep_merge(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ha::cli

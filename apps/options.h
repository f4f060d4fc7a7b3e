// boost::program_options glue: parse a subcommand's arguments, turning every parse problem
// into a cli::UsageError.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/overrides.h"
#include "sim/scenario_loader.h"

namespace ha::cli {

namespace po = boost::program_options;

// The `--set KEY=VALUE` overrides given (none: empty); a malformed one is a UsageError.
std::vector<Override> set_overrides(const po::variables_map& vm);

// The positional SCENARIO of simulate, emulate and chaos, loaded with the `--set` overrides
// and `--seed` applied. Nullopt after printing why it could not be to `err`, with the exit
// status in `exit_code`; a missing file argument or an unused override is a UsageError.
std::optional<LoadedScenario> load_scenario_arg(const po::variables_map& vm, std::ostream& err,
                                                int& exit_code);

po::variables_map parse_options(const std::vector<std::string>& args,
                                const po::options_description& options,
                                const po::positional_options_description* positional = nullptr);

}  // namespace ha::cli

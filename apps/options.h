// boost::program_options glue: parse a subcommand's arguments, turning every parse problem
// into a cli::UsageError.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "sim/overrides.h"

namespace ha::cli {

namespace po = boost::program_options;

// The `--set KEY=VALUE` overrides given (none: empty); a malformed one is a UsageError.
std::vector<Override> set_overrides(const po::variables_map& vm);

po::variables_map parse_options(const std::vector<std::string>& args,
                                const po::options_description& options,
                                const po::positional_options_description* positional = nullptr);

}  // namespace ha::cli

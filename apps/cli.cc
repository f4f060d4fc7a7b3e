#include <filesystem>
#include <fstream>
#include <ostream>

#include "apps/cli.h"
#include "apps/options.h"

namespace ha::cli {

std::vector<Override> set_overrides(const po::variables_map& vm) {
  std::vector<Override> overrides;
  if (!vm.count("set")) return overrides;
  for (const std::string& kv : vm["set"].as<std::vector<std::string>>()) {
    auto o = parse_override(kv);
    if (!o) throw UsageError{o.error().message};
    overrides.push_back(*o);
  }
  return overrides;
}

std::optional<LoadedScenario> load_scenario_arg(const po::variables_map& vm, std::ostream& err,
                                                int& exit_code) {
  if (!vm.count("scenario")) throw UsageError{"no scenario file given"};
  std::vector<Override> overrides = set_overrides(vm);
  Diagnostics diags;
  auto loaded = load_scenario(vm["scenario"].as<std::string>(), overrides, diags);
  if (!diags.empty()) {
    exit_code = report(diags, err);
    return std::nullopt;
  }
  if (!loaded) {
    err << loaded.error().message << "\n";
    exit_code = kExitInvalid;
    return std::nullopt;
  }
  if (auto used = check_all_used(overrides); !used) throw UsageError{used.error().message};
  if (vm.count("seed")) loaded->scenario.seed = vm["seed"].as<std::uint64_t>();
  return std::move(*loaded);
}

po::variables_map parse_options(const std::vector<std::string>& args,
                                const po::options_description& options,
                                const po::positional_options_description* positional) {
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError{e.what()};
  }
  return vm;
}

int report(const Diagnostics& diags, std::ostream& err) {
  bool unknown_name = false;
  for (const Diagnostic& d : diags) {
    err << d.to_string() << "\n";
    unknown_name = unknown_name || d.unknown_name;
  }
  return unknown_name ? kExitUsage : kExitInvalid;
}

bool make_output_dir(const std::string& dir, std::ostream& err) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) err << dir << ": cannot create: " << ec.message() << "\n";
  return !ec;
}

bool write_output_file(const std::string& path, const std::string& text, std::ostream& err) {
  std::ofstream f(path);
  f << text;
  if (!f) err << path << ": cannot write\n";
  return static_cast<bool>(f);
}

}  // namespace ha::cli

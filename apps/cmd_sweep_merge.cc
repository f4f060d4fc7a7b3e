// `sweep merge DIR... [--out DIR]`: the slices of a sweep run with --shard I/N (on several
// machines, or as a Nomad job's dispatches) made into the one sweep.csv and sweep.html a
// single run writes. Every slice's shard-I-of-N.json must be there once, for the same
// scenario and grid; each names its variants, whose reports are read from beside it.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "apps/cli.h"
#include "apps/options.h"
#include "apps/sweep_output.h"

namespace ha::cli {
namespace {

constexpr const char* kMergeHelp =
    "Usage: harvester-autoscaler sweep merge DIR... [--out DIR]\n\n"
    "Builds sweep.csv and sweep.html from the slices of a sweep run with --shard I/N: every\n"
    "DIR holds one or more slices' shard-I-of-N.json and variant-<i>.json. All N slices\n"
    "must be there, once each, for the same scenario and grid. --out defaults to the first\n"
    "DIR.\n\n";

nlohmann::ordered_json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError{path.string() + ": cannot read"};
  try {
    return nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError{path.string() + ": not JSON: " + e.what()};
  }
}

}  // namespace

int run_sweep_merge(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                      //
      ("out", po::value<std::string>(), "where to write (default: the first DIR)")  //
      ("dir", po::value<std::vector<std::string>>(), "a slice's directory");
  po::positional_options_description positional;
  positional.add("dir", -1);
  auto vm = parse_options(args, options, &positional);
  if (vm.count("help")) {
    out << kMergeHelp << options;
    return kExitOk;
  }
  if (!vm.count("dir")) throw UsageError{"sweep merge: no directory given"};
  const std::regex manifest_name(R"(shard-(\d+)-of-(\d+)\.json)");
  std::optional<nlohmann::ordered_json> first;  // scenario and grid all slices must share
  std::size_t shards = 0;
  std::map<std::size_t, SweepVariant> variants;
  auto slices = find_slice_manifests(vm["dir"].as<std::vector<std::string>>(), manifest_name,
                                     "sweep merge", "shard-I-of-N.json");
  for (const auto& [shard, path] : slices) {
    auto manifest = read_json(path);
    std::string where = path.string();
    if (!manifest.contains("variants") || !manifest.contains("shards") ||
        !manifest.contains("grid") || !manifest.contains("scenario")) {
      throw InputError{where + ": not a sweep slice's manifest"};
    }
    if (manifest["shard"] != shard) {
      throw InputError{where + ": its name and its \"shard\" disagree"};
    }
    std::size_t n = manifest["shards"].get<std::size_t>();
    if (!first) {
      first = manifest;
      shards = n;
    } else if (manifest["scenario"] != (*first)["scenario"] ||
               manifest["grid"] != (*first)["grid"] || n != shards) {
      throw InputError{where + ": another sweep (scenario, grid or slice count differs from " +
                       slices.begin()->second.string() + ")"};
    }
    for (const auto& v : manifest["variants"]) {
      SweepVariant sv;
      sv.index = v["index"].get<std::size_t>();
      for (const auto& [key, value] : v["overrides"].items()) {
        sv.overrides.push_back({key, value.get<std::string>(), true});
      }
      auto report = path.parent_path() / ("variant-" + std::to_string(sv.index) + ".json");
      sv.report = read_json(report);
      variants[sv.index] = std::move(sv);
    }
  }
  for (std::size_t i = 0; i < shards; ++i) {
    if (!slices.count(i)) {
      throw InputError{"sweep merge: slice " + std::to_string(i) + " of " + std::to_string(shards) +
                       " is missing"};
    }
  }
  std::vector<GridAxis> axes;
  std::size_t total = 1;
  for (const auto& a : (*first)["grid"]) {
    axes.push_back({a["key"].get<std::string>(), a["values"].get<std::vector<std::string>>()});
    total *= axes.back().values.size();
  }
  std::vector<SweepVariant> ordered;
  for (std::size_t i = 0; i < total; ++i) {
    auto v = variants.find(i);
    if (v == variants.end()) {
      throw InputError{"sweep merge: variant " + std::to_string(i) + " is in no slice"};
    }
    ordered.push_back(std::move(v->second));
  }
  std::filesystem::path dir =
      vm.count("out") ? vm["out"].as<std::string>() : vm["dir"].as<std::vector<std::string>>()[0];
  if (!make_output_dir(dir.string(), err)) return kExitInvalid;
  std::string name = (*first)["scenario"].get<std::string>();
  std::string headline = "sweep of " + name + ": " + std::to_string(total) + " variants from " +
                         std::to_string(shards) + " slices";
  return write_sweep_results(name, axes, ordered, dir, headline, out, err) ? kExitOk : kExitInvalid;
}

}  // namespace ha::cli

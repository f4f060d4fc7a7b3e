// What a sweep writes once its variants have reports, shared by `sweep` and `sweep merge`:
// sweep.csv, sweep.html and the Pareto summary; and the manifest a `--shard I/N` slice
// writes beside its reports (shard-I-of-N.json), from which `sweep merge` rebuilds the
// whole sweep.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "base/result.h"
#include "sim/overrides.h"
#include "sim/sweep.h"

namespace ha::cli {

struct SweepVariant {
  std::size_t index = 0;  // in the whole grid
  std::vector<Override> overrides;
  nlohmann::ordered_json report;
};

// "key=value key=value".
std::string describe(const std::vector<Override>& overrides);

// Writes DIR/sweep.csv and DIR/sweep.html over `variants` (every variant of the grid, in
// index order) and prints the Pareto-optimal ones after `headline`. False after printing
// an error.
bool write_sweep_results(const std::string& name, const std::vector<GridAxis>& axes,
                         const std::vector<SweepVariant>& variants,
                         const std::filesystem::path& dir, const std::string& headline,
                         std::ostream& out, std::ostream& err);

// A slice's manifest: {"scenario", "grid": [{"key", "values"}], "shard", "shards",
// "variants": [{"index", "overrides": {KEY: VALUE}}]}.
nlohmann::ordered_json shard_manifest(const std::string& name, const std::vector<GridAxis>& axes,
                                      std::size_t shard, std::size_t shards,
                                      const std::vector<SweepVariant>& variants);

// "I/N" with 0 <= I < N.
Result<std::pair<std::size_t, std::size_t>> parse_shard(const std::string& text);

// The slices' manifests in `dirs` (of sweep or optimize), by slice number: the files whose
// names match `name`, the number being its first group. Throws InputError for a directory
// that cannot be listed, a slice found twice, or none at all ("COMMAND: no FILE_PATTERN").
std::map<std::size_t, std::filesystem::path> find_slice_manifests(
    const std::vector<std::string>& dirs, const std::regex& name, const std::string& command,
    const std::string& file_pattern);

}  // namespace ha::cli

// `optimize --shard I/N` and `optimize merge`: a slice of a search runs successive halving
// over its own candidates (those whose index is I modulo N, from the same seeded draw) and
// writes optimize-shard-I-of-N.json; merge reads every slice's and picks the best of their
// full-length runs, as one run would pick among its own.
#pragma once

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/optimize_output.h"

namespace ha::cli {

// The manifest's file name of slice `shard` of `shards`.
std::string optimize_slice_name(std::size_t shard, std::size_t shards);

// A slice's manifest: `search` (what every slice of one search shares: scenario file and
// name, goal, seed, budget, candidates, space, --set overrides, shards), the slice's number,
// and every run with its full report.
nlohmann::ordered_json optimize_slice_manifest(const nlohmann::ordered_json& search,
                                               std::size_t shard,
                                               const std::vector<OptimizeRun>& rows,
                                               const std::vector<std::size_t>& last_rung);

// The runs of every slice, read back: `all` holds the candidates by index (rows point into
// it); `last_rung` the positions of the full-length runs. Throws InputError naming the file
// and what is wrong.
struct MergedSearch {
  nlohmann::ordered_json search;
  std::deque<OptimizeCandidate> all;  // rows point into it
  std::vector<OptimizeRun> rows;
  std::vector<std::size_t> last_rung;
  std::size_t candidates = 0;  // drawn; the refinements' ids follow
  std::size_t rungs = 0;       // of the halving
  std::size_t refined = 0;     // refinement runs, of every slice
};
void read_optimize_slices(const std::vector<std::string>& dirs, MergedSearch& merged);

}  // namespace ha::cli

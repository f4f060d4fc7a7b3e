#include "apps/optimize_shards.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "apps/cli.h"
#include "apps/sweep_output.h"

namespace ha::cli {
namespace {

nlohmann::ordered_json overrides_json(const std::vector<Override>& overrides) {
  auto out = nlohmann::ordered_json::array();
  for (const Override& o : overrides) out.push_back({{"key", o.key}, {"value", o.value}});
  return out;
}

// One slice's manifest into `merged`; json errors (a field missing or of the wrong type)
// propagate to the caller, which names the file.
void read_slice(const nlohmann::ordered_json& manifest, MergedSearch& merged) {
  std::size_t candidates = manifest.at("search").at("candidates").get<std::size_t>();
  merged.candidates = candidates;
  // Refinement points are numbered after the drawn candidates, slice by slice.
  std::size_t refine = manifest.at("search").at("refine").get<std::size_t>();
  std::size_t shards = manifest.at("search").at("shards").get<std::size_t>();
  std::size_t ids = candidates + refine * shards;
  while (merged.all.size() < ids) merged.all.push_back({merged.all.size(), {}});
  for (const auto& run : manifest.at("runs")) {
    std::size_t id = run.at("candidate").get<std::size_t>();
    if (id >= merged.all.size()) throw std::out_of_range("candidate " + std::to_string(id));
    bool refining = run.at("refining").get<bool>();
    OptimizeCandidate& c = merged.all[id];
    if (c.overrides.empty()) {
      for (const auto& o : run.at("overrides")) {
        c.overrides.push_back(
            {o.at("key").get<std::string>(), o.at("value").get<std::string>(), true});
      }
    }
    VariantRun vr{id, c.overrides, std::nullopt, run.at("error").get<std::string>()};
    if (!run.at("report").is_null()) vr.report = run.at("report");
    auto rung = run.at("rung").get<std::size_t>();
    if (refining) {
      ++merged.refined;
    } else {
      merged.rungs = std::max(merged.rungs, rung + 1);
    }
    merged.rows.push_back({rung,
                           Duration(std::chrono::seconds(run.at("duration_s").get<std::int64_t>())),
                           &c, std::move(vr), run.at("promoted").get<bool>(), refining});
    if (run.at("full_length").get<bool>()) merged.last_rung.push_back(merged.rows.size() - 1);
  }
}

}  // namespace

std::string optimize_slice_name(std::size_t shard, std::size_t shards) {
  return "optimize-shard-" + std::to_string(shard) + "-of-" + std::to_string(shards) + ".json";
}

nlohmann::ordered_json optimize_slice_manifest(const nlohmann::ordered_json& search,
                                               std::size_t shard,
                                               const std::vector<OptimizeRun>& rows,
                                               const std::vector<std::size_t>& last_rung) {
  auto runs = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const OptimizeRun& r = rows[i];
    runs.push_back(
        {{"rung", r.rung},
         {"duration_s", std::chrono::duration_cast<std::chrono::seconds>(r.duration).count()},
         {"candidate", r.candidate->id},
         {"overrides", overrides_json(r.candidate->overrides)},
         {"promoted", r.promoted},
         {"refining", r.refining},
         {"full_length", std::find(last_rung.begin(), last_rung.end(), i) != last_rung.end()},
         {"error", r.run.error},
         {"report", r.run.report ? *r.run.report : nlohmann::ordered_json(nullptr)}});
  }
  return {{"search", search}, {"shard", shard}, {"runs", runs}};
}

void read_optimize_slices(const std::vector<std::string>& dirs, MergedSearch& merged) {
  const std::regex manifest_name(R"(optimize-shard-(\d+)-of-(\d+)\.json)");
  // In slice order.
  auto slices =
      find_slice_manifests(dirs, manifest_name, "optimize merge", "optimize-shard-I-of-N.json");
  for (const auto& [shard, path] : slices) {
    std::ifstream in(path);
    if (!in) throw InputError{path.string() + ": cannot read"};
    try {
      auto manifest = nlohmann::ordered_json::parse(in);
      if (merged.search.is_null()) {
        merged.search = manifest.at("search");
      } else if (manifest.at("search") != merged.search) {
        throw InputError{path.string() + ": another search (scenario, goal, seed, budget, space " +
                         "or slice count differs from " + slices.begin()->second.string() + ")"};
      }
      if (manifest.at("shard").get<std::size_t>() != shard) {
        throw InputError{path.string() + ": its name and its \"shard\" disagree"};
      }
      read_slice(manifest, merged);
    } catch (const nlohmann::json::exception& e) {
      throw InputError{path.string() + ": not a slice's manifest: " + e.what()};
    } catch (const std::out_of_range& e) {
      throw InputError{path.string() + ": not a slice's manifest: " + e.what()};
    }
  }
  auto shards = merged.search.at("shards").get<std::size_t>();
  for (std::size_t i = 0; i < shards; ++i) {
    if (!slices.count(i)) {
      throw InputError{"optimize merge: slice " + std::to_string(i) + " of " +
                       std::to_string(shards) + " is missing"};
    }
  }
  if (slices.size() != shards) {
    throw InputError{"optimize merge: " + slices.rbegin()->second.string() +
                     " belongs to a search of another slice count"};
  }
}

}  // namespace ha::cli

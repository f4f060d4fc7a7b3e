#include "apps/sweep_output.h"

#include "apps/cli.h"
#include "sim/html_text.h"
#include "sim/sweep_html.h"

namespace ha::cli {

std::string describe(const std::vector<Override>& overrides) {
  std::string s;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    if (superseded(overrides, i)) continue;  // replaced by a later one: says nothing
    if (!s.empty()) s += ' ';
    s += overrides[i].key + "=" + overrides[i].value;
  }
  return s;
}

bool write_sweep_results(const std::string& name, const std::vector<GridAxis>& axes,
                         const std::vector<SweepVariant>& variants,
                         const std::filesystem::path& dir, const std::string& headline,
                         std::ostream& out, std::ostream& err) {
  std::vector<VariantFigures> figures;
  for (const SweepVariant& v : variants) figures.push_back(report_figures(v.report));
  std::vector<std::size_t> front = pareto_front(figures);
  std::vector<bool> on_front(variants.size(), false);
  for (std::size_t i : front) on_front[i] = true;
  std::string csv = sweep_csv_header(axes) + "\n";
  std::vector<SweepPoint> points;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    csv +=
        sweep_csv_row(variants[i].index, variants[i].overrides, variants[i].report, on_front[i]) +
        "\n";
    points.push_back({describe(variants[i].overrides), figures[i], on_front[i]});
  }
  if (!write_output_file((dir / "sweep.csv").string(), csv, err) ||
      !write_output_file((dir / "sweep.html").string(), render_sweep_html(name, points), err)) {
    return false;
  }
  out << headline << "\nPareto-optimal (no other variant is both cheaper and quicker):\n";
  for (std::size_t i : front) {
    out << "  #" << variants[i].index << " " << describe(variants[i].overrides) << ": node-hours "
        << format_number(figures[i].cost) << " ("
        << (figures[i].vs_oracle > 0 ? format_number(figures[i].vs_oracle) + "x" : "-")
        << " perfect foresight), p95 pending " << format_number(figures[i].pending)
        << " s, violations " << variants[i].report["invariant_violations"]["count"].dump() << "\n";
  }
  out << "  wrote " << (dir / "sweep.csv").string() << " and sweep.html\n";
  return true;
}

nlohmann::ordered_json shard_manifest(const std::string& name, const std::vector<GridAxis>& axes,
                                      std::size_t shard, std::size_t shards,
                                      const std::vector<SweepVariant>& variants) {
  nlohmann::ordered_json grid = nlohmann::ordered_json::array();
  for (const GridAxis& a : axes) grid.push_back({{"key", a.key}, {"values", a.values}});
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const SweepVariant& v : variants) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (const Override& x : v.overrides) o[x.key] = x.value;
    list.push_back({{"index", v.index}, {"overrides", o}});
  }
  return {
      {"scenario", name}, {"grid", grid}, {"shard", shard}, {"shards", shards}, {"variants", list}};
}

Result<std::pair<std::size_t, std::size_t>> parse_shard(const std::string& text) {
  auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t used_i = 0, used_n = 0;
    std::string i_text = text.substr(0, slash), n_text = text.substr(slash + 1);
    unsigned long i = std::stoul(i_text, &used_i), n = std::stoul(n_text, &used_n);
    if (used_i != i_text.size() || used_n != n_text.size() || i_text[0] == '-' ||
        n_text[0] == '-' || n == 0 || i >= n) {
      throw std::invalid_argument("range");
    }
    return std::pair<std::size_t, std::size_t>{i, n};
  } catch (const std::exception&) {
    return make_error("--shard \"" + text + "\": expected I/N with 0 <= I < N (e.g. 0/4)");
  }
}

std::map<std::size_t, std::filesystem::path> find_slice_manifests(
    const std::vector<std::string>& dirs, const std::regex& name, const std::string& command,
    const std::string& file_pattern) {
  std::map<std::size_t, std::filesystem::path> slices;
  for (const std::string& d : dirs) {
    std::error_code ec;
    std::filesystem::directory_iterator it(d, ec);
    if (ec) throw InputError{d + ": cannot list: " + ec.message()};
    for (const auto& entry : it) {
      std::smatch m;
      std::string file = entry.path().filename().string();
      if (!std::regex_match(file, m, name)) continue;
      std::size_t shard = std::stoul(m[1].str());
      if (auto [at, fresh] = slices.emplace(shard, entry.path()); !fresh) {
        throw InputError{entry.path().string() + ": slice " + std::to_string(shard) +
                         " given twice (also " + at->second.string() + ")"};
      }
    }
  }
  if (slices.empty()) {
    throw InputError{command + ": no " + file_pattern + " in the directories given"};
  }
  return slices;
}

}  // namespace ha::cli

#include "backends/mock_server/prometheus_mock_server.h"

#include <httplib.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>

#include "backends/mock_server/server_setup.h"

namespace ha {
namespace {

using nlohmann::json;

// Prometheus' limit on a range query's points per series.
constexpr double kMaxPoints = 11000;

struct Matcher {
  std::string label, value;
  bool equal = true;
};

struct BadData {
  std::string message;
};

// `name` or `name{label="v",...}` with = and != matchers; anything else is BadData.
std::vector<Matcher> parse_selector(const std::string& query) {
  static const std::regex selector(R"(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*)");
  static const std::regex matcher(R"re(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(!=|=)\s*"([^"\\]*)"\s*)re");
  std::smatch m;
  if (!std::regex_match(query, m, selector)) {
    throw BadData{"this mock evaluates selectors only (name{label=\"value\",...}), not \"" + query +
                  "\""};
  }
  std::vector<Matcher> out{{"__name__", m[1].str(), true}};
  std::string inside = m[2].str();
  std::size_t at = 0;
  while (at < inside.size()) {
    std::size_t comma = inside.find(',', at);
    std::string part =
        inside.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    std::smatch pm;
    if (!std::regex_match(part, pm, matcher)) {
      if (part.find_first_not_of(" \t") == std::string::npos && comma == std::string::npos) break;
      throw BadData{"parse error: unexpected label matcher \"" + part + "\""};
    }
    out.push_back({pm[1].str(), pm[3].str(), pm[2].str() == "="});
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

bool matches(const std::map<std::string, std::string>& labels, const std::vector<Matcher>& ms) {
  for (const Matcher& m : ms) {
    auto it = labels.find(m.label);
    std::string value = it == labels.end() ? "" : it->second;
    if ((value == m.value) != m.equal) return false;
  }
  return true;
}

// A timestamp parameter: Unix seconds (RFC 3339 is not supported by this mock).
double read_time(const std::string& name, const std::string& text) {
  try {
    std::size_t used = 0;
    double t = std::stod(text, &used);
    if (used == text.size() && std::isfinite(t)) return t;
  } catch (const std::exception&) {
  }
  throw BadData{"invalid parameter \"" + name + "\": cannot parse \"" + text +
                "\" to a valid timestamp"};
}

// A step: seconds, or a duration such as 30s, 1m, 1h.
double read_step(const std::string& text) {
  static const std::regex duration(R"(([0-9]+)(ms|s|m|h|d))");
  std::smatch m;
  if (std::regex_match(text, m, duration)) {
    double n = std::stod(m[1].str());
    const std::string u = m[2].str();
    return u == "ms"  ? n / 1000
           : u == "s" ? n
           : u == "m" ? n * 60
           : u == "h" ? n * 3600
                      : n * 86400;
  }
  try {
    std::size_t used = 0;
    double s = std::stod(text, &used);
    if (used == text.size() && std::isfinite(s)) return s;
  } catch (const std::exception&) {
  }
  throw BadData{"invalid parameter \"step\": cannot parse \"" + text + "\" to a valid duration"};
}

json point(double t, double v) {
  char text[64];
  if (std::isnan(v)) {
    std::snprintf(text, sizeof text, "NaN");
  } else if (std::isinf(v)) {
    std::snprintf(text, sizeof text, "%s", v > 0 ? "+Inf" : "-Inf");
  } else {
    std::snprintf(text, sizeof text, "%.17g", v);
  }
  return json::array({t, text});
}

void bad_data(httplib::Response& res, const std::string& message) {
  send_json(res, 400, {{"status", "error"}, {"errorType", "bad_data"}, {"error", message}});
}

}  // namespace

PrometheusMockServer::PrometheusMockServer(RealtimeLoop& loop, std::vector<Series> series,
                                           Options options)
    : MockHttpServer(loop, std::make_unique<httplib::Server>()),
      series_(std::move(series)),
      options_(std::move(options)) {
  configure_mock_server(http());
  routes();
}

PrometheusMockServer::~PrometheusMockServer() {
  stop();
}

Time PrometheusMockServer::model_time(double unix_seconds) const {
  double wall = unix_seconds - to_seconds(options_.wall_start);
  return seconds(wall * options_.speed);
}

double PrometheusMockServer::unix_seconds(Time model) const {
  return to_seconds(options_.wall_start) + to_seconds(model) / options_.speed;
}

void PrometheusMockServer::routes() {
  auto handler = [this](bool range) {
    return [this, range](const httplib::Request& req, httplib::Response& res) {
      if (!options_.token.empty() &&
          req.get_header_value("Authorization") != "Bearer " + options_.token) {
        res.status = 401;
        res.set_content("Unauthorized\n", "text/plain");
        return;
      }
      httplib::Params params = req.params;
      if (req.method == "POST") httplib::detail::parse_query_text(req.body, params);
      auto param = [&params](const char* name) -> std::optional<std::string> {
        auto it = params.find(name);
        if (it == params.end()) return std::nullopt;
        return it->second;
      };
      try {
        auto query = param("query");
        if (!query) throw BadData{"invalid parameter \"query\": unknown query"};
        std::vector<Matcher> selector = parse_selector(*query);
        // The evaluation times (Unix seconds), as Prometheus steps through a range.
        std::vector<double> times;
        if (range) {
          auto start = param("start"), end = param("end"), step = param("step");
          if (!start || !end || !step) {
            throw BadData{std::string("invalid parameter \"") +
                          (!start ? "start"
                           : !end ? "end"
                                  : "step") +
                          "\": missing"};
          }
          double from = read_time("start", *start), to = read_time("end", *end);
          double every = read_step(*step);
          if (to < from) throw BadData{"end timestamp must not be before start time"};
          if (!(every > 0)) {
            throw BadData{
                "zero or negative query resolution step widths are not accepted. Try a "
                "positive integer"};
          }
          if ((to - from) / every > kMaxPoints) {
            throw BadData{
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing "
                "the query resolution (?step=XX)"};
          }
          for (double t = from; t <= to + 1e-9;
               t = from + every * static_cast<double>(times.size()))
            times.push_back(t);
        } else {
          auto time = param("time");
          times.push_back(time ? read_time("time", *time) : unix_seconds(loop().now()));
        }
        json result = on_loop([&] {
          json out = json::array();
          for (const Series& s : series_) {
            if (!matches(s.labels, selector)) continue;
            json values = json::array();
            for (double t : times) {
              Time model = model_time(t);
              if (model > loop().now()) break;
              if (auto v = s.value_at(model)) values.push_back(point(t, *v));
            }
            if (values.empty()) continue;
            json entry = {{"metric", s.labels}};
            if (range) {
              entry["values"] = std::move(values);
            } else {
              entry["value"] = values[0];
            }
            out.push_back(std::move(entry));
          }
          return out;
        });
        send_json(res, 200,
                  {{"status", "success"},
                   {"data", {{"resultType", range ? "matrix" : "vector"}, {"result", result}}}});
      } catch (const BadData& e) {
        bad_data(res, e.message);
      }
    };
  };
  http().Get("/api/v1/query", handler(false));
  http().Post("/api/v1/query", handler(false));
  http().Get("/api/v1/query_range", handler(true));
  http().Post("/api/v1/query_range", handler(true));
  answer_unrouted(http(), {"/api/v1/query", "/api/v1/query_range"},
                  [](httplib::Response& res, int status) {
                    if (status == 404) res.set_content("404 page not found\n", "text/plain");
                  });
}

}  // namespace ha

#include "backends/http/prometheus_source.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "backends/http/http_response.h"

namespace ha {
namespace {

using nlohmann::json;

std::string unix_seconds(Time t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", to_seconds(t));
  return buf;
}

// obj[key] when it is a string, else `fallback` (json::value throws on another type: a
// fuzzing finding).
std::string text_field(const json& obj, const char* key, const char* fallback) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// A [time, "value"] pair; Prometheus writes values as strings ("NaN", "+Inf" included).
Result<MetricPoint> read_point(const json& pair, const std::string& at) {
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() || !pair[1].is_string()) {
    return make_error(at + ": expected [time, \"value\"]", ErrorKind::kInvalid);
  }
  // Unix seconds that loop time (64-bit nanoseconds) can hold; others would overflow.
  if (double t = pair[0].get<double>(); !(t >= 0 && t < 9e9)) {
    return make_error(at + ": time " + pair[0].dump() + " is out of range", ErrorKind::kInvalid);
  }
  double value = 0;
  const std::string& text = pair[1].get_ref<const std::string&>();
  try {
    std::size_t used = 0;
    value = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    if (text == "NaN") {
      value = std::nan("");
    } else if (text == "+Inf" || text == "-Inf") {
      value = text[0] == '+' ? INFINITY : -INFINITY;
    } else {
      return make_error(at + ": value \"" + text + "\" is not a number", ErrorKind::kInvalid);
    }
  }
  return MetricPoint{seconds(pair[0].get<double>()), value};
}

}  // namespace

PrometheusSource::PrometheusSource(HttpTransport& transport, Options options)
    : transport_(transport), options_(std::move(options)) {
  while (!options_.address.empty() && options_.address.back() == '/') options_.address.pop_back();
}

Result<TimeSeries> PrometheusSource::read_response(const std::string& query,
                                                   const std::string& body) {
  auto bad = [&query](const std::string& why) {
    return make_error("prometheus query \"" + query + "\": " + why, ErrorKind::kInvalid);
  };
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return bad("the answer is not a JSON object");
  if (text_field(j, "status", "") != "success") {
    return bad(text_field(j, "errorType", "error") + ": " +
               text_field(j, "error", "status is not success"));
  }
  const json* data = j.contains("data") && j["data"].is_object() ? &j["data"] : nullptr;
  if (!data || !data->contains("result")) return bad("data.result: missing");
  std::string type = text_field(*data, "resultType", "");
  const json& result = (*data)["result"];
  TimeSeries points;
  if (type == "scalar") {
    auto p = read_point(result, "data.result");
    if (!p) return bad(p.error().message);
    return TimeSeries{*p};
  }
  if (type != "vector" && type != "matrix") {
    return bad("result type \"" + type + "\" is not supported");
  }
  if (!result.is_array()) return bad("data.result: expected an array");
  if (result.size() > 1) {
    return bad("query returned " + std::to_string(result.size()) +
               " metric streams, only 1 is expected");
  }
  if (result.empty()) return points;
  const json& series = result[0];
  if (!series.is_object()) return bad("data.result[0]: expected an object");
  if (type == "vector") {
    auto p = read_point(series.value("value", json()), "data.result[0].value");
    if (!p) return bad(p.error().message);
    points.push_back(*p);
    return points;
  }
  const json values = series.value("values", json::array());
  if (!values.is_array()) return bad("data.result[0].values: expected an array");
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto p = read_point(values[i], "data.result[0].values[" + std::to_string(i) + "]");
    if (!p) return bad(p.error().message);
    points.push_back(*p);
  }
  return points;
}

void PrometheusSource::query(const std::string& query, TimeRange range, Callback done) {
  if (range.from != range.to) return query_range(query, range, std::chrono::seconds(1), done);
  send("/api/v1/query", query, "&time=" + unix_seconds(range.to), std::move(done));
}

void PrometheusSource::query_range(const std::string& query, TimeRange range, Duration step,
                                   Callback done) {
  std::string step_text;
  if (step % std::chrono::seconds(1) == Duration(0)) {
    step_text = std::to_string(step / std::chrono::seconds(1)) + "s";
  } else {
    step_text = unix_seconds(step);
  }
  send("/api/v1/query_range", query,
       "&start=" + unix_seconds(range.from) + "&end=" + unix_seconds(range.to) +
           "&step=" + step_text,
       std::move(done));
}

void PrometheusSource::send(const std::string& path, const std::string& query,
                            const std::string& times, Callback done) {
  HttpRequest r;
  r.path = path;
  std::string q = "query=" + url_escape(query) + times;
  r.url = options_.address + r.path + "?" + q;
  if (!options_.token.empty()) r.headers["Authorization"] = "Bearer " + options_.token;
  std::string where = "GET " + r.path;
  transport_.send(std::move(r), [query, where, done = std::move(done)](Result<HttpResponse> res) {
    if (!res)
      return done(make_error("prometheus query \"" + query + "\": " + res.error().message,
                             res.error().kind));
    // Prometheus answers 400/422/503 with the same JSON error shape as a failed query.
    if (res->status != 200 && res->status != 400 && res->status != 422) {
      return done(
          make_error(where + ": " + std::to_string(res->status) + " " + res->body.substr(0, 300),
                     error_kind_for_status(res->status)));
    }
    done(read_response(query, res->body));
  });
}

}  // namespace ha

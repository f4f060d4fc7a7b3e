#include "apps/record_rates.h"

#include "apps/cli.h"
#include "backends/runtime/text_file.h"
#include "base/duration.h"

namespace ha::cli {

void add_rate_options(po::options_description& options) {
  options.add_options()                                                                   //
      ("prometheus-address", po::value<std::string>(), "Prometheus HTTP API address")     //
      ("prometheus-token-file", po::value<std::string>(), "file holding a bearer token")  //
      ("prometheus-ca-cert", po::value<std::string>(), "CA bundle to verify its TLS")     //
      ("rate-query", po::value<std::vector<std::string>>(),
       "JOB/GROUP=QUERY: the group's load, a PromQL query of one series; the group becomes "
       "a rate-csv service (repeatable). *=QUERY: the same for every group with a Nomad "
       "scaling policy, {{job}} and {{group}} filled in")  //
      ("rate-step", po::value<std::string>()->default_value("1m"),
       "the load's resolution, on the cluster's clock");
}

RecordRates record_rates(const po::variables_map& vm, EventLoop& loop,
                         std::function<Time(Time)> cluster_time, double clock_speed) {
  RecordRates out;
  if (!vm.count("rate-query")) {
    if (vm.count("prometheus-address")) throw UsageError{"--prometheus-address needs --rate-query"};
    return out;
  }
  std::vector<RecordedLoad> queries;
  for (const std::string& text : vm["rate-query"].as<std::vector<std::string>>()) {
    auto q = parse_rate_query(text);
    if (!q) throw UsageError{q.error().message};
    for (const RecordedLoad& other : queries) {
      if (other.job == q->job && other.group == q->group) {
        throw UsageError{"--rate-query: " + q->job + "/" + q->group + " is given twice"};
      }
    }
    queries.push_back(std::move(*q));
  }
  if (!vm.count("prometheus-address")) throw UsageError{"--rate-query needs --prometheus-address"};
  std::string step_text = vm["rate-step"].as<std::string>();
  auto step = parse_duration(step_text);
  if (!step || *step < std::chrono::seconds(1)) {
    throw UsageError{"--rate-step: \"" + step_text + "\" is not a duration of 1s or more"};
  }
  PrometheusSource::Options source{vm["prometheus-address"].as<std::string>(), ""};
  if (vm.count("prometheus-token-file")) {
    auto token = read_token_file(vm["prometheus-token-file"].as<std::string>());
    if (!token) throw InputError{token.error().message};
    source.token = *token;
  }
  HttpTransport::Options transport;
  if (vm.count("prometheus-ca-cert"))
    transport.ca_file = vm["prometheus-ca-cert"].as<std::string>();
  out.transport = std::make_unique<HttpTransport>(loop, transport, 3);
  out.prometheus = std::make_unique<PrometheusSource>(*out.transport, source);
  out.recorder =
      std::make_unique<RateRecorder>(*out.prometheus, std::move(queries), std::move(cluster_time),
                                     RateRecorder::Options{*step, clock_speed});
  return out;
}

}  // namespace ha::cli

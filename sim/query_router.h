// QueryRouter: one metrics source name served by two sources, chosen by the query's metric
// name (the part before '/'): queries named `routed` go to `other`, the rest to `main`.
#pragma once

#include <string>
#include <utility>

#include "backends/api/metrics_source.h"

namespace ha {

class QueryRouter final : public MetricsSource {
 public:
  QueryRouter(MetricsSource& main, MetricsSource& other, std::string routed)
      : main_(main), other_(other), routed_(std::move(routed)) {}

  void query(const std::string& query, TimeRange range, Callback done) override {
    bool route = query.substr(0, query.find('/')) == routed_;
    (route ? other_ : main_).query(query, range, std::move(done));
  }

 private:
  MetricsSource& main_;
  MetricsSource& other_;
  std::string routed_;
};

}  // namespace ha

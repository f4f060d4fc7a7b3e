#include "backends/memory/nomad_event_log.h"

#include <algorithm>

namespace ha {

Result<NomadTopicFilter> NomadTopicFilter::parse(const std::vector<std::string>& topics,
                                                 std::string namespace_) {
  NomadTopicFilter f;
  f.namespace_ = std::move(namespace_);
  if (topics.empty()) f.keys_["*"].insert("*");
  for (const std::string& t : topics) {
    auto colon = t.find(':');
    std::string topic = t.substr(0, colon);
    std::string key = colon == std::string::npos ? "*" : t.substr(colon + 1);
    if (topic.empty() || key.empty() ||
        (colon != std::string::npos && t.find(':', colon + 1) != std::string::npos)) {
      return make_error("Invalid topic query: Invalid key value pair for topic: " + t,
                        ErrorKind::kInvalid);
    }
    f.keys_[topic].insert(key);
  }
  return f;
}

bool NomadTopicFilter::matches(const NomadEvent& event) const {
  if (!event.namespace_.empty() && !in_namespace(event.namespace_, namespace_)) return false;
  for (const std::string& topic : {event.topic, std::string("*")}) {
    auto at = keys_.find(topic);
    if (at == keys_.end()) continue;
    const std::set<std::string>& keys = at->second;
    if (keys.count("*") || keys.count(event.key)) return true;
    if (event.allocation && keys.count(event.allocation->job_id)) return true;
  }
  return false;
}

NomadEventFrame NomadTopicFilter::filter(const NomadEventFrame& frame) const {
  NomadEventFrame out{frame.index, {}};
  for (const NomadEvent& e : frame.events) {
    if (matches(e)) out.events.push_back(e);
  }
  return out;
}

void NomadEventLog::record(NomadEventFrame frame) {
  frames_.push_back(std::move(frame));
  if (frames_.size() > window_) frames_.pop_front();
  for (auto& [id, subscriber] : subscribers_) subscriber(frames_.back());
}

std::vector<NomadEventFrame> NomadEventLog::since(std::uint64_t from) const {
  auto first =
      std::lower_bound(frames_.begin(), frames_.end(), from,
                       [](const NomadEventFrame& f, std::uint64_t v) { return f.index < v; });
  return {first, frames_.end()};
}

std::uint64_t NomadEventLog::subscribe(Subscriber subscriber) {
  std::uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(subscriber));
  return id;
}

void NomadEventLog::unsubscribe(std::uint64_t id) {
  subscribers_.erase(id);
}

}  // namespace ha

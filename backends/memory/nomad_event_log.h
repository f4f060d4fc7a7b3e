// NomadEventLog: the recent events of a NomadModel, as a Nomad server's event broker keeps
// them for GET /v1/event/stream: one frame per raft index, the last `window` frames retained
// (Nomad's event_buffer_size, 100 by default), subscribers told of each as it happens. A
// stream from an index older than the retained frames starts at the oldest one, as Nomad's
// does: a resumed stream can miss events without knowing it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "backends/api/nomad_api.h"
#include "base/result.h"

namespace ha {

// The `topic` parameters of a stream ("Allocation", "Allocation:<key>", "Node:*", "*"). An
// event matches a topic of its own (or "*") whose key is "*", its Key or one of its
// FilterKeys (an allocation's job ID).
class NomadTopicFilter {
 public:
  // No topic: every event, as Nomad streams all topics then. Fails with Nomad's message for
  // a topic that is not TOPIC or TOPIC:KEY.
  // `namespace_`: the request's namespace parameter ("": default, "*": all); events of no
  // namespace (nodes) always pass, as in nomad/stream/subscription.go.
  static Result<NomadTopicFilter> parse(const std::vector<std::string>& topics,
                                        std::string namespace_ = "*");
  bool matches(const NomadEvent& event) const;
  // The frame with only the matching events (none: a frame to skip).
  NomadEventFrame filter(const NomadEventFrame& frame) const;

 private:
  std::map<std::string, std::set<std::string>> keys_;  // topic -> keys ("*": any)
  std::string namespace_;
};

class NomadEventLog {
 public:
  using Subscriber = std::function<void(const NomadEventFrame&)>;

  explicit NomadEventLog(std::size_t window = 100) : window_(window == 0 ? 1 : window) {}

  // Appends `frame` (indexes must increase) and tells every subscriber, in the order they
  // subscribed.
  void record(NomadEventFrame frame);
  // The retained frames with an index at or after `from`, oldest first.
  std::vector<NomadEventFrame> since(std::uint64_t from) const;
  // A subscriber is called on the model's loop thread, in the middle of the model's update
  // (it must not change the model), and may not subscribe or unsubscribe from inside.
  std::uint64_t subscribe(Subscriber subscriber);
  void unsubscribe(std::uint64_t id);
  bool has_subscribers() const { return !subscribers_.empty(); }

 private:
  std::size_t window_;
  std::deque<NomadEventFrame> frames_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Subscriber> subscribers_;
};

}  // namespace ha

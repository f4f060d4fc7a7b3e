// HarvesterTarget (`harvester` in policies): a node group of Nomad client VMs on Harvester.
//
// status: the group's VMs (found by the ownership label), count = VMs not terminating and
//   not being drained away by this target; ready = all of those Running with their Nomad
//   node ready and eligible. Nodes this target drains count as leaving, so a long drain
//   does not freeze the policy.
// scale out: first cancels drains this target started (a node at hand beats a VM that
//   boots for minutes), then creates the missing VMs in parallel and completes when every
//   one is Running and joined, or failed (failed ones are cleaned up and reported). A node
//   whose cancel fails stays with its scale-in (drained, then deleted) and a VM is created
//   in its place; only VMs that fail count as a failed scale-out.
// scale in: picks nodes with the policy's node selector among owned, ready nodes, shrinks
//   the choice until their work fits on the remaining nodes, drains them in parallel and
//   completes once the drains are under way; once a drain finished or its deadline (counted
//   from the drain Nomad accepted) passed, the VM is deleted when no allocation still runs
//   on its node's client (harvester_node_exit.cc), and the node optionally purged once the
//   VM is gone. A refused drain call is retried for the length of the deadline; a drain
//   never accepted leaves the node in service, its VM not deleted.
// reconcile (every status that finds a VM out of service): state lives in the clusters,
//   so whatever an earlier run (or a lost answer) left half done is found and settled,
//   with the reason logged: an owned VM
//   not Running with its node joined within the provision timeout of its creation is
//   deleted (a stuck VM, a node that never joined, a VM whose create call failed after
//   all); a ready node of the group left draining or ineligible by an earlier run is rolled
//   back (drain cancelled, eligible again), and the policy decides afresh.
// warm pool (warm_pool_size K > 0): a drained VM is stopped rather than deleted while fewer
//   than K of the group's VMs are stopped (or being stopped); a scale-out starts stopped VMs
//   (the most recently stopped first) before it creates any. Stopped VMs are not counted: the
//   group's count and [min, max] are about VMs that run. Every status tends the pool: a stopped
//   VM past warm_pool_max_age, or beyond K (the oldest first, as after K was lowered, or a pool
//   left by an earlier run), is deleted. Ages are counted from the stop this run made, else
//   from the first status that saw the VM stopped (a restarted agent starts their clocks again).
// backoff: a scale-out whose VMs fail backs the node group off (5 min, doubling up to
//   30 min, as the Kubernetes cluster autoscaler does); scale-outs are refused, and
//   reported, until then; a clean scale-out resets it.
// caches: with Options::caches, the VMs and nodes come from caches (a watch, blocking
//   queries) shared by the agent's policies, while usable, else from lists; a drain or a deletion
//   (scale-in, reconcile) re-reads its VM first and goes ahead only if the VM is still the group's
//   and in the state judged on.
// Never: touches a VM without the group's ownership label, goes outside the policy's
//   [min, max] (re-checked against a fresh view, counting creations in flight), deletes a
//   VM before its drain ended. dry-run logs the exact plan and changes nothing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backends/api/harvester_api.h"
#include "backends/api/nomad_api.h"
#include "base/event_loop.h"
#include "base/log.h"
#include "engine/cache/cluster_caches.h"
#include "engine/harvester/group_config.h"
#include "engine/target.h"

namespace ha {

// One scale action and how long it took, for the simulator's latency figures.
struct ScaleActionRecord {
  std::uint64_t id = 0;
  std::string node_group;
  Direction direction = Direction::kNone;
  std::int64_t from = 0, to = 0;
  std::size_t planned = 0;  // VMs to create (or drains cancelled) / nodes to remove
  Time decided{0};
  std::optional<Time> all_running, all_ready;    // scale-out
  std::optional<Time> all_drained, all_deleted;  // scale-in
  std::size_t reused_nodes = 0;                  // scale-out satisfied by cancelling drains
  std::vector<std::string> failures;
  std::string note;
  std::size_t started_vms = 0;  // scale-out: stopped VMs of the warm pool started
  std::size_t stopped_vms = 0;  // scale-in: drained VMs stopped into the warm pool
};

class HarvesterTarget final : public Target {
 public:
  struct Options {
    Duration poll_interval = std::chrono::seconds(5);
    Duration provision_timeout = std::chrono::minutes(15);
    // After a drain deadline, how long to wait for Nomad to report the drain done.
    Duration drain_grace = std::chrono::minutes(1);
    // After a drain completed, how long its node's allocations may take to stop (a client's
    // max_kill_timeout is 30 s by default) before the VM is deleted with them.
    Duration stop_grace = std::chrono::minutes(2);
    // After a VM's deletion (or stop) was accepted, how long to wait for it to be gone (off)
    // before purging its node; past that the node is left to Nomad's garbage collection.
    Duration purge_wait = std::chrono::minutes(10);
    // Agent and emulate modes reach a real or mock Harvester: then set_config requires
    // harvester_url and auth_token. The simulator talks to the model and needs neither.
    bool require_connection = false;
    Duration backoff_initial = std::chrono::minutes(5);
    Duration backoff_max = std::chrono::minutes(30);
    // When set, status and scale read the group's VMs and nodes from these shared caches
    // (while usable, else from lists); destruction still reads each VM fresh first.
    ClusterCaches* caches = nullptr;
  };

  // The seed plugin's precedence: HARVESTER_URL and HARVESTER_TOKEN from the environment
  // (looked up through `getenv`, so that the engine itself reads nothing) override the
  // config's harvester_url and auth_token.
  static PluginConfig with_env_overrides(
      PluginConfig config, const std::function<std::optional<std::string>(const char*)>& getenv);

  HarvesterTarget(EventLoop& loop, NomadApi& nomad, HarvesterApi& harvester, Logger& log,
                  Options options);
  HarvesterTarget(EventLoop& loop, NomadApi& nomad, HarvesterApi& harvester, Logger& log)
      : HarvesterTarget(loop, nomad, harvester, log, Options()) {}
  ~HarvesterTarget() override;

  Result<void> set_config(const PluginConfig& config) override;
  void status(const PluginConfig& policy_config, StatusCallback done) override;
  void scale(const ScaleRequest& request, const PluginConfig& policy_config,
             ScaleCallback done) override;

  const std::vector<ScaleActionRecord>& actions() const { return actions_; }
  // Whether a scale action of this direction is still under way (for crash tests).
  bool in_flight(Direction direction) const;
  std::function<void(const ScaleActionRecord&)> on_action_done;

 private:
  struct Snapshot {
    std::shared_ptr<const VmView> vms;      // owned by the group, by name
    std::shared_ptr<const NodeView> nodes;  // of the group's node class, by name
    // The node view came from a cache, whose stubs carry NodeResources (watch_nodes).
    bool node_resources = false;
    const NomadNodeStub* node_named(std::string_view name) const { return nodes->named(name); }
    const VirtualMachine* vm_named(std::string_view name) const { return vms->named(name); }
  };
  // A ready node drained or made ineligible by someone else than this group's scale-ins (its
  // LastDrain.Meta lacks the group's marker, or that drain was cancelled): an operator's
  // cordon, left as it is and not waited for.
  static bool cordoned_by_others(const NomadNodeStub& node, const std::string& node_group);
  struct Group {
    std::set<std::string> creating;               // VM names with a create call in flight
    std::map<std::string, std::string> draining;  // node id -> VM name, pending deletion
    // Draining nodes a scale-out is taking back (its cancel call in flight): their scale-in
    // keeps watching them but neither drains nor deletes them until the cancel answers; a
    // failed cancel leaves them to that scale-in, a successful one ends it for them.
    std::set<std::string> reclaiming;
    std::optional<Time> last_event;
    std::set<std::string> booting;   // VMs a scale-out of this run is watching
    std::set<std::string> deleting;  // drained node ids whose VM deletion is under way
    // VMs reconcile deleted or whose drain it cancelled, by when: left alone for a while
    // (snapshots taken before the change landed still show the old state).
    std::map<std::string, Time> reconciled;
    std::set<std::string> removing;  // reconciled by deletion: no longer counted
    // VMs whose deletion was accepted, by when: not counted until a snapshot shows them
    // terminating or gone (a list requested before the deletion still shows them running,
    // and counting them would remove one node too many).
    std::map<std::string, Time> deleted;
    // VMs whose creation was accepted, by when: counted until a snapshot shows them (a view
    // taken before the creation landed, or a cache the event has not reached, lacks them).
    std::map<std::string, Time> created;
    int failed_scale_outs = 0;
    std::optional<Time> backoff_until;
    // The warm pool: stopped VMs by when they were parked (this run's stop asked for, or first
    // seen stopped). `confirmed` once a view shows the VM stopped: until then a view may
    // still show it Running, and it is not counted (as `deleted`).
    struct Parked {
      Time since{0};
      bool confirmed = false;
    };
    std::map<std::string, Parked> parked;
    // VMs being started out of the pool, by when: counted until a view shows them started.
    std::map<std::string, Time> started;
    // VMs this run started out of the pool, by when, for a while: reconcile judges a VM stuck
    // from its last start, not from its creation.
    std::map<std::string, Time> last_started;
    // What status learnt from one pair of views, kept while it keeps getting that pair (a
    // cache's views change only with the cluster): status is then O(the group's own
    // changes), not O(its VMs). The views are held, so their addresses are not reused.
    struct ViewFacts {
      std::shared_ptr<const VmView> vms;
      std::shared_ptr<const NodeView> nodes;
      std::int64_t live = 0;  // VMs not Terminating
      // Live VMs not in service (not Running, node not ready, draining or ineligible), and
      // of those the ones that count against readiness: not cordoned by someone else.
      std::vector<const VirtualMachine*> not_serving, out_of_service;
      std::vector<const VirtualMachine*> parked;  // stopped (or stopping): the warm pool
      std::optional<Time> newest_creation;        // of the live VMs
      // Why the pool is unsettled (upstream's node filter: a pool node initializing or
      // drained by someone else than an autoscaler's scale-in); empty when it is not.
      std::string unsettled = {};
    };
    std::optional<ViewFacts> facts;
    // When this run first saw each VM that is out of service now (reconcile's clock).
    std::map<std::string, Time> out_of_service;
    // The group's image, read once (its storage class and size make the root disk) and read
    // again after a scale-out that failed.
    std::optional<VmImage> image;
  };
  struct Counted {
    std::vector<const VirtualMachine*> active;
    std::int64_t count = 0;
  };

  void snapshot(const HarvesterGroupConfig& c, std::function<void(Result<Snapshot>)> done);
  // Forgets deleted VMs that `s` shows terminating or gone, and created VMs that it shows
  // (or either long ago).
  void forget_settled(const std::string& node_group, const Snapshot& s);
  // The group's VMs on their way out (draining, removed by reconcile, deleted): not counted.
  static std::unordered_set<std::string_view> leaving_vms(const Group& group);
  Counted count(const HarvesterGroupConfig& c, const Snapshot& s) const;
  // The group's facts of s's views: computed again only when a view changed.
  const Group::ViewFacts& view_facts(const HarvesterGroupConfig& c, const Snapshot& s);
  // Settles what `not_serving` (s's live VMs not in service) shows left half done.
  void reconcile(const HarvesterGroupConfig& c, const Snapshot& s,
                 const std::vector<const VirtualMachine*>& not_serving);
  void reconcile_delete(const HarvesterGroupConfig& c, const VirtualMachine& vm,
                        const std::string& reason);
  // reconcile_delete's last steps: a Running VM is deleted only when Nomad confirms that no
  // ready node runs on it; then the deletion itself.
  void confirm_no_ready_node(const HarvesterGroupConfig& c, const std::string& name,
                             const std::string& reason);
  void reconcile_delete_now(const HarvesterGroupConfig& c, const std::string& name,
                            const std::string& reason);
  // A VM of the warm pool: not Terminating, and stopped, stopping or Halted.
  static bool is_parked(const VirtualMachine& vm);
  // Learns the pool `parked` (s's stopped VMs) shows and deletes what is past its age or
  // beyond its size (harvester_warm_pool.cc).
  void tend_pool(const HarvesterGroupConfig& c, const std::vector<const VirtualMachine*>& parked);
  // Up to `n` stopped VMs of s to start, the most recently parked first.
  std::vector<std::string> startable(const HarvesterGroupConfig& c, const Snapshot& s,
                                     std::size_t n);
  // Starts `names` (each read fresh first); those started join `vms` as booting. Then `then`.
  void start_parked(const HarvesterGroupConfig& c, std::size_t action,
                    std::vector<std::string> names, std::shared_ptr<std::map<std::string, int>> vms,
                    std::function<void()> then);
  // After a failed start call: `answered` with "" when the VM was started after all.
  void confirm_start(const HarvesterGroupConfig& c, const std::string& name,
                     const std::string& error, std::function<void(std::string)> answered);
  // Whether drained VM `vm` goes to the pool (stopped) rather than away (deleted).
  bool pool_has_room(const HarvesterGroupConfig& c, const std::string& vm) const;
  // Stops a drained VM into the pool; `finished` when it is stopped (or gone).
  void park_vm(const HarvesterGroupConfig& c, std::size_t action, std::string node_id,
               std::string vm, std::function<void()> finished);
  void scale_out_finished(const HarvesterGroupConfig& c, bool failed);
  // The group's image (cached), or why it cannot be booted: missing, not imported, or without
  // a storage class.
  void with_image(const HarvesterGroupConfig& c, std::function<void(Result<VmImage>)> then);
  // Creates the Secret holding a new VM's cloud-init, owned by the VM (uid); a failed call is
  // tried again each poll until `until` (the VM waits Starting meanwhile).
  void create_cloud_init(const HarvesterGroupConfig& c, Secret secret, const std::string& vm,
                         const std::string& vm_uid, Time until);
  // Deletes one of the group's VMs so that Harvester deletes its volumes too: a VM lacking
  // removedPersistentVolumeClaims (made by an older version) gets it first; one live-migrating
  // is refused (kConflict: asked again later). `fresh` is the VM as just read, if at hand
  // (else it is read). `done` gets the deletion's result.
  void remove_vm(const HarvesterGroupConfig& c, const std::string& name,
                 std::optional<VirtualMachine> fresh, Done<Unit> done);
  std::string new_vm_name(const HarvesterGroupConfig& c, const Snapshot& s);
  std::size_t record(ScaleActionRecord r);
  void finish_record(std::size_t index);

  void scale_out(const HarvesterGroupConfig& c, const ScaleRequest& request, const Snapshot& s,
                 std::int64_t from, std::int64_t to, ScaleCallback done);
  // Creates `n` VMs and watches them boot with those already in `vms` (started ones).
  void create_vms(const HarvesterGroupConfig& c, std::size_t action, std::size_t n, Snapshot s,
                  std::shared_ptr<std::map<std::string, int>> vms, ScaleCallback done);
  void watch_boot(const HarvesterGroupConfig& c, std::size_t action,
                  std::shared_ptr<std::map<std::string, int>> vms, Time deadline,
                  ScaleCallback done);
  // One poll of one booting VM: updates its state in `vms` (0 booting, 1 running, 2 joined,
  // -1 failed and cleaned up), then calls `then`.
  void check_booting_vm(const HarvesterGroupConfig& c, std::size_t action, const std::string& name,
                        std::shared_ptr<std::map<std::string, int>> vms, Time deadline,
                        std::function<void()> then);

  // A booting VM's progress as the caches show it, when they are current and nothing is to
  // be decided on it (it is there, not unschedulable, the deadline not reached): true when
  // `vms` was updated from them. Anything that could end in a deletion is read fresh.
  bool cached_boot_progress(const HarvesterGroupConfig& c, const std::string& name,
                            std::map<std::string, int>& vms, Time deadline);
  void settle_overdue_vm(const HarvesterGroupConfig& c, std::size_t action, const std::string& name,
                         std::shared_ptr<std::map<std::string, int>> vms,
                         std::function<void()> then);

  void scale_in(const HarvesterGroupConfig& c, const ScaleRequest& request, const Snapshot& s,
                std::int64_t from, std::int64_t to, ScaleCallback done);
  void drain_selected(const HarvesterGroupConfig& c, std::size_t action,
                      std::vector<std::pair<std::string, std::string>> nodes, ScaleCallback done);
  // Asks Nomad to drain the node, retrying a refused call until `retry_until`, then
  // rolling the node back; `answered` runs on the first answer.
  void request_drain(const HarvesterGroupConfig& c, std::size_t action, std::string node,
                     std::string vm, Time retry_until, std::function<void()> answered);
  // request_drain again after a poll interval, unless the node was taken back meanwhile.
  void retry_drain(const HarvesterGroupConfig& c, std::size_t action, std::string node,
                   std::string vm, Time retry_until);
  void watch_drain(const HarvesterGroupConfig& c, std::size_t action, std::string node_id,
                   std::string vm, Time give_up_at);
  void confirm_node_gone(const HarvesterGroupConfig& c, std::size_t action, std::string node_id,
                         std::string vm, Time give_up_at);
  // After the drain: waits, as the Nomad Autoscaler's MonitorDrain does, until no allocation
  // on the node is pending or running on its client (system ones too unless the drain
  // ignores them), then delete_vm; past `give_up_at` deletes anyway, with a warning.
  void await_node_empty(const HarvesterGroupConfig& c, std::size_t action, std::string node_id,
                        std::string vm, Time give_up_at);
  void delete_vm(const HarvesterGroupConfig& c, std::size_t action, std::string node_id,
                 std::string vm);
  // Purges the node (node_purge) once its VM is gone or stopped: a node purged while its
  // client still heartbeats registers again (harvester_node_exit.cc).
  void purge_when_off(const HarvesterGroupConfig& c, std::string node_id, std::string vm,
                      Time give_up_at);
  void purge_later(const HarvesterGroupConfig& c, std::string node_id, std::string vm,
                   Time give_up_at);
  // One node of a scale-in action is settled (deleted, or taken back by a scale-out).
  void part_done(std::size_t action);
  // Where a node of a scale-in stands: still its to drain and delete, on hold while a
  // scale-out's cancel is in flight, or out of its hands (taken back, or its drain ended).
  enum class DrainClaim { kOurs, kOnHold, kReleased };
  DrainClaim drain_claim(const std::string& node_group, const std::string& node_id);

  template <typename F>
  auto guarded(F f) {
    return [alive = std::weak_ptr<bool>(alive_), f = std::move(f)](auto&&... args) mutable {
      if (auto a = alive.lock(); a && *a) f(std::forward<decltype(args)>(args)...);
    };
  }

  EventLoop& loop_;
  NomadApi& nomad_;
  HarvesterApi& harvester_;
  Logger& log_;
  Options options_;
  std::map<std::string, Group> groups_;
  std::vector<ScaleActionRecord> actions_;
  std::map<std::size_t, std::size_t> open_parts_;  // action -> VMs/nodes not yet settled
  std::uint64_t name_counter_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ha

// `record`: follows a live Nomad cluster (agent/record/cluster_recorder.h) and writes a
// scenario of its workload (agent/record/recording_files.h) that simulate, sweep and chaos
// replay as it is.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "agent/record/anonymize.h"
#include "agent/record/recording_files.h"
#include "apps/cli.h"
#include "apps/options.h"
#include "apps/record_dump.h"
#include "apps/record_live.h"
#include "apps/record_rates.h"
#include "backends/runtime/text_file.h"
#include "base/duration.h"

namespace ha::cli {
namespace {

constexpr const char* kRecordHelp =
    "Usage: harvester-autoscaler record --out DIR [--duration D] [--nomad-address URL]\n"
    "         [--nomad-token-file F] [--node-class C] [--node-pool P] [--policy-dir DIR]\n"
    "         [--checkpoint 5m] [--anonymize] [--clock-speed 1]\n"
    "         [--prometheus-address URL --rate-query JOB/GROUP=QUERY...]\n"
    "       harvester-autoscaler record --out DIR --from-dump DUMP [--node-class C] ...\n\n"
    "Follows a Nomad cluster (its event stream, topics Job, Allocation and Node, after one\n"
    "list of its allocations and nodes) for --duration, or until SIGINT or SIGTERM, then\n"
    "writes to DIR a scenario of what it saw: trace.allocs.csv (the workload), scenario.json\n"
    "(the cluster as observed, the trace, the policies of --policy-dir or a starting-point\n"
    "cluster policy) and record.json (what was seen, and the gaps of a dropped stream). Each\n"
    "file is written whole or not at all, every --checkpoint and at the end. Replay it with\n"
    "`simulate DIR/scenario.json`.\n\n"
    "A DIR that holds a recording (record.state.json) is resumed: the stream opens after its\n"
    "last index, and the time the recorder was not running is a gap. Record into a new DIR to\n"
    "start afresh.\n\n"
    "--from-dump DIR writes the scenario from saved answers instead of a live cluster:\n"
    "DIR/allocations.json (GET /v1/allocations?resources=true), DIR/nodes.json\n"
    "(GET /v1/nodes?resources=true) and, if there, DIR/jobs.json (GET /v1/jobs, or an array\n"
    "of GET /v1/job/:id answers). record.json says what a dump cannot know.\n\n"
    "--rate-query JOB/GROUP=QUERY reads the group's load from Prometheus (a query of one\n"
    "series, e.g. sum(rate(http_requests_total{job=\"web\"}[1m]))): the group becomes a\n"
    "rate-csv service (rates/, policies/service-*.hcl) scaled on its load per allocation,\n"
    "instead of rows of the trace (docs/record.md).\n\n"
    "--anonymize replaces job and group names in the trace with salted hashes (the same name,\n"
    "the same hash, within the recording) and leaves the address out of record.json, so the\n"
    "recording can be handed on; record.state.json keeps the real names: keep it back.\n\n"
    "The Nomad address comes from --nomad-address, else NOMAD_ADDR, else\n"
    "http://127.0.0.1:4646; the token from --nomad-token-file, else NOMAD_TOKEN. With ACLs,\n"
    "the token needs namespace read-job on the namespaces to record (allocations, jobs and\n"
    "their events) and node:read (nodes and their events); list-scaling-policies and\n"
    "read-scaling-policy to save Nomad's own scaling policies too.\n\n";

std::vector<std::string> policy_files(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw InputError{dir + ": not a directory"};
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".hcl" || ext == ".json")) out.push_back(e.path().string());
  }
  if (out.empty()) throw InputError{dir + ": no policy files (*.hcl, *.json)"};
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int run_record(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "this text")                                                    //
      ("out", po::value<std::string>(), "directory to write the scenario to (made if missing)")   //
      ("duration", po::value<std::string>(), "how long to record (default: until a signal)")      //
      ("nomad-address", po::value<std::string>(), "Nomad HTTP API address")                       //
      ("nomad-token-file", po::value<std::string>(), "file holding the Nomad ACL token")          //
      ("nomad-ca-cert", po::value<std::string>(), "CA bundle to verify Nomad's TLS certificate")  //
      ("nomad-skip-verify", "do not verify Nomad's TLS certificate")                              //
      ("node-class", po::value<std::string>(), "the node class the scenario models")              //
      ("node-pool", po::value<std::string>(), "only the nodes of this node pool (Nomad 1.6+)")    //
      ("checkpoint", po::value<std::string>()->default_value("5m"),
       "write the files this often while recording")  //
      ("clock-speed", po::value<double>()->default_value(1),
       "the cluster's clock runs this much faster (a mock-cluster --speed replay)")  //
      ("kubeconfig", po::value<std::string>(),
       "also read Harvester (its VMs) from this kubeconfig, for VM boot and join latency")  //
      ("kubeconfig-context", po::value<std::string>(),
       "the kubeconfig's context (default: current)")  //
      ("vm-namespace", po::value<std::string>()->default_value("default"),
       "the namespace of the Nomad client VMs")                                            //
      ("vm-selector", po::value<std::string>(), "label selector of the Nomad client VMs")  //
      ("from-dump", po::value<std::string>(),
       "write the scenario from saved API answers in this directory instead")  //
      ("dump-time", po::value<double>(),
       "when the dump was taken: seconds since the epoch on the cluster's clock")         //
      ("anonymize", "job and group names in the trace become salted hashes; no address")  //
      ("policy-dir", po::value<std::string>(), "policies to put in the scenario (*.hcl, *.json)");
  add_rate_options(options);
  auto vm = parse_options(args, options, nullptr);
  if (vm.count("help")) {
    out << kRecordHelp << options;
    return kExitOk;
  }
  if (!vm.count("out")) throw UsageError{"--out is required"};
  auto opt = [&vm](const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
  };
  std::optional<Duration> duration;
  if (vm.count("duration")) {
    auto d = parse_duration(opt("duration"));
    if (!d || *d <= Duration(0))
      throw UsageError{"--duration: \"" + opt("duration") + "\" is not a positive duration"};
    duration = *d;
  }
  const char* env_address = std::getenv("NOMAD_ADDR");
  std::string address = vm.count("nomad-address") ? opt("nomad-address")
                        : env_address             ? env_address
                                                  : "http://127.0.0.1:4646";
  std::string token;
  if (vm.count("nomad-token-file")) {
    auto t = read_token_file(opt("nomad-token-file"));
    if (!t) throw InputError{t.error().message};
    token = *t;
  } else if (const char* env = std::getenv("NOMAD_TOKEN")) {
    token = env;
  }
  if (!(vm["clock-speed"].as<double>() > 0)) throw UsageError{"--clock-speed must be > 0"};
  auto checkpoint = parse_duration(opt("checkpoint"));
  if (!checkpoint || *checkpoint < std::chrono::seconds(1))
    throw UsageError{"--checkpoint: \"" + opt("checkpoint") + "\" is not a duration of 1s or more"};
  std::vector<std::string> policies;
  if (vm.count("policy-dir")) policies = policy_files(opt("policy-dir"));
  std::string dir = opt("out");
  std::string node_class = opt("node-class"), node_pool = opt("node-pool");
  std::string salt;  // --anonymize's
  auto saved = read_saved_recording(dir);
  if (!saved) throw InputError{saved.error().message};
  if (vm.count("from-dump")) {
    if (*saved) throw InputError{dir + " holds a live recording: write the dump's elsewhere"};
    if (vm.count("rate-query") || vm.count("kubeconfig")) {
      throw UsageError{
          "--from-dump reads saved Nomad answers only: not with --rate-query or "
          "--kubeconfig, which follow a live cluster"};
    }
    if (vm.count("anonymize")) salt = new_anonymize_salt();
    std::optional<Time> taken_at;
    if (vm.count("dump-time")) {
      taken_at = std::chrono::duration_cast<Time>(
          std::chrono::duration<double>(vm["dump-time"].as<double>()));
    }
    return record_from_dump(opt("from-dump"), dir, taken_at,
                            {"", node_class, node_pool, "", policies, salt}, out);
  }
  if (*saved) {
    const SavedRecording& was = **saved;
    if (was.nomad_address != address) {
      throw InputError{dir + " holds a recording of " + was.nomad_address + ", not of " + address +
                       ": record into another directory"};
    }
    if (vm.count("node-class") && node_class != was.node_class) {
      throw InputError{dir + " holds a recording of node class \"" + was.node_class + "\", not \"" +
                       node_class + "\": record into another directory"};
    }
    if (vm.count("node-pool") && node_pool != was.node_pool) {
      throw InputError{dir + " holds a recording of node pool \"" + was.node_pool + "\", not \"" +
                       node_pool + "\": record into another directory"};
    }
    node_class = was.node_class;
    node_pool = was.node_pool;
    if (policies.empty()) policies = was.policies;
    salt = was.anonymize_salt;
  }
  if (vm.count("anonymize") && salt.empty()) salt = new_anonymize_salt();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError{dir + ": cannot create: " + ec.message()};

  return record_live({dir, address, token, node_class, node_pool, salt, policies,
                      *saved ? std::optional<SavedRecording>(**saved) : std::nullopt, duration,
                      *checkpoint, vm["clock-speed"].as<double>()},
                     vm, out, err);
}

}  // namespace ha::cli

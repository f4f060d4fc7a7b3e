// `record`: follows a live Nomad cluster (agent/record/cluster_recorder.h) and writes a
// scenario of its workload (agent/record/recording_files.h) that simulate, sweep and chaos
// replay as it is.
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "agent/record/anonymize.h"
#include "agent/record/recording_files.h"
#include "apps/cli.h"
#include "apps/options.h"
#include "apps/progress.h"
#include "apps/record_dump.h"
#include "apps/record_rates.h"
#include "backends/http/harvester_http_api.h"
#include "backends/http/kubeconfig.h"
#include "backends/http/nomad_http_api.h"
#include "backends/runtime/realtime_loop.h"
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

// The recorder's figures, read on the loop.
struct Status {
  bool started = false;
  std::optional<Error> fatal;
  std::string last_gap;
  std::uint64_t events = 0;
  std::int64_t allocations = 0;
};

Status status_of(RealtimeLoop& loop, const ClusterRecorder& recorder) {
  std::promise<Status> answer;
  loop.post([&] {
    Status s{recorder.started(), recorder.fatal(), "", recorder.events(),
             recorder.workload().recorded()};
    if (!recorder.gaps().empty()) s.last_gap = recorder.gaps().back().why;
    answer.set_value(std::move(s));
  });
  return answer.get_future().get();
}

// Waits up to `d` for SIGINT or SIGTERM (blocked in every thread); true when one came.
bool signalled_within(const sigset_t& signals, Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
  timespec wait{
      static_cast<time_t>(s.count()),
      static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(d - s).count())};
  return sigtimedwait(&signals, nullptr, &wait) > 0;
}

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

  // Signals reach this thread only (sigtimedwait): blocked before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RealtimeLoop loop(1.0, std::chrono::duration_cast<Duration>(
                             std::chrono::system_clock::now().time_since_epoch()));
  HttpTransport::Options transport_options;
  transport_options.ca_file = opt("nomad-ca-cert");
  transport_options.insecure = vm.count("nomad-skip-verify") > 0;
  HttpTransport transport(loop, transport_options);
  NomadHttpApi nomad(transport, {address, token, "", ""});
  double clock_speed = vm["clock-speed"].as<double>();
  if (!(clock_speed > 0)) throw UsageError{"--clock-speed must be > 0"};
  ClusterRecorder recorder(loop, nomad, {node_class, node_pool, clock_speed});
  // Harvester, when a kubeconfig says where: the scale-out latency.
  std::unique_ptr<HttpTransport> harvester_transport;
  std::unique_ptr<HarvesterHttpApi> harvester;
  std::unique_ptr<VmLatencyRecorder> vms;
  if (vm.count("kubeconfig")) {
    auto k = read_kubeconfig(opt("kubeconfig"), opt("kubeconfig-context"));
    if (!k) throw InputError{k.error().message};
    HttpTransport::Options o;
    o.ca_file = k->ca_file;
    o.ca_pem = k->ca_pem;
    o.insecure = k->insecure;
    harvester_transport = std::make_unique<HttpTransport>(loop, o, 2);
    harvester = std::make_unique<HarvesterHttpApi>(*harvester_transport,
                                                   HarvesterHttpApi::Options{k->server, k->token});
    vms = std::make_unique<VmLatencyRecorder>(
        loop, *harvester, vm["vm-namespace"].as<std::string>(), opt("vm-selector"),
        [&] { return recorder.cluster_time(loop.now()); }, clock_speed);
  }
  RecordRates rates = record_rates(
      vm, loop, [&recorder](Time t) { return recorder.cluster_time(t); }, clock_speed);
  if (*saved) {
    if (auto r = recorder.resume((*saved)->recorder); !r) {
      throw InputError{dir + "/" + kStateFile + ": " + r.error().message};
    }
    if (auto r = rates.recorder ? rates.recorder->load((*saved)->rates) : Result<Unit>(Unit{});
        !r) {
      throw InputError{dir + "/" + kStateFile + ": " + r.error().message};
    }
    err << "resuming the recording in " << dir << "/ after index " << recorder.last_index() << " ("
        << recorder.events() << " events so far)\n";
  }
  std::thread runner([&] { loop.run(); });
  Time started = loop.now();
  loop.post([&] {
    recorder.start();
    if (vms) vms->start();
  });
  // Writes the files, on the loop; with `stop`, the recorder stops first.
  auto write = [&](bool stop) -> Result<std::vector<std::string>> {
    std::promise<Result<std::vector<std::string>>> done;
    loop.post([&] {
      if (stop) recorder.stop();
      if (stop && vms) vms->stop();
      // The load since the last write first, then the files.
      auto write_files = [&] {
        std::string name = std::filesystem::path(dir).filename().string();
        Recording r = recording_of(recorder, loop.now(), !salt.empty(), vms.get());
        if (rates.recorder) {
          r.loads = rates.recorder->loads();
          r.rates_state = rates.recorder->save();
        }
        done.set_value(write_recording(
            dir, r,
            {name.empty() ? "recorded" : name, node_class, node_pool, address, policies, salt}));
      };
      if (!rates.recorder) return write_files();
      rates.recorder->fetch(started, loop.now(), write_files);
    });
    return done.get_future().get();
  };
  auto finish = [&](bool write_files) -> Result<std::vector<std::string>> {
    Result<std::vector<std::string>> result = std::vector<std::string>{};
    if (write_files) {
      result = write(true);
    } else {
      std::promise<void> stopped;
      loop.post([&] {
        recorder.stop();
        if (vms) vms->stop();
        stopped.set_value();
      });
      stopped.get_future().wait();
    }
    loop.stop();
    runner.join();
    return result;
  };

  // The start: the stream and the first lists, within 15 s, or one clear error.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    Status s = status_of(loop, recorder);
    if (s.fatal || (!s.started && std::chrono::steady_clock::now() > give_up)) {
      static_cast<void>(finish(false));
      err << "harvester-autoscaler record: Nomad at " << address << ": "
          << (s.fatal ? s.fatal->message
                      : "no answer within 15 s" + (s.last_gap.empty() ? "" : ": " + s.last_gap))
          << "\n";
      return kExitInvalid;
    }
    if (s.started) break;
    if (signalled_within(signals, std::chrono::milliseconds(100))) {
      static_cast<void>(finish(false));
      err << "harvester-autoscaler record: stopped before the recording started\n";
      return kExitInvalid;
    }
  }
  ProgressBar progress(err, ProgressBar::stderr_is_terminal());
  Time next_checkpoint = started + *checkpoint;
  for (;;) {
    Duration so_far = loop.now() - started;
    if (duration && so_far >= *duration) break;
    if (loop.now() >= next_checkpoint) {
      next_checkpoint = loop.now() + *checkpoint;
      // A crash from here on loses at most one checkpoint's time; a failed write is said,
      // and the recording goes on (the end's write says it again).
      if (auto w = write(false); !w)
        err << "harvester-autoscaler record: checkpoint: " << w.error().message << "\n";
    }
    Duration step = std::chrono::seconds(1);
    if (duration) step = std::min(step, *duration - so_far);
    if (signalled_within(signals, step)) break;
    Status s = status_of(loop, recorder);
    progress.update(duration ? to_seconds(so_far) / to_seconds(*duration) : 0.0,
                    format_duration(so_far) + " recorded, " + std::to_string(s.events) +
                        " events, " + std::to_string(s.allocations) + " allocations");
  }
  progress.finish();
  auto written = finish(true);
  if (!written) throw InputError{written.error().message};
  out << "recorded " << format_duration(loop.now() - started) << " (wall) of " << address
      << " into " << dir << "/: ";
  for (std::size_t i = 0; i < written->size(); ++i) out << (i ? ", " : "") << (*written)[i];
  out << "\nreplay it: harvester-autoscaler simulate " << dir << "/scenario.json\n";
  return kExitOk;
}

}  // namespace ha::cli

#include "apps/record_live.h"

#include <signal.h>
#include <time.h>

#include <filesystem>
#include <future>
#include <thread>

#include "apps/cli.h"
#include "apps/progress.h"
#include "apps/record_rates.h"
#include "backends/http/harvester_http_api.h"
#include "backends/http/kubeconfig.h"
#include "backends/http/nomad_http_api.h"
#include "backends/runtime/realtime_loop.h"
#include "base/duration.h"

namespace ha::cli {
namespace {

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

}  // namespace

int record_live(const LiveRecording& r, const po::variables_map& vm, std::ostream& out,
                std::ostream& err) {
  auto opt = [&vm](const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
  };
  const std::string &dir = r.dir, &address = r.address, &token = r.token;
  const std::string &node_class = r.node_class, &node_pool = r.node_pool, &salt = r.salt;
  const std::vector<std::string>& policies = r.policies;
  const std::optional<SavedRecording>& saved = r.saved;
  const std::optional<Duration>& duration = r.duration;
  Duration checkpoint = r.checkpoint;
  double clock_speed = r.clock_speed;

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
        [&] {
          return recorder.cluster_time(loop.now());
          if (saved && saved->vm_latency) vms->add_earlier(*saved->vm_latency);
        },
        clock_speed);
  }
  RecordRates rates = record_rates(
      vm, loop, [&recorder](Time t) { return recorder.cluster_time(t); }, clock_speed);
  if (saved) {
    if (auto r = recorder.resume(saved->recorder); !r) {
      throw InputError{dir + "/" + kStateFile + ": " + r.error().message};
    }
    if (auto r = rates.recorder ? rates.recorder->load(saved->rates) : Result<Unit>(Unit{}); !r) {
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
      // `*=QUERY`: the groups Nomad scales by a policy of their own.
      std::vector<RateRecorder::ScaledGroup> scaled;
      for (const NomadScalingPolicy& p : recorder.scaling_policies()) {
        if (p.type == "horizontal") scaled.push_back({p.namespace_, p.job, p.group});
      }
      rates.recorder->add_groups(scaled);
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
  Time next_checkpoint = started + checkpoint;
  for (;;) {
    Duration so_far = loop.now() - started;
    if (duration && so_far >= *duration) break;
    if (loop.now() >= next_checkpoint) {
      next_checkpoint = loop.now() + checkpoint;
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

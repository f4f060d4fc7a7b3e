#include "apps/record_dump.h"

#include <filesystem>

#include "agent/record/dump_recording.h"
#include "apps/cli.h"

namespace ha::cli {

int record_from_dump(const std::string& dump, const std::string& dir, std::optional<Time> taken_at,
                     RecordingInfo info, std::ostream& out) {
  auto recorded = DumpRecording::read(dump, info.node_class, info.node_pool, taken_at);
  if (!recorded) throw InputError{recorded.error().message};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError{dir + ": cannot create: " + ec.message()};
  info.name = std::filesystem::path(dir).filename().string();
  if (info.name.empty()) info.name = "recorded";
  info.nomad_address = "(dump " + dump + ")";
  auto written = write_recording(dir, recorded->recording(), info);
  if (!written) throw InputError{written.error().message};
  out << "recorded the dump " << dump << " into " << dir << "/: ";
  for (std::size_t i = 0; i < written->size(); ++i) out << (i ? ", " : "") << (*written)[i];
  out << "\nreplay it: harvester-autoscaler simulate " << dir << "/scenario.json\n";
  return kExitOk;
}

}  // namespace ha::cli

// `record --from-dump`: the scenario from saved API answers (agent/record/dump_recording.h),
// written as a live recording's is; prints what it wrote. Bad input throws InputError.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "agent/record/recording_files.h"

namespace ha::cli {

int record_from_dump(const std::string& dump, const std::string& dir, std::optional<Time> taken_at,
                     RecordingInfo info, std::ostream& out);

}  // namespace ha::cli

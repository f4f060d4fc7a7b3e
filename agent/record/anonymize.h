// `record --anonymize`: job and group names replaced by pseudonyms, so that a team can hand
// its trace to someone else. A pseudonym is the kind ("job", "group") and the first 12 hex
// digits of SHA-256 over a salt and the name: the same name always gives the same
// pseudonym within a recording (the salt is kept in record.state.json, so a resumed
// recording keeps them), and the salt keeps short, guessable names ("web", "etl") from
// being found by hashing a dictionary.
#pragma once

#include <string>
#include <vector>

#include "agent/record/workload_recorder.h"

namespace ha {

// A new random salt (32 hex digits).
std::string new_anonymize_salt();
std::string pseudonym(const std::string& kind, const std::string& name, const std::string& salt);
// The rows with their job and group names replaced (rows that then agree stay apart: no two
// names share a pseudonym but by a 48-bit collision).
std::vector<RecordedRow> anonymized(std::vector<RecordedRow> rows, const std::string& salt);

}  // namespace ha

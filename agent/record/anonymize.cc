#include "agent/record/anonymize.h"

#include <openssl/evp.h>

#include <random>

namespace ha {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string new_anonymize_salt() {
  std::random_device device;
  unsigned char bytes[16];
  for (unsigned char& b : bytes) b = static_cast<unsigned char>(device());
  return hex(bytes, sizeof bytes);
}

std::string pseudonym(const std::string& kind, const std::string& name, const std::string& salt) {
  std::string input = salt;
  input.push_back('\0');  // salt "ab" + name "c" and salt "a" + name "bc" differ
  input += name;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  return kind + "-" + hex(digest, 6);
}

std::vector<RecordedRow> anonymized(std::vector<RecordedRow> rows, const std::string& salt) {
  for (RecordedRow& r : rows) {
    r.job = pseudonym("job", r.job, salt);
    r.group = pseudonym("group", r.group, salt);
  }
  return rows;
}

}  // namespace ha

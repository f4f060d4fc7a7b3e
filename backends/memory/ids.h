// Deterministic UUID-shaped identifiers for model objects (nodes, allocations, VMs):
// unique per generator, reproducible per seed, and the shape Nomad and Kubernetes clients
// expect.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace ha {

class IdGenerator {
 public:
  explicit IdGenerator(std::uint64_t seed = 0) : state_(seed) {}

  std::string next() {
    std::uint64_t a = mix(++state_), b = mix(state_ ^ 0x9e3779b97f4a7c15ULL);
    char buf[37];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
  }

 private:
  // splitmix64 finalizer: distinct inputs give distinct outputs.
  static std::uint64_t mix(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace ha

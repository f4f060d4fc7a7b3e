// NameIndex: positions of a snapshot's items by name, to match VMs to Nomad nodes. Open
// addressing in one array, so building it allocates once, not once per name: at thousands
// of nodes this is the status path's hottest step. Names are views into the snapshot's
// shared, immutable items, which outlive the index.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ha {

class NameIndex {
 public:
  // Indexes positions [0, n) by name_of(i). When two positions share a name,
  // replaces(i, kept) says whether i takes the name from the one kept so far.
  template <typename NameOf, typename Replaces>
  void build(std::size_t n, NameOf name_of, Replaces replaces) {
    std::size_t capacity = 16;
    while (capacity < 2 * n) capacity *= 2;
    slots_.assign(capacity, Slot{});
    for (std::size_t i = 0; i < n; ++i) {
      std::string_view name = name_of(i);
      Slot& slot = probe(name);
      if (slot.position == kEmpty) {
        slot = {name, static_cast<std::uint32_t>(i)};
      } else if (replaces(i, slot.position)) {
        slot.position = static_cast<std::uint32_t>(i);
      }
    }
  }

  std::optional<std::size_t> find(std::string_view name) const {
    if (slots_.empty()) return std::nullopt;
    const Slot& slot = const_cast<NameIndex*>(this)->probe(name);
    if (slot.position == kEmpty) return std::nullopt;
    return slot.position;
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::string_view name;
    std::uint32_t position = kEmpty;
  };

  // FNV-1a: names are short; this beats a general-purpose hash here.
  static std::uint64_t hash(std::string_view s) {
    std::uint64_t h = 14695981039346656037ULL;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h;
  }
  // The slot holding `name`, or the empty slot where it would go (linear probing; the
  // table is at most half full).
  Slot& probe(std::string_view name) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(name) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.position == kEmpty || s.name == name) return s;
    }
  }

  std::vector<Slot> slots_;
};

}  // namespace ha

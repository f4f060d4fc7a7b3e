// NomadVariableStore: Nomad's lock semantics on a given clock (TTL, lock-delay, conflicts,
// release) and plain variables (set, check-and-set, delete while locked).
#include "backends/memory/nomad_variables.h"

#include <gtest/gtest.h>

namespace ha {
namespace {

using namespace std::chrono_literals;

constexpr Time kStart = Time(std::chrono::hours(24 * 365 * 50));

struct NomadVariablesTest : ::testing::Test {
  NomadVariableStore store{7};
  const NomadVariableLock ten_two{"", 10s, 2s};

  Result<NomadVariable> acquire(Time at, NomadVariableLock want) {
    return store.acquire("default", "app/lock", want, {}, at);
  }
};

TEST_F(NomadVariablesTest, AcquireGivesALockIdAndRefusesOthersUntilTtlAndDelayPass) {
  auto first = acquire(kStart, ten_two);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->lock.has_value());
  EXPECT_EQ(first->lock->id.size(), 36u);
  EXPECT_EQ(first->lock->ttl, 10s);
  EXPECT_EQ(first->create_index, first->modify_index);

  auto second = acquire(kStart + 1s, ten_two);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::kConflict);
  // Expired at 10s but kept for its lock-delay: still refused, and no longer renewable.
  EXPECT_EQ(acquire(kStart + 11s, ten_two).error().kind, ErrorKind::kConflict);
  auto late = store.renew("default", "app/lock", first->lock->id, kStart + 11s);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().kind, ErrorKind::kConflict);
  // Free once TTL and lock-delay have passed, with a new ID.
  auto third = acquire(kStart + 12s, ten_two);
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_NE(third->lock->id, first->lock->id);
}

TEST_F(NomadVariablesTest, TheHolderRetakesItsLockByItsIdEvenWithinTheDelay) {
  auto held = acquire(kStart, ten_two);
  ASSERT_TRUE(held.ok());
  NomadVariableLock same = ten_two;
  same.id = held->lock->id;
  auto again = acquire(kStart + 5s, same);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->lock->id, held->lock->id);
  // Expired at 15 s, within its delay at 16 s: only its holder may take it.
  std::optional<NomadVariable> conflict;
  auto other = store.acquire("default", "app/lock", ten_two, {}, kStart + 16s, &conflict);
  EXPECT_EQ(other.error().kind, ErrorKind::kConflict);
  ASSERT_TRUE(conflict.has_value());
  EXPECT_EQ(conflict->lock->id, held->lock->id);
  EXPECT_TRUE(acquire(kStart + 16s, same).ok());
}

TEST_F(NomadVariablesTest, RenewalsKeepTheLockPastItsFirstTtl) {
  auto held = acquire(kStart, ten_two);
  ASSERT_TRUE(held.ok());
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(store.renew("default", "app/lock", held->lock->id, kStart + i * 7s).ok()) << i;
  }
  EXPECT_EQ(acquire(kStart + 44s, ten_two).error().kind, ErrorKind::kConflict);
  // The last renewal (35s) holds it to 45s, then the delay to 47s.
  EXPECT_EQ(acquire(kStart + 46s, ten_two).error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(acquire(kStart + 47s, ten_two).ok());
}

TEST_F(NomadVariablesTest, ReleaseFreesAtOnceAndOnlyForTheHolder) {
  auto held = acquire(kStart, ten_two);
  ASSERT_TRUE(held.ok());
  auto wrong = store.release("default", "app/lock", "not-the-id", kStart + 1s);
  EXPECT_EQ(wrong.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(store.release("default", "app/lock", "", kStart + 1s).error().kind,
            ErrorKind::kInvalid);
  auto released = store.release("default", "app/lock", held->lock->id, kStart + 1s);
  ASSERT_TRUE(released.ok());
  EXPECT_FALSE(released->lock.has_value());
  EXPECT_TRUE(acquire(kStart + 1s, ten_two).ok());  // no lock-delay after a release
  EXPECT_EQ(store.renew("default", "nothing/here", "x", kStart).error().kind, ErrorKind::kNotFound);
}

TEST_F(NomadVariablesTest, TtlOutsideNomadsBoundsIsRefusedAndDefaultsApply) {
  auto short_ttl = acquire(kStart, {"", 9s, 0s});
  ASSERT_FALSE(short_ttl.ok());
  EXPECT_EQ(short_ttl.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(short_ttl.error().message, "TTL must be between 10 seconds and 24 hours");
  EXPECT_FALSE(acquire(kStart, {"", 25h, 0s}).ok());
  EXPECT_FALSE(acquire(kStart, {"", -1s, 0s}).ok());
  auto defaults = acquire(kStart, {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->lock->ttl, 15s);
  EXPECT_EQ(defaults->lock->delay, 15s);
}

TEST_F(NomadVariablesTest, NamespacesAreApart) {
  ASSERT_TRUE(store.acquire("a", "lock", ten_two, {}, kStart).ok());
  EXPECT_TRUE(store.acquire("b", "lock", ten_two, {}, kStart).ok());
  EXPECT_EQ(store.list("a", "", kStart).size(), 1u);
  EXPECT_EQ(store.list("*", "lo", kStart).size(), 2u);
  EXPECT_TRUE(store.list("*", "x", kStart).empty());
}

TEST_F(NomadVariablesTest, PlainWritesRespectLocksAndCheckAndSet) {
  auto v = store.set("default", "app/config", {{"k", "1"}}, std::nullopt, kStart);
  ASSERT_TRUE(v.ok());
  std::optional<NomadVariable> conflict;
  auto stale =
      store.set("default", "app/config", {{"k", "2"}}, v->modify_index - 1, kStart, &conflict);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::kConflict);
  ASSERT_TRUE(conflict.has_value());
  EXPECT_EQ(conflict->items.at("k"), "1");
  auto fresh = store.set("default", "app/config", {{"k", "2"}}, v->modify_index, kStart);
  ASSERT_TRUE(fresh.ok());
  EXPECT_GT(fresh->modify_index, v->modify_index);
  EXPECT_EQ(store.get("default", "app/config", kStart)->items.at("k"), "2");
  // cas=0: only when absent.
  EXPECT_FALSE(store.set("default", "app/config", {}, 0, kStart).ok());
  EXPECT_TRUE(store.set("default", "app/new", {{"a", "b"}}, 0, kStart).ok());

  ASSERT_TRUE(acquire(kStart, ten_two).ok());
  EXPECT_EQ(store.set("default", "app/lock", {{"x", "y"}}, std::nullopt, kStart).error().kind,
            ErrorKind::kConflict);
  EXPECT_EQ(store.remove("default", "app/lock", kStart).error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(store.remove("default", "app/config", kStart).ok());
  EXPECT_FALSE(store.get("default", "app/config", kStart).has_value());
  EXPECT_EQ(store.remove("default", "app/config", kStart).error().kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace ha

// Nomad's Variables lock API end to end on 127.0.0.1: the lock client (NomadLockHttpApi)
// against the mock Nomad, and the mock's wire checked with a plain HTTP client: Nomad's
// paths, query parameters, JSON fields, status codes and 409 bodies. Also the transport's
// write fence and User-Agent, and the write log's record of who changed what.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/http/nomad_lock_http_api.h"
#include "backends/mock_server/nomad_mock_server.h"
#include "backends/mock_server/write_log.h"
#include "backends/runtime/realtime_loop.h"

namespace ha {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct NomadLockTest : ::testing::Test {
  RealtimeLoop server_loop;
  NomadModel model{server_loop};
  std::unique_ptr<WriteLog> writes;
  std::unique_ptr<NomadMockServer> server;
  std::thread server_thread;
  std::unique_ptr<httplib::Client> raw;
  std::string address;
  std::filesystem::path log_file;

  RealtimeLoop loop;  // the client's, run by the test's thread

  void SetUp() override {
    log_file = std::filesystem::temp_directory_path() /
               (std::string("ha-") +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl");
    auto opened = WriteLog::open(log_file.string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    writes = std::move(opened.value());
    server_thread = std::thread([this] { server_loop.run(); });
    NomadMockServer::Options options{"secret-token"};
    options.writes = writes.get();
    server = std::make_unique<NomadMockServer>(server_loop, model, options);
    auto port = server->start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().message;
    address = "http://127.0.0.1:" + std::to_string(*port);
    raw = std::make_unique<httplib::Client>("127.0.0.1", *port);
    raw->set_default_headers({{"X-Nomad-Token", "secret-token"}});
  }
  void TearDown() override {
    server->stop();
    server_loop.stop();
    server_thread.join();
    std::filesystem::remove(log_file);
  }

  // Runs `call` on the client loop and returns what its callback got.
  template <typename T, typename Call>
  Result<T> await(Call call) {
    std::optional<Result<T>> out;
    loop.post([&] {
      call([&](Result<T> r) {
        out = std::move(r);
        loop.stop();
      });
    });
    loop.run();
    return std::move(*out);
  }

  HttpTransport::Options transport_options() {
    HttpTransport::Options o;
    o.max_attempts = 1;
    o.user_agent = "harvester-autoscaler/test (unit-1)";
    return o;
  }
};

TEST_F(NomadLockTest, TheLockClientAcquiresRenewsAndReleasesAgainstTheMock) {
  HttpTransport transport(loop, transport_options());
  NomadLockHttpApi a(transport, {address, "secret-token", ""});
  NomadVariableLock want{"", 10s, 1s};
  auto held = await<NomadVariable>(
      [&](auto done) { a.acquire_lock("ops", "autoscaler/lock", want, done); });
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_EQ(held->namespace_, "ops");
  EXPECT_EQ(held->path, "autoscaler/lock");
  ASSERT_TRUE(held->lock.has_value());
  EXPECT_EQ(held->lock->ttl, 10s);
  EXPECT_EQ(held->lock->delay, 1s);

  auto again = await<NomadVariable>(
      [&](auto done) { a.acquire_lock("ops", "autoscaler/lock", want, done); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  EXPECT_NE(again.error().message.find("PUT /v1/var/autoscaler/lock"), std::string::npos)
      << again.error().message;
  EXPECT_EQ(again.error().message.find("secret-token"), std::string::npos);

  std::string id = held->lock->id;
  EXPECT_TRUE(
      (await<Unit>([&](auto done) { a.renew_lock("ops", "autoscaler/lock", id, done); })).ok());
  auto wrong = await<Unit>([&](auto done) { a.renew_lock("ops", "autoscaler/lock", "x", done); });
  EXPECT_EQ(wrong.error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(
      (await<Unit>([&](auto done) { a.release_lock("ops", "autoscaler/lock", id, done); })).ok());
  // Released: free for the next at once, in that namespace only.
  EXPECT_TRUE((await<NomadVariable>([&](auto done) {
                a.acquire_lock("ops", "autoscaler/lock", want, done);
              })).ok());
  auto listed = raw->Get("/v1/vars?namespace=ops");
  ASSERT_TRUE(listed);
  EXPECT_EQ(json::parse(listed->body).size(), 1u);
  EXPECT_EQ(json::parse(raw->Get("/v1/vars")->body).size(), 0u);
}

TEST_F(NomadLockTest, TheMockAnswersAsNomadDoes) {
  auto acquired =
      raw->Put("/v1/var/a/b?lock-acquire",
               R"({"Items":{"k":"v"},"Lock":{"TTL":"15s","LockDelay":"5s"}})", "application/json");
  ASSERT_TRUE(acquired);
  ASSERT_EQ(acquired->status, 200) << acquired->body;
  EXPECT_TRUE(acquired->has_header("X-Nomad-Index"));
  json v = json::parse(acquired->body);
  for (const char* key : {"Namespace", "Path", "Lock", "CreateIndex", "CreateTime", "ModifyIndex",
                          "ModifyTime", "Items"}) {
    EXPECT_TRUE(v.contains(key)) << key;
  }
  EXPECT_EQ(v["Lock"]["TTL"], "15s");
  EXPECT_EQ(v["Lock"]["LockDelay"], "5s");
  std::string id = v["Lock"]["ID"];

  // Another acquire: 409, and the body names the variable with its data left out.
  auto conflict = raw->Put("/v1/var/a/b?lock-acquire", R"({"Lock":{}})", "application/json");
  ASSERT_EQ(conflict->status, 409);
  json c = json::parse(conflict->body);
  EXPECT_EQ(c["Path"], "a/b");
  EXPECT_FALSE(c.contains("Items"));
  EXPECT_FALSE(c.contains("Lock"));
  EXPECT_EQ(c["CreateIndex"], 0);

  // A renewal answers the metadata, without the items.
  auto renewed =
      raw->Put("/v1/var/a/b?lock-renew", json{{"Lock", {{"ID", id}}}}.dump(), "application/json");
  ASSERT_EQ(renewed->status, 200) << renewed->body;
  EXPECT_FALSE(json::parse(renewed->body).contains("Items"));

  // Errors: Nomad's plain-text words and codes.
  auto bad_ttl = raw->Put("/v1/var/c?lock-acquire", R"({"Lock":{"TTL":"2s"}})", "application/json");
  EXPECT_EQ(bad_ttl->status, 400);
  EXPECT_EQ(bad_ttl->body, "TTL must be between 10 seconds and 24 hours");
  auto two_ops = raw->Put("/v1/var/a/b?lock-acquire&lock-release", "{}", "application/json");
  EXPECT_EQ(two_ops->status, 400);
  EXPECT_EQ(two_ops->body, "multiple lock operations");
  auto no_id = raw->Put("/v1/var/a/b?lock-release", R"({"Lock":{}})", "application/json");
  EXPECT_EQ(no_id->status, 400);
  EXPECT_EQ(no_id->body, "missing lock information");
  auto others =
      raw->Put("/v1/var/a/b?lock-release", R"({"Lock":{"ID":"not-it"}})", "application/json");
  EXPECT_EQ(others->status, 409);
  EXPECT_TRUE(json::parse(others->body).contains("Lock"));
  auto missing = raw->Put("/v1/var/none?lock-renew", R"({"Lock":{"ID":"x"}})", "application/json");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(raw->Get("/v1/var/none")->status, 404);
  EXPECT_EQ(raw->Delete("/v1/var/a/b")->status, 409);  // locked
  auto unauthorized = httplib::Client(address).Get("/v1/var/a/b");
  EXPECT_EQ(unauthorized->status, 403);

  // Plain variables: set, check-and-set conflict with the current value, delete.
  auto set = raw->Put("/v1/var/app/config", R"({"Items":{"x":"1"}})", "application/json");
  ASSERT_EQ(set->status, 200);
  auto stale = raw->Put("/v1/var/app/config?cas=1", R"({"Items":{"x":"2"}})", "application/json");
  EXPECT_EQ(stale->status, 409);
  EXPECT_EQ(json::parse(stale->body)["Items"]["x"], "1");
  EXPECT_EQ(json::parse(raw->Get("/v1/var/app/config")->body)["Items"]["x"], "1");
  EXPECT_EQ(raw->Delete("/v1/var/app/config")->status, 200);
}

TEST_F(NomadLockTest, TheFenceStopsWritesNotReadsAndTheLogNamesTheClient) {
  std::atomic<bool> may{false};
  HttpTransport::Options o = transport_options();
  o.may_write = [&may] { return may.load(); };
  HttpTransport transport(loop, o);
  NomadLockHttpApi api(transport, {address, "secret-token", ""});
  auto fenced = await<NomadVariable>([&](auto done) {
    api.acquire_lock("default", "l", {"", 10s, 1s}, done);
  });
  ASSERT_FALSE(fenced.ok());
  EXPECT_EQ(fenced.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(fenced.error().message.find("not sent"), std::string::npos);
  EXPECT_EQ(raw->Get("/v1/var/l")->status, 404);  // nothing reached the server

  HttpRequest get;
  get.url = address + "/v1/vars";
  get.path = "/v1/vars";
  get.headers["X-Nomad-Token"] = "secret-token";
  auto read = await<HttpResponse>([&](auto done) { transport.send(get, done); });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, 200);

  may = true;
  ASSERT_TRUE((await<NomadVariable>([&](auto done) {
                api.acquire_lock("default", "l", {"", 10s, 1s}, done);
              })).ok());
  std::ifstream in(log_file);
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 1u);  // the write; reads are not logged
  EXPECT_EQ(lines[0]["client"], "harvester-autoscaler/test (unit-1)");
  EXPECT_EQ(lines[0]["method"], "PUT");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["target"], "/v1/var/l?lock-acquire&namespace=default");
  EXPECT_EQ(lines[0].dump().find("secret-token"), std::string::npos);
}

}  // namespace
}  // namespace ha

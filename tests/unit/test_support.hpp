// Helpers shared by the unit tests: asserting on ledger::Error, temporary
// directories, and a fresh ledger on disk.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <utility>

#include "ledger/error.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage/sqlite/sqlite_store.hpp"

namespace adledger_test {

// Runs `f` and returns the ledger::Error it threw, if any.
template <typename F>
std::optional<ledger::Error> error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const ledger::Error& e) {
    return e;
  }
  return std::nullopt;
}

inline const char* kind_name(ledger::ErrorKind kind) {
  switch (kind) {
    case ledger::ErrorKind::Input: return "Input";
    case ledger::ErrorKind::Rule: return "Rule";
    case ledger::ErrorKind::Storage: return "Storage";
  }
  return "?";
}

inline ::testing::AssertionResult is_error(const std::optional<ledger::Error>& error, ledger::ErrorKind kind,
                                           const std::string& needle) {
  if (!error) return ::testing::AssertionFailure() << "no ledger::Error was thrown";
  std::string what = error->what();
  if (error->kind() != kind)
    return ::testing::AssertionFailure() << "kind " << kind_name(error->kind()) << ", expected " << kind_name(kind)
                                         << "; message: " << what;
  if (what.find(needle) == std::string::npos)
    return ::testing::AssertionFailure() << "message \"" << what << "\" does not contain \"" << needle << "\"";
  if (what.find('\n') != std::string::npos)
    return ::testing::AssertionFailure() << "message spans lines: " << what;
  return ::testing::AssertionSuccess();
}

// EXPECT_ERROR(kind, "needle", statement): the statement throws a
// ledger::Error of that kind whose message contains the needle.
#define EXPECT_ERROR(kind, needle, ...) \
  EXPECT_TRUE(::adledger_test::is_error(::adledger_test::error_of([&] { (void)(__VA_ARGS__); }), (kind), (needle)))

// The message of the ledger::Error the statement throws ("" if none).
#define ERROR_MESSAGE(...) \
  [&]() -> std::string { \
    auto e_ = ::adledger_test::error_of([&] { (void)(__VA_ARGS__); }); \
    return e_ ? std::string(e_->what()) : std::string(); \
  }()

// A directory of its own under the system temp directory, removed on exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("adledger-unit-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A new, empty ledger in a temporary directory.
struct TempLedger {
  TempDir dir;
  std::string path = dir.file("ledger.db");
  std::unique_ptr<ledger::Store> store = ledger::open_sqlite_store(path, ledger::OpenMode::CreateNew);
  ledger::Ledger ledger{*store};

  // Runs `f` in one committed write transaction.
  template <typename F>
  void write(F&& f) {
    ledger::WriteTransaction txn(*store);
    std::forward<F>(f)();
    txn.commit();
  }
};

inline ledger::Money usd(std::int64_t minor) { return ledger::Money(minor, ledger::Currency::from_code("USD")); }
inline ledger::Date date(const char* text) { return ledger::parse_date(text); }
inline ledger::Period period(const char* text) { return ledger::Period::parse(text); }

}  // namespace adledger_test

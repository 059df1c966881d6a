// The world the import fuzz targets share: one ledger per process, in a
// fresh temporary directory, holding the founding fixture (so that imported
// records can refer to real platforms, advertisers and bans). Each input is
// imported inside a WriteTransaction that is then rolled back, so every
// input meets the same ledger. Only ledger::Error may escape an importer;
// any other exception, an assert, or a sanitizer report is a bug. After
// each rollback the record log's head must be what it was.
//
// With ADLEDGER_FUZZ_STRICT=1 in the environment, an error's message must
// also be one line of valid UTF-8 without control characters that starts
// with the file name (what the command line prints).
//
// To keep fuzzing past a bug already reported, ADLEDGER_FUZZ_KNOWN may list
// '|'-separated substrings: an escaped exception or a strict-mode message
// that contains one of them is not reported.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_message.hpp"
#include "ledger/error.hpp"
#include "ledger/io/import.hpp"
#include "ledger/ledger.hpp"
#include "ledger/storage/sqlite/sqlite_store.hpp"
#include "ledger/storage/store.hpp"

#ifndef ADLEDGER_FIXTURE
#error "define ADLEDGER_FIXTURE as the path of fixtures/founding-case.json"
#endif

namespace {

inline const std::string kFileName = FUZZ_FILE_NAME;

[[noreturn]] void bug(const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s: BUG: %s: %.*s\n", FUZZ_TARGET, what, static_cast<int>(std::min<std::size_t>(detail.size(), 2000)),
               detail.data());
  std::abort();
}

struct World {
  std::filesystem::path dir;
  std::unique_ptr<ledger::Store> store;
  std::unique_ptr<ledger::Ledger> ledger;
  std::optional<ledger::LogRecord> head;
  bool strict = false;
  std::vector<std::string> known;

  ~World() {
    ledger.reset();
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

World* world = nullptr;

void remove_world() {
  delete world;
  world = nullptr;
}

void set_up() {
  auto* w = new World;
  std::string pattern = (std::filesystem::temp_directory_path() / "adledger-fuzz-XXXXXX").string();
  if (!mkdtemp(pattern.data())) bug("cannot create a temporary directory", pattern);
  w->dir = pattern;
  w->store = ledger::open_sqlite_store((w->dir / "ledger.db").string(), ledger::OpenMode::CreateNew);
  w->ledger = std::make_unique<ledger::Ledger>(*w->store, [] { return std::string("2026-11-22T10:00:00.000Z"); });
  std::ifstream in(ADLEDGER_FIXTURE, std::ios::binary);
  if (!in) bug("cannot read the fixture", ADLEDGER_FIXTURE);
  std::stringstream text;
  text << in.rdbuf();
  {
    ledger::WriteTransaction txn(*w->store);
    ledger::import_document(*w->ledger, text.str(), ADLEDGER_FIXTURE);
    txn.commit();
  }
  w->head = w->store->log_head();
  const char* strict = std::getenv("ADLEDGER_FUZZ_STRICT");
  w->strict = strict && std::string_view(strict) == "1";
  if (const char* known = std::getenv("ADLEDGER_FUZZ_KNOWN")) {
    std::string_view rest = known;
    while (!rest.empty()) {
      auto bar = rest.find('|');
      std::string_view part = rest.substr(0, bar);
      if (!part.empty()) w->known.emplace_back(part);
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
  }
  world = w;
  std::atexit(remove_world);
}

bool known(std::string_view message) {
  for (const std::string& k : world->known)
    if (message.find(k) != std::string_view::npos) return true;
  return false;
}

void check_message(const ledger::Error& e) {
  std::string_view m = e.what();
  if (known(m)) return;
  if (!m.starts_with(kFileName + ":")) bug("message does not start with the file name", m);
  if (const char* why = unprintable(m)) bug(why, m);
}


// Imports one input with `import` (which takes the ledger), rolled back,
// and checks that only ledger::Error escaped and the log is unchanged.
template <typename Import>
void fuzz_one(Import import) {
  if (!world) set_up();
  try {
    ledger::WriteTransaction txn(*world->store);
    try {
      import(*world->ledger);
    } catch (const ledger::Error& e) {
      if (world->strict) check_message(e);
    }
    // ~WriteTransaction rolls back.
  } catch (const std::exception& e) {
    if (!known(e.what())) bug("an exception other than ledger::Error escaped", e.what());
  } catch (...) {
    bug("a non-std exception escaped", "");
  }
  auto head = world->store->log_head();
  if (head.has_value() != world->head.has_value() || (head && head->seq != world->head->seq) ||
      (head && head->hash != world->head->hash))
    bug("the rollback left the record log changed", "");
}

}  // namespace

// The embedded SQLite store, adledger's default backend.
//
// A ledger is one SQLite file marked with PRAGMA application_id (so that
// adledger never mistakes another database for a ledger) and user_version
// (the schema version, so that an older binary refuses a newer ledger rather
// than misreading it). The schema is schemas/ledger.sql, compiled in.
#pragma once

#include <memory>
#include <string>

#include "ledger/storage/store.hpp"

namespace ledger {

// OpenExisting: for commands that write; a ledger of an older schema
// version is migrated and the migration committed. ReadExisting: for
// commands that only read; an older ledger is migrated inside a transaction
// that is never committed, so the file stays exactly as it was.
enum class OpenMode { OpenExisting, ReadExisting, CreateNew };

inline constexpr std::int32_t kApplicationId = 0x41444C47;  // "ADLG"
inline constexpr std::int32_t kSchemaVersion = 13;

// Opens (or, with CreateNew, creates) the ledger at `path`. Throws a storage
// error naming the path when the directory is missing, the file is missing
// (OpenExisting) or already there (CreateNew), the file is not an adledger
// ledger, or it was written by a newer adledger. A ledger is kept in
// write-ahead-log mode: readers never wait for a writer; a writer waits for
// another writer up to the options' wait, then fails saying it is busy.
struct StoreOptions {
  // How long to wait for a ledger another process is writing before the
  // command fails with "the ledger is busy" (--wait).
  std::int64_t wait_ms = 30'000;
};

std::unique_ptr<Store> open_sqlite_store(const std::string& path, OpenMode mode,
                                         const StoreOptions& options = StoreOptions{});

}  // namespace ledger

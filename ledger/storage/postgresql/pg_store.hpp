// The PostgreSQL store: one ledger shared by many writers on many machines.
//
// A ledger is the schema `adledger` of a PostgreSQL database, created by
// schemas/postgresql/ledger.sql (compiled in). It keeps the same records and
// the same record log as an SQLite ledger of the same schema version.
//
// Writers take one lock on the ledger for their transaction (a transaction
// advisory lock, held until commit or rollback), as SQLite's writer takes
// the file's write lock: the record log is one total order, and each write
// checks its rules (a ban refusing spend) against every write committed
// before it, exactly as if the writes had run one after another. Readers
// never wait: a command that only reads sees one snapshot of the ledger
// (REPEATABLE READ, READ ONLY) for its whole run.
#pragma once

#include <memory>
#include <string>

#include "ledger/storage/sqlite/sqlite_store.hpp"  // OpenMode, StoreOptions, kSchemaVersion
#include "ledger/storage/store.hpp"

namespace ledger {

// Whether `location` names a PostgreSQL database (postgresql:// or
// postgres://, as libpq's connection URIs) rather than an SQLite file.
bool is_postgresql_url(std::string_view location);

// A URL as messages show it: a password, in the user part or as a
// parameter, is replaced by "***".
std::string display_url(std::string_view url);

// Opens (or, with CreateNew, creates) the ledger in the database at `url`.
// Throws a storage error naming the URL (without its password) when the
// server cannot be reached, the database holds no ledger (OpenExisting,
// ReadExisting) or already holds one (CreateNew), or the ledger was written
// by a newer adledger.
std::unique_ptr<Store> open_postgresql_store(const std::string& url, OpenMode mode,
                                             const StoreOptions& options = StoreOptions{});

}  // namespace ledger

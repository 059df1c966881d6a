// Opening a ledger wherever it is kept: an SQLite file (the default) or a
// PostgreSQL database, named by a postgresql:// or postgres:// URL.
#pragma once

#include <memory>
#include <string>

#include "ledger/storage/postgresql/pg_store.hpp"
#include "ledger/storage/sqlite/sqlite_store.hpp"

namespace ledger {

std::unique_ptr<Store> open_store(const std::string& location, OpenMode mode,
                                  const StoreOptions& options = StoreOptions{});

// The location as messages show it (a URL without its password).
std::string display_location(const std::string& location);

}  // namespace ledger

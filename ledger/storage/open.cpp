#include "ledger/storage/open.hpp"

namespace ledger {

std::unique_ptr<Store> open_store(const std::string& location, OpenMode mode, const StoreOptions& options) {
  if (is_postgresql_url(location)) return open_postgresql_store(location, mode, options);
  return open_sqlite_store(location, mode, options);
}

std::string display_location(const std::string& location) {
  return is_postgresql_url(location) ? display_url(location) : location;
}

}  // namespace ledger

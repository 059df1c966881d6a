// libpq, loaded when a PostgreSQL ledger is first opened
// (ledger/storage/postgresql/libpq.hpp).
#include "ledger/storage/postgresql/libpq.hpp"

#include <gtest/gtest.h>

#include "ledger/error.hpp"
#include "ledger/storage/open.hpp"
#include "test_support.hpp"

namespace {

using ledger::ErrorKind;

TEST(Libpq, AMissingLibraryIsNamedWithTheLoadersReason) {
  EXPECT_EQ(ERROR_MESSAGE(ledger::pq::open_library("libadledger-none.so.0")),
            "cannot load libadledger-none.so.0, PostgreSQL's client library: libadledger-none.so.0: cannot open "
            "shared object file: No such file or directory (Debian package libpq5)");
  EXPECT_ERROR(ErrorKind::Storage, "cannot load", ledger::pq::open_library("libadledger-none.so.0"));
}

TEST(Libpq, ALibraryWithoutItsFunctionsIsRefused) {
  // A library that is there, and is not libpq.
  EXPECT_EQ(ERROR_MESSAGE(ledger::pq::open_library("libsqlite3.so.0")),
            "cannot use libsqlite3.so.0 as PostgreSQL's client library: it has no PQclear (adledger needs the "
            "libpq of PostgreSQL 14 or later)");
}

TEST(Libpq, TheLibraryHasEveryFunction) {
  ledger::pq::Api api = ledger::pq::open_library(ledger::pq::kLibrary);
  EXPECT_NE(api.PQconnectdbParams, nullptr);
  EXPECT_NE(api.PQenterPipelineMode, nullptr);
  EXPECT_NE(api.PQstatus, nullptr);
  // And once loaded, a call goes to it: a URL libpq cannot parse is named
  // as one, by libpq's own words, without a server.
  std::string message = ERROR_MESSAGE(ledger::open_store("postgresql://h/db?nosuchoption=1",
                                                          ledger::OpenMode::OpenExisting));
  EXPECT_TRUE(message.starts_with("database \"postgresql://h/db?nosuchoption=1\": not a PostgreSQL connection URL: "))
      << message;
  EXPECT_NE(message.find("nosuchoption"), std::string::npos) << message;
}

}  // namespace

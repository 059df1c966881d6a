// libpq, loaded when a command first opens a PostgreSQL ledger.
//
// adledger does not link libpq: the library and the two dozen it needs
// (Kerberos, LDAP, GnuTLS, ...) took about 11 ms to map and relocate at
// every start, more than an SQLite command's own work. The PostgreSQL store
// calls libpq's functions through ledger::pq::, which forwards each call to
// the function of that name in libpq.so.5, loaded with dlopen by load().
#pragma once

#include <libpq-fe.h>

#include <utility>

namespace ledger::pq {

// Every libpq function adledger calls.
#define ADLEDGER_LIBPQ_FUNCTIONS(X)                                                                             \
  X(PQclear) X(PQconnectdbParams) X(PQconninfoFree) X(PQconninfoParse) X(PQenterPipelineMode) X(PQerrorMessage) \
  X(PQexec) X(PQexecPrepared) X(PQexitPipelineMode) X(PQfinish) X(PQfreemem) X(PQgetResult) X(PQgetisnull)      \
  X(PQgetlength) X(PQgetvalue) X(PQntuples) X(PQpipelineSync) X(PQputCopyData) X(PQputCopyEnd)                \
  X(PQresultErrorField) X(PQresultStatus) X(PQsendPrepare) X(PQsendQueryParams) X(PQsendQueryPrepared)        \
  X(PQsetNoticeProcessor) X(PQstatus)

struct Api {
#define ADLEDGER_LIBPQ_POINTER(name) decltype(&::name) name = nullptr;
  ADLEDGER_LIBPQ_FUNCTIONS(ADLEDGER_LIBPQ_POINTER)
#undef ADLEDGER_LIBPQ_POINTER
};

// The library libpq's functions come from: its soname, the same for every
// PostgreSQL version since 8.4.
inline constexpr const char* kLibrary = "libpq.so.5";

// Opens `library` and looks up every function above in it. Throws a
// storage error naming the library and what the loader said when it cannot
// be opened, or the function it lacks.
Api open_library(const char* library);

// Opens kLibrary the first time (later calls return at once) for the
// functions below. Throws as open_library does; a later call tries again.
// Safe to call from several threads.
void load();

namespace detail {
inline Api loaded;  // filled once by load()
}  // namespace detail

// The functions, once load() has returned.
inline const Api& api() noexcept { return detail::loaded; }

#define ADLEDGER_LIBPQ_FORWARD(name)                          \
  template <typename... Args>                                 \
  inline auto name(Args&&... args) {                          \
    return api().name(std::forward<Args>(args)...);           \
  }
ADLEDGER_LIBPQ_FUNCTIONS(ADLEDGER_LIBPQ_FORWARD)
#undef ADLEDGER_LIBPQ_FORWARD

}  // namespace ledger::pq

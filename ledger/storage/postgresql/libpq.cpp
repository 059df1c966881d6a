#include "ledger/storage/postgresql/libpq.hpp"

#include <dlfcn.h>

#include <mutex>

#include "ledger/error.hpp"

namespace ledger::pq {
namespace {

std::mutex loading;
bool is_loaded = false;  // under `loading`

}  // namespace

Api open_library(const char* library) {
  // RTLD_LOCAL: libpq's names stay its own. The handle stays open for the
  // rest of the process.
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw Error(ErrorKind::Storage, std::string("cannot load ") + library + ", PostgreSQL's client library: " +
                                        (why ? why : "no reason given") + " (Debian package libpq5)");
  }
  Api api;
  const char* missing = nullptr;
#define ADLEDGER_LIBPQ_LOOK_UP(name)                                       \
  if (!missing) {                                                          \
    api.name = reinterpret_cast<decltype(api.name)>(dlsym(handle, #name)); \
    if (!api.name) missing = #name;                                        \
  }
  ADLEDGER_LIBPQ_FUNCTIONS(ADLEDGER_LIBPQ_LOOK_UP)
#undef ADLEDGER_LIBPQ_LOOK_UP
  if (missing) {
    dlclose(handle);
    throw Error(ErrorKind::Storage, std::string("cannot use ") + library + " as PostgreSQL's client library: it has no " +
                                        missing + " (adledger needs the libpq of PostgreSQL 14 or later)");
  }
  return api;
}

void load() {
  std::lock_guard<std::mutex> lock(loading);
  if (is_loaded) return;
  detail::loaded = open_library(kLibrary);
  is_loaded = true;
}

}  // namespace ledger::pq

// libFuzzer target: import_document, the streamed JSON document reader
// (fuzz_world.hpp says what each input is checked for).
#define FUZZ_TARGET "fuzz_import"
#define FUZZ_FILE_NAME "fuzz.json"
#include "fuzz_world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz_one([&](ledger::Ledger& l) { ledger::import_document(l, text, kFileName); });
  return 0;
}

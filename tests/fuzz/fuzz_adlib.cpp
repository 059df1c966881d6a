// libFuzzer target: the line and row importers: JSON Lines, CSV, and the
// ad libraries' exports (Meta report CSV, Meta API ads or Graph API pages,
// Google weekly spend, creative stats, geo spend and advertiser geo spend
// CSV). The input's first byte chooses the format (its value modulo 8, in
// that order); the rest is the file (fuzz_world.hpp says what each input is
// checked for).
#define FUZZ_TARGET "fuzz_adlib"
#define FUZZ_FILE_NAME "fuzz.txt"
#include "fuzz_world.hpp"
#include "ledger/io/adlib_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int format = data[0] % 8;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  ledger::AdLibraryOptions options;
  options.source = kFileName;
  options.market = "FR";
  options.period = ledger::Period::parse("2019-05-05..2019-05-11");
  fuzz_one([&](ledger::Ledger& l) {
    switch (format) {
      case 0: ledger::import_lines(l, in, kFileName); break;
      case 1: ledger::import_csv(l, in, kFileName); break;
      case 2: ledger::import_meta_report(l, in, kFileName, options); break;
      case 3: ledger::import_meta_api(l, in, kFileName, options); break;
      case 4: ledger::import_google_weekly(l, in, kFileName, options); break;
      case 5: ledger::import_google_creative(l, in, kFileName, options); break;
      case 6: ledger::import_google_geo(l, in, kFileName, options); break;
      default: ledger::import_google_advertiser_geo(l, in, kFileName, options); break;
    }
  });
  return 0;
}

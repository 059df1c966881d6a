// The JSON Lines format (import_lines): one record a line, each recorded
// through the Importer in file order. A file is read ahead on a second
// thread (read_ahead.hpp); a pipe or a terminal is read a line at a time.
#include <exception>
#include <istream>
#include <string>
#include <utility>
#include <vector>

#include "ledger/io/import.hpp"
#include "ledger/io/import/importer.hpp"
#include "ledger/io/import/read_ahead.hpp"
#include "ledger/io/json_locations.hpp"

namespace ledger {

using import_detail::Importer;
using import_detail::ReadAhead;
using import_detail::ReadLine;
using import_detail::read_next;

ImportCounts import_lines(Ledger& ledger, std::istream& in, const std::string& file_name,
                          const ImportProgress& progress) {
  JsonLocations none = JsonLocations::single_line(1);
  Importer importer(ledger, none, file_name, progress);
  auto record = [&](ReadLine& line) {
    if (line.failure) std::rethrow_exception(line.failure);
    JsonLocations here = JsonLocations::single_line(line.number);
    if (line.spend) importer.line_spend(std::move(*line.spend), here);
    else importer.line_record(line.record, here, line.checked);
  };
  // A file is read ahead on a second thread. A pipe or a terminal is read
  // here, a line at a time: after an error the import must stop at once,
  // not wait for a writer that may never send the next line.
  if (in.rdbuf()->pubseekoff(0, std::ios::cur, std::ios::in) == std::streampos(-1)) {
    std::string text;
    std::size_t number = 0;
    ReadLine line;
    while (read_next(in, file_name, text, number, line)) record(line);
    return importer.counts();
  }
  ReadAhead lines(in, file_name);
  for (std::vector<ReadLine> batch = lines.next(); !batch.empty(); batch = lines.next())
    for (ReadLine& line : batch) record(line);
  return importer.counts();
}

}  // namespace ledger

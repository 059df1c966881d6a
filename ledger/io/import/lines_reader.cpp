// The JSON Lines format (import_lines): one record a line, each recorded
// through the Importer in file order. A file is read ahead on a second
// thread (read_ahead.hpp); a pipe or a terminal is read a line at a time.
#include <istream>
#include <string>
#include <vector>

#include "ledger/io/import.hpp"
#include "ledger/io/import/importer.hpp"
#include "ledger/io/import/read_ahead.hpp"
#include "ledger/io/json_locations.hpp"

namespace ledger {

using import_detail::Importer;
using import_detail::ReadAhead;
using import_detail::ReadLine;
using import_detail::worth_reading_ahead;
using import_detail::read_next;
using import_detail::record_read;

ImportCounts import_lines(Ledger& ledger, std::istream& in, const std::string& file_name,
                          const ImportProgress& progress) {
  JsonLocations none = JsonLocations::single_line(1);
  Importer importer(ledger, none, file_name, progress);
  std::string text;
  std::size_t number = 0;
  auto source = [&](ReadLine& line) { return read_next(in, file_name, text, number, line); };
  if (!worth_reading_ahead(in)) {
    ReadLine line;
    while (source(line)) record_read(importer, line);
    return importer.counts();
  }
  ReadAhead lines(source);
  for (std::vector<ReadLine> batch = lines.next(); !batch.empty(); batch = lines.next(std::move(batch)))
    for (ReadLine& line : batch) record_read(importer, line);
  return importer.counts();
}

}  // namespace ledger

// The CSV format (import_csv): a header row naming the fields, then one
// record a row, each turned into the JSON object a JSON Lines line would
// hold and recorded through the Importer. Rows are read by the tokenizer of
// ledger/io/csv_reader.hpp, which the ad-library importers share, ahead on
// a second thread as JSON Lines are (read_ahead.hpp).
#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ledger/error.hpp"
#include "ledger/io/csv_reader.hpp"
#include "ledger/io/import.hpp"
#include "ledger/io/import/importer.hpp"
#include "ledger/io/import/read_ahead.hpp"
#include "ledger/io/json_locations.hpp"

namespace ledger {

using import_detail::Importer;
using import_detail::worth_reading_ahead;
using import_detail::prepare;
using import_detail::ReadAhead;
using import_detail::ReadLine;
using import_detail::record_read;

namespace {

// A CSV cell as the JSON value of its column: lists split on ";", counts
// and flags converted when they read as such (else left for the record's
// own checks to refuse with their reason), empty cells absent.
nlohmann::json csv_value(const std::string& column, const std::string& cell) {
  if (column == "tags" || column == "advertisers") {
    nlohmann::json list = nlohmann::json::array();
    std::size_t from = 0;
    while (from <= cell.size()) {
      std::size_t to = cell.find(';', from);
      if (to == std::string::npos) to = cell.size();
      std::string item = cell.substr(from, to - from);
      if (!item.empty()) list.push_back(item);
      from = to + 1;
    }
    return list;
  }
  if ((column == "items" || column == "accounts") && !cell.empty() &&
      cell.find_first_not_of("0123456789") == std::string::npos && cell.size() <= 18)
    return std::stoll(cell);
  if (column == "state_affiliated" && (cell == "true" || cell == "false")) return cell == "true";
  return cell;
}

}  // namespace

ImportCounts import_csv(Ledger& ledger, std::istream& in, const std::string& file_name,
                        const ImportProgress& progress) {
  JsonLocations none = JsonLocations::single_line(1);
  Importer importer(ledger, none, file_name, progress);
  std::vector<std::string> header, row;
  std::size_t line = 0;
  skip_byte_order_mark(in);
  if (!read_csv_row(in, header, line, file_name))
    throw Error(ErrorKind::Input, file_name + ":1: empty: a CSV file starts with a header row naming its columns");
  if (!header.empty() && header[0].starts_with("\xEF\xBB\xBF")) header[0].erase(0, 3);  // a UTF-8 BOM
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i].empty())
      throw Error(ErrorKind::Input, file_name + ":1: column " + std::to_string(i + 1) + ": has no name");
    for (std::size_t j = 0; j < i; ++j)
      if (header[j] == header[i])
        throw Error(ErrorKind::Input, file_name + ":1: column " + quote(header[i]) + ": appears twice");
  }
  const bool typed = std::find(header.begin(), header.end(), "type") != header.end();
  // Reads the next row that is not blank into `out`, as the JSON Lines
  // line that would hold its record; false at the end of the file.
  auto source = [&](ReadLine& out) {
    out = ReadLine{};
    try {
      do {
        std::size_t before = line;
        if (!read_csv_row(in, row, line, file_name)) return false;
        out.number = before + 1;
      } while (row.size() == 1 && row[0].empty());  // a blank line
      if (row.size() != header.size())
        throw Error(ErrorKind::Input, file_name + ":" + std::to_string(out.number) + ": " +
                                          std::to_string(row.size()) + " columns where the header has " +
                                          std::to_string(header.size()));
      for (const std::string& cell : row) out.bytes += cell.size() + 1;
      out.record = nlohmann::json::object();
      if (!typed) out.record["type"] = "spend";  // without a type column, every row is a spend entry
      for (std::size_t i = 0; i < header.size(); ++i)
        if (!row[i].empty()) out.record[header[i]] = csv_value(header[i], row[i]);
      prepare(out, file_name);
    } catch (...) {
      out.failure = std::current_exception();
    }
    return true;
  };
  if (!worth_reading_ahead(in)) {
    ReadLine next;
    while (source(next)) record_read(importer, next);
    return importer.counts();
  }
  ReadAhead rows(source);
  for (std::vector<ReadLine> batch = rows.next(); !batch.empty(); batch = rows.next(std::move(batch)))
    for (ReadLine& next : batch) record_read(importer, next);
  return importer.counts();
}

}  // namespace ledger

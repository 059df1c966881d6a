// Text files read a row or a line at a time from a stream, memory bounded:
// CSV as RFC 4180 gives it, and lines (JSON Lines), for the imports and
// the ad-library importers (io/adlib_import.hpp).
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace ledger {

// Reads one record (a row) from `in`: fields separated by commas, a field
// quoted with " when it holds a comma, a quote (doubled) or a line break,
// rows ending in LF or CRLF. Counts the lines it reads, so that an error can
// name the line a row starts on. Returns false at the end. A row may hold
// at most kCsvColumnsMax columns and kLineBytesMax bytes (io/import.hpp);
// past either, or on a quote left open, it throws an input error naming
// `file` and the line.
bool read_csv_row(std::istream& in, std::vector<std::string>& fields, std::size_t& line, const std::string& file);

// Reads one line into `line` (without its LF or CRLF), counting it in
// `number`; false at the end. A line may hold at most kLineBytesMax bytes:
// past that, or when the stream fails, it throws an input error naming
// `file` and the line. Memory stays bounded whatever the file's size.
bool read_line(std::istream& in, std::string& line, std::size_t& number, const std::string& file);

// Skips a UTF-8 byte-order mark (Excel's "CSV UTF-8", Meta's reports) at
// the start of `in`, before the header is read, so that a quoted first
// column name is still quoted.
void skip_byte_order_mark(std::istream& in);

}  // namespace ledger

#include "ledger/io/csv_reader.hpp"

#include "ledger/error.hpp"
#include "ledger/io/import.hpp"

namespace ledger {

// Reads one RFC 4180 record (a row) from `in`: fields separated by commas,
// a field quoted with " when it holds a comma, a quote (doubled) or a line
// break, rows ending in LF or CRLF. Counts the lines it reads, so that an
// error can name the line a row starts on. Returns false at the end.
bool read_csv_row(std::istream& in, std::vector<std::string>& fields, std::size_t& line, const std::string& file) {
  fields.clear();
  int c = in.peek();
  if (c == EOF) return false;
  std::string field;
  bool quoted = false, was_quoted = false;
  std::size_t row_bytes = 0;
  const std::size_t start = line + 1;
  auto fail = [&](const std::string& why) {
    throw Error(ErrorKind::Input, file + ":" + std::to_string(start) + ": " + why);
  };
  ++line;
  while (true) {
    c = in.get();
    if (++row_bytes > kLineBytesMax)
      fail("a row longer than " + std::to_string(kLineBytesMax / (1024 * 1024)) + " MiB");
    if (quoted) {
      if (c == EOF) fail("a quoted field is not closed");
      if (c == '"') {
        if (in.peek() == '"') {
          in.get();
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
      continue;
    }
    if (c == ',' || c == '\n' || c == EOF || (c == '\r' && (in.peek() == '\n' || in.peek() == EOF))) {
      if (c == '\r') c = in.get();
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      if (fields.size() > kCsvColumnsMax)
        fail("more than " + std::to_string(kCsvColumnsMax) + " columns in a row");
      if (c != ',') return true;
      continue;
    }
    if (was_quoted) fail("text after a closing quote in column " + std::to_string(fields.size() + 1));
    field.push_back(static_cast<char>(c));
  }
}

bool read_line(std::istream& in, std::string& line, std::size_t& number, const std::string& file) {
  line.clear();
  // A chunk at a time: istream::getline finds the end of the line in the
  // stream's buffer, where a character at a time would pay the stream's
  // checks for each one (an import reads hundreds of megabytes).
  char chunk[64 * 1024];
  bool any = false;
  for (;;) {
    in.getline(chunk, sizeof chunk);
    const auto got = static_cast<std::size_t>(in.gcount());
    any = any || got > 0;
    const bool ended = !in.fail() && !in.eof();  // the newline was read (and counted in got)
    const std::size_t n = ended ? got - 1 : got;
    if (n > kLineBytesMax - line.size())
      throw Error(ErrorKind::Input, file + ":" + std::to_string(number + 1) + ": longer than the " +
                                        std::to_string(kLineBytesMax / (1024 * 1024)) + " MiB a line may be");
    line.append(chunk, n);
    if (ended || in.eof() || in.bad()) break;
    in.clear();  // the chunk was full: the line goes on
  }
  if (!any) return false;
  ++number;
  if (in.bad()) throw Error(ErrorKind::Input, file + ":" + std::to_string(number) + ": cannot be read");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

void skip_byte_order_mark(std::istream& in) {
  // Byte by byte, giving back what is not a mark: a pipe cannot seek.
  if (in.peek() != 0xEF) return;
  in.get();
  if (in.peek() != 0xBB) {
    in.unget();
    return;
  }
  in.get();
  if (in.peek() != 0xBF) {
    in.unget();
    in.unget();
    return;
  }
  in.get();
}

}  // namespace ledger

// A JSON text read a piece at a time, for imports too large to hold.
//
// The import document is one JSON object whose sections are arrays of
// records; a file of a million records must not be held in memory. This
// reads the stream byte by byte, counting lines, and cuts out the raw text
// of one value at a time (one record) for the strict parser (check_json)
// and nlohmann to read. It checks only what cutting needs: strings end,
// brackets balance; everything inside a value is left to the parser that
// reads the cut text, so every syntax error still gets its line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>

namespace ledger {

// What is wrong with the text at a line: "malformed JSON: <reason>".
struct JsonStreamError {
  std::size_t line;
  std::string reason;
};

class JsonStream {
 public:
  // `in` must be seekable (a file): the import reads its sections in their
  // canonical order, whatever their order in the file.
  explicit JsonStream(std::istream& in);

  int peek() { return buf_->sgetc(); }
  int get();
  std::size_t line() const { return line_; }
  std::uint64_t offset() const { return offset_; }
  // Back to a place this stream has passed, at its line.
  void seek(std::uint64_t offset, std::size_t line);

  // Skips a UTF-8 byte-order mark at the very start, as JSON parsers do.
  void skip_byte_order_mark();
  // Skips JSON whitespace (space, tab, CR, LF).
  void skip_space();
  // Consumes `c` after whitespace, or throws `expected` as the reason.
  void expect(char c, const char* expected);
  // Checks that only whitespace is left.
  void expect_end(const char* where);

  // Cuts out the next value's text into `out` (cleared first): a string, an
  // object or array (to its matching bracket) or a bare word or number (to
  // the next delimiter). Throws JsonStreamError at the end of input inside
  // the value, or when it would pass `max_bytes`.
  void capture(std::string& out, std::size_t max_bytes);
  // The same, keeping nothing: for a value read later, from its offset.
  void skip_value();

  [[noreturn]] void fail(std::string reason) const;

 private:
  template <typename Keep>
  void value(Keep keep);

  std::streambuf* buf_;
  std::uint64_t offset_ = 0;
  std::size_t line_ = 1;
};

}  // namespace ledger

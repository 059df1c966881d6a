#include "ledger/io/json_stream.hpp"

#include <cstdio>
#include <stdexcept>

#include "ledger/error.hpp"

namespace ledger {

namespace {

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A byte as an error message shows it.
std::string shown_byte(int c) {
  if (c == EOF) return "end of input";
  if (c == 0) return "a NUL byte";
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  char hex[16];
  std::snprintf(hex, sizeof hex, "byte 0x%02X", static_cast<unsigned>(c));
  return hex;
}

}  // namespace

JsonStream::JsonStream(std::istream& in) : buf_(in.rdbuf()) {
  if (!buf_) throw std::logic_error("JsonStream: the stream has no buffer");
}

int JsonStream::get() {
  int c = buf_->sbumpc();
  if (c == EOF) return c;
  ++offset_;
  if (c == '\n') ++line_;
  return c;
}

void JsonStream::seek(std::uint64_t offset, std::size_t line) {
  auto at = buf_->pubseekpos(static_cast<std::streamoff>(offset), std::ios::in);
  if (at != std::streampos(static_cast<std::streamoff>(offset))) fail("the file cannot be read again from a place read before");
  offset_ = offset;
  line_ = line;
}

void JsonStream::skip_byte_order_mark() {
  if (offset_ != 0 || peek() != 0xEF) return;
  get();
  if (get() != 0xBB || get() != 0xBF) fail("a byte-order mark that is not UTF-8's");
}

void JsonStream::skip_space() {
  while (is_space(peek())) get();
}

void JsonStream::expect(char c, const char* expected) {
  skip_space();
  int next = peek();
  if (next != static_cast<unsigned char>(c)) fail(std::string(expected) + ", not " + shown_byte(next));
  get();
}

void JsonStream::expect_end(const char* where) {
  skip_space();
  if (int c = peek(); c != EOF) fail("unexpected " + shown_byte(c) + " " + where + "; expected end of input");
}

void JsonStream::fail(std::string reason) const { throw JsonStreamError{line_, std::move(reason)}; }

template <typename Keep>
void JsonStream::value(Keep keep) {
  skip_space();
  int c = peek();
  if (c == EOF) fail("unexpected end of input; expected a value");
  if (c == '"' || c == '{' || c == '[') {
    std::size_t depth = 0;
    bool in_string = false;
    do {
      c = get();
      if (c == EOF) fail(in_string ? "unexpected end of input in a string" : "unexpected end of input");
      keep(c);
      if (in_string) {
        if (c == '\\') {
          int escaped = get();
          if (escaped == EOF) fail("unexpected end of input in a string");
          keep(escaped);
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        --depth;  // a mismatched bracket is the parser's to report
      }
    } while (in_string || depth > 0);
    return;
  }
  // A number or a bare word (true, false, null, or a mistake): to the next
  // delimiter, for the parser to judge.
  if (c == ',' || c == ':' || c == ']' || c == '}') fail("unexpected " + shown_byte(c) + "; expected a value");
  while (c != EOF && !is_space(c) && c != ',' && c != ':' && c != ']' && c != '}' && c != '[' && c != '{' &&
         c != '"') {
    keep(get());
    c = peek();
  }
}

void JsonStream::capture(std::string& out, std::size_t max_bytes) {
  out.clear();
  value([&](int c) {
    if (out.size() == max_bytes)
      fail("a value longer than " + std::to_string(max_bytes / (1024 * 1024)) + " MiB");
    out.push_back(static_cast<char>(c));
  });
}

void JsonStream::skip_value() {
  value([](int) {});
}

}  // namespace ledger

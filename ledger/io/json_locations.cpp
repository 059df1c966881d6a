#include "ledger/io/json_locations.hpp"

#include "ledger/error.hpp"

#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace ledger {

namespace {

// An input iterator over the text that keeps the line of the last
// non-blank character it has passed. nlohmann's lexer emits a SAX event as
// soon as a token ends, having read at most one character past it (after a
// number); that character is blank or adjacent punctuation, so at each event
// the line of the last non-blank character read is the token's line.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, std::size_t* line, std::size_t* token_line)
      : p_(p), line_(line), token_line_(token_line) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    if (*p_ == '\n') ++*line_;
    else if (*p_ != ' ' && *p_ != '\t' && *p_ != '\r') *token_line_ = *line_;
    ++p_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(const CountingIterator& a, const CountingIterator& b) { return a.p_ == b.p_; }

 private:
  const char* p_;
  std::size_t* line_;
  std::size_t* token_line_;
};

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace

class LocationRecorder : public nlohmann::json_sax<nlohmann::json> {
 public:
  LocationRecorder(const JsonLocations& out, const std::size_t& line, const std::string& prefix, std::size_t first_line)
      : out_(out), line_(line), prefix_(prefix), first_line_(first_line) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(/*array=*/false); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(/*array=*/true); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    frames_.back().key = k;
    out_.lines_[prefix_ + child_pointer()] = line();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  struct Frame {
    std::string pointer;
    bool array = false;
    std::size_t index = 0;
    std::string key;
  };

  std::size_t line() const { return line_ + first_line_ - 1; }
  std::string child_pointer() const {
    if (frames_.empty()) return "";
    const Frame& f = frames_.back();
    return f.pointer + "/" + (f.array ? std::to_string(f.index) : escape_pointer_token(f.key));
  }
  void advance() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  bool value() {
    out_.lines_.try_emplace(prefix_ + child_pointer(), line());  // keep the key's line for an object member
    advance();
    return true;
  }
  bool open(bool array) {
    std::string p = child_pointer();
    out_.lines_.try_emplace(prefix_ + p, line());
    frames_.push_back(Frame{p, array, 0, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    advance();
    return true;
  }

  const JsonLocations& out_;  // its lines_ are mutable: filled on demand
  const std::size_t& line_;
  const std::string& prefix_;
  std::size_t first_line_;
  std::vector<Frame> frames_;
};

namespace {

// nlohmann's syntax error as a message shows it: the reason alone, without
// its position (the caller gives the line) or the text last read.
std::string parse_error_reason(const nlohmann::detail::exception& e) {
  if (e.id == 406) return "a number too large to read";
  std::string what = e.what();
  auto colon = what.find(": ", what.find("column"));
  std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
  if (auto last = reason.find("; last read"); last != std::string::npos) reason.resize(last);
  return reason;
}

// Checks what nlohmann's DOM parser lets pass or reports without a line:
// an object key given twice (it would keep the last one silently), nesting
// deeper than the limit (memory and stack), a number beyond a double (it
// throws out_of_range), and syntax errors, each with the line.
class StrictChecker : public nlohmann::json_sax<nlohmann::json> {
 public:
  StrictChecker(const std::size_t& line, int depth_max) : line_(line), depth_max_(depth_max) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    keys_.emplace_back();
    return deeper();
  }
  bool end_object() override {
    keys_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    keys_.emplace_back();  // a placeholder, so that keys_ follows the depth
    return deeper();
  }
  bool end_array() override {
    keys_.pop_back();
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second) return fail("key " + quote(k) + " appears twice in one object");
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    return fail(parse_error_reason(e));
  }

  std::optional<JsonProblem> problem;

 private:
  bool deeper() {
    if (++depth_ > depth_max_) return fail("nested deeper than " + std::to_string(depth_max_) + " levels");
    return true;
  }
  bool fail(std::string reason) {
    if (!problem) problem = JsonProblem{line_, std::move(reason)};
    return false;
  }

  const std::size_t& line_;
  int depth_max_;
  int depth_ = 0;
  std::vector<std::set<std::string>> keys_;
};

// StrictChecker's checks while building the value, as nlohmann's own DOM
// parser builds it, so that a record is read once: a key given twice is
// found by inserting it into the object being built. Called by sax_parse
// directly, not through json_sax's virtual functions.
class StrictBuilder {
 public:
  using json = nlohmann::json;

  StrictBuilder(json& root, const std::size_t& line, int depth_max) : root_(root), line_(line), depth_max_(depth_max) {}

  bool null() { return value(nullptr); }
  bool boolean(bool v) { return value(v); }
  bool number_integer(json::number_integer_t v) { return value(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return value(v); }
  bool string(json::string_t& v) { return value(std::move(v)); }
  bool binary(json::binary_t& v) { return value(json::binary(std::move(v))); }
  bool start_object(std::size_t) {
    if (++depth_ > depth_max_) return fail("nested deeper than " + std::to_string(depth_max_) + " levels");
    stack_.push_back(place(json::object()));
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (++depth_ > depth_max_) return fail("nested deeper than " + std::to_string(depth_max_) + " levels");
    stack_.push_back(place(json::array()));
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    --depth_;
    return true;
  }
  bool key(json::string_t& k) {
    auto& members = stack_.back()->get_ref<json::object_t&>();
    auto [member, added] = members.try_emplace(std::move(k));
    if (!added) return fail("key " + quote(k) + " appears twice in one object");  // k was not moved from
    member_ = &member->second;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    return fail(parse_error_reason(e));
  }

  std::optional<JsonProblem> problem;

 private:
  // Puts a value where the parser stands: the root, the next item of an
  // array, or the member whose key was just read.
  json* place(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    if (stack_.back()->is_array()) {
      auto& items = stack_.back()->get_ref<json::array_t&>();
      items.push_back(std::move(v));
      return &items.back();
    }
    *member_ = std::move(v);
    return member_;
  }
  template <typename T>
  bool value(T&& v) {
    place(json(std::forward<T>(v)));
    return true;
  }
  bool fail(std::string reason) {
    if (!problem) problem = JsonProblem{line_, std::move(reason)};
    return false;
  }

  json& root_;
  const std::size_t& line_;
  int depth_max_;
  int depth_ = 0;
  std::vector<json*> stack_;
  json* member_ = nullptr;
};

// The line of a NUL byte in `text`, which nlohmann would take for the end.
std::optional<JsonProblem> find_nul(std::string_view text) {
  auto nul = text.find('\0');
  if (nul == std::string_view::npos) return std::nullopt;
  std::size_t line = 1;
  for (std::size_t i = 0; i < nul; ++i) line += text[i] == '\n';
  return JsonProblem{line, "a NUL byte"};
}

}  // namespace

std::optional<JsonProblem> parse_json(std::string_view text, int depth_max, nlohmann::json& out) {
  if (auto nul = find_nul(text)) return nul;
  std::size_t line = 1;
  std::size_t token_line = 1;
  StrictBuilder builder(out, token_line, depth_max);
  // Text of one line (a JSON Lines record) is all on line 1: it is read
  // through plain pointers, without counting, as an import reads a million.
  if (text.find('\n') == std::string_view::npos) {
    nlohmann::json::sax_parse(text.data(), text.data() + text.size(), &builder);
    return builder.problem;
  }
  CountingIterator first(text.data(), &line, &token_line);
  CountingIterator last(text.data() + text.size(), &line, &token_line);
  nlohmann::json::sax_parse(first, last, &builder);
  return builder.problem;
}

std::optional<JsonProblem> check_json(std::string_view text, int depth_max) {
  // nlohmann stops at a NUL byte as if the text ended there.
  if (auto nul = find_nul(text)) return nul;
  std::size_t line = 1;
  std::size_t token_line = 1;
  StrictChecker checker(token_line, depth_max);
  CountingIterator first(text.data(), &line, &token_line);
  CountingIterator last(text.data() + text.size(), &line, &token_line);
  nlohmann::json::sax_parse(first, last, &checker);
  return checker.problem;
}

JsonLocations JsonLocations::scan(std::string_view text, const std::string& prefix, std::size_t first_line) {
  JsonLocations out;
  out.scan_into(text, prefix, first_line);
  return out;
}

JsonLocations JsonLocations::scan_when_needed(std::string_view text, std::string prefix, std::size_t first_line) {
  JsonLocations out;
  out.unscanned_ = text;
  out.prefix_ = std::move(prefix);
  out.first_line_ = first_line;
  return out;
}

void JsonLocations::scan_into(std::string_view text, const std::string& prefix, std::size_t first_line) const {
  std::size_t line = 1;
  std::size_t token_line = 1;
  LocationRecorder recorder(*this, token_line, prefix, first_line);
  CountingIterator first(text.data(), &line, &token_line);
  CountingIterator last(text.data() + text.size(), &line, &token_line);
  nlohmann::json::sax_parse(first, last, &recorder);
}

JsonLocations JsonLocations::single_line(std::size_t line) {
  JsonLocations out;
  out.lines_[""] = line;
  return out;
}

std::size_t JsonLocations::line_of(const std::string& pointer) const {
  if (unscanned_) {
    std::string_view text = *unscanned_;
    unscanned_.reset();
    scan_into(text, prefix_, first_line_);
  }
  std::string p = pointer;
  while (true) {
    if (auto it = lines_.find(p); it != lines_.end()) return it->second;
    auto slash = p.rfind('/');
    if (slash == std::string::npos) return 1;
    p.resize(slash);
  }
}

}  // namespace ledger

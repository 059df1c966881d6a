// Where each value of a JSON document stands, by line.
//
// nlohmann/json parses to values that no longer know their position, but an
// import error must name the line of the record or field at fault. This
// runs nlohmann's SAX parser over the same text with an iterator that counts
// newlines, and records the line of every value and key by its JSON Pointer
// (`/spend/3/amount`).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ledger {

// What is wrong with a JSON text, and on which line: syntax, a number
// beyond a double, an object key given twice, nesting deeper than
// `depth_max`, a NUL byte. None when the text is sound.
struct JsonProblem {
  std::size_t line;
  std::string reason;
};
std::optional<JsonProblem> check_json(std::string_view text, int depth_max);

// Parses `text` into `out` as strictly as check_json checks it, in the same
// single pass: the first problem is the one check_json finds, and `out` is
// the value nlohmann::json::parse would give a sound text. `out` is
// unspecified when there is a problem.
std::optional<JsonProblem> parse_json(std::string_view text, int depth_max, nlohmann::json& out);

class JsonLocations {
 public:
  // The text must already have parsed as JSON (the caller reports syntax
  // errors with nlohmann's own position). A text cut from a larger document
  // (one record of a streamed import) gives its place in it: the pointer of
  // its value and the line it starts on.
  static JsonLocations scan(std::string_view text, const std::string& prefix = "", std::size_t first_line = 1);
  // The same, scanned only when a line is first asked for: the lines are
  // needed only for an error, and most records have none. `text` must stay
  // as it is while this is used.
  static JsonLocations scan_when_needed(std::string_view text, std::string prefix, std::size_t first_line);
  // Everything on one line: for a JSON Lines record.
  static JsonLocations single_line(std::size_t line);

  // The line (1-based) of the value or key at `pointer`, or of its nearest
  // recorded ancestor; 1 if nothing is known.
  std::size_t line_of(const std::string& pointer) const;

 private:
  void scan_into(std::string_view text, const std::string& prefix, std::size_t first_line) const;

  mutable std::unordered_map<std::string, std::size_t> lines_;
  // What scan_when_needed left to scan, until line_of first needs it.
  mutable std::optional<std::string_view> unscanned_;
  std::string prefix_;
  std::size_t first_line_ = 1;
  friend class LocationRecorder;
};

}  // namespace ledger

// adledger's one exception type.
//
// Operating errors (a bad amount, an unknown advertiser, a ban that refuses a
// spend, a file that is not a ledger) are thrown as ledger::Error and caught
// once, in the command's main, which prints the message on one line and exits
// with the status of the error's kind. Broken invariants are not errors of
// this kind: they are asserts, because no user input may trigger them.
//
// Messages name the field, the value and the reason, start lowercase and end
// without a period: `amount "274100.001": USD has 2 decimal places`.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ledger {

enum class ErrorKind {
  Input,    // a value that cannot be parsed or is out of range
  Rule,     // a well-formed request the ledger refuses (unknown id, ban, ...)
  Storage,  // the database cannot be opened, is not a ledger, or failed
};

// What more a caller may need to know of an error than its kind, to answer
// it fittingly (the server's HTTP status): a rule error that names a record
// the ledger does not hold, or one given again with other content; a
// storage error that is the ledger being busy, which waiting cures.
enum class Reason {
  None,
  NotFound,  // no such advertiser, platform, entry, ...
  Conflict,  // already recorded with different content, already reversed
  Busy,      // another writer holds the ledger; retry
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, Reason reason = Reason::None)
      : std::runtime_error(message), kind_(kind), reason_(reason) {}
  ErrorKind kind() const noexcept { return kind_; }
  Reason reason() const noexcept { return reason_; }

 private:
  ErrorKind kind_;
  Reason reason_;
};

// Quotes a user-supplied value for an error message, escaping what would
// break the one-line rule (newlines, control characters, quotes) and cutting
// very long values so that a 10 MB field cannot flood the terminal.
std::string quote(std::string_view value);

// The length of the valid UTF-8 sequence that starts at s[i], or 0 when
// none does (a stray continuation byte, an overlong form, a surrogate, a
// code point past U+10FFFF, or a sequence cut short).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Bidirectional formatting controls (U+202A..U+202E, U+2066..U+2069) make a
// terminal or a browser display text in another order than it is stored:
// a name could read as another name. The length of one at s[i] (3), or 0.
std::size_t bidi_control_length(std::string_view s, std::size_t i);
// `text` with every such control shown as a visible mark, `[U+202E]`, for
// output that people read (reports in every format but JSON).
std::string neutralise_bidi(std::string text);

// `field "value": reason`, the shape of every input error.
[[noreturn]] void throw_input(std::string_view field, std::string_view value,
                              std::string_view reason);

}  // namespace ledger

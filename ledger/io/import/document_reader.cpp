// The JSON document format (import_document): the sections of a whole
// ledger in one object, read as a stream in two passes. The first pass
// finds the sections, the second records them in their canonical order
// through the Importer, one record at a time, read ahead on a second
// thread (read_ahead.hpp).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/error.hpp"
#include "ledger/io/import.hpp"
#include "ledger/io/import/importer.hpp"
#include "ledger/io/import/read_ahead.hpp"
#include "ledger/io/import/record_reader.hpp"
#include "ledger/io/import/shared.hpp"
#include "ledger/io/json_locations.hpp"
#include "ledger/io/json_stream.hpp"

namespace ledger {

using import_detail::field_name;
using import_detail::Importer;
using import_detail::json;
using import_detail::kDepthMax;
using import_detail::label_of;
using import_detail::parse_strict;
using import_detail::ParseFailure;
using import_detail::ReadAhead;
using import_detail::ReadLine;
using import_detail::RecordReader;

namespace {

constexpr std::string_view kFormat = "adledger/1";

// The sections of a document, in the order they are recorded.
constexpr std::array<std::string_view, 14> kSections = {
    "platforms",     "advertisers",   "handles",     "policy_actions",           "policy_withdrawals",
    "spend",         "spend_reversals", "pledges",   "disbursements",            "disclosures",
    "disbursement_withdrawals", "pledge_withdrawals", "disclosure_withdrawals", "rates"};
constexpr std::size_t kFieldBytesMax = 1024 * 1024;  // a top-level key, or the format

// Where a section's array starts in the file, found by the first pass.
struct SectionPlace {
  bool present = false;
  std::uint64_t offset = 0;
  std::size_t line = 0;
};

// Reads a document from a seekable stream in two passes, never holding more
// than the few batches of records the read-ahead stage queues. The first
// pass reads the top-level object: its keys, the format, and where each
// section starts, skipping the records. The second reads each section from
// its place, in the canonical order, one record at a time: so a ban in the
// file refuses the spend in the file it covers whatever the order of the
// sections in the file, as when the document was read whole.
class DocumentReader {
 public:
  DocumentReader(Ledger& ledger, std::istream& in, const std::string& file, const ImportProgress& progress)
      : stream_(in), file_(file), importer_(ledger, no_locations_, file, progress) {}

  ImportCounts run() {
    try {
      survey();
    } catch (const JsonStreamError& e) {
      throw Error(ErrorKind::Input, at(e.line) + "malformed JSON: " + e.reason);
    }
    // The records are cut out, parsed, checked and (spend) read ahead on a
    // second thread, in order; each is recorded, or its error thrown, in
    // its turn.
    ReadAhead records([this](ReadLine& out) { return next_record(out); });
    for (std::vector<ReadLine> batch = records.next(); !batch.empty(); batch = records.next(std::move(batch)))
      for (ReadLine& record : batch) record_one(record);
    return importer_.counts();
  }

 private:
  std::string at(std::size_t line) const { return file_ + ":" + std::to_string(line) + ": "; }

  // Cuts out the next value and parses it strictly; syntax errors are
  // located in the file.
  json next_value(std::size_t max_bytes, int depth_max, std::size_t& line) {
    stream_.skip_space();
    line = stream_.line();
    stream_.capture(text_, max_bytes);
    try {
      return parse_strict(text_, depth_max);
    } catch (const ParseFailure& f) {
      throw Error(ErrorKind::Input, at(line + f.line - 1) + "malformed JSON: " + f.reason);
    }
  }

  void survey() {
    stream_.skip_byte_order_mark();
    stream_.skip_space();
    if (stream_.peek() != '{') {
      std::size_t line = 0;
      next_value(kLineBytesMax, kDepthMax, line);  // a syntax error first, if there is one
      throw Error(ErrorKind::Input, at(line) + "document: must be an object");
    }
    stream_.get();
    bool format = false;
    std::optional<std::string> unknown;
    std::set<std::string> keys;
    stream_.skip_space();
    if (stream_.peek() == '}') {
      stream_.get();
    } else {
      while (true) {
        stream_.skip_space();
        if (stream_.peek() != '"') stream_.expect('"', "expected a key in quotes");
        std::size_t line = 0;
        std::string key = next_value(kFieldBytesMax, 1, line).get<std::string>();
        if (!keys.insert(key).second)
          throw Error(ErrorKind::Input, at(line) + "malformed JSON: key " + quote(key) + " appears twice in one object");
        stream_.expect(':', "expected ':' after a key");
        stream_.skip_space();
        auto section = std::find(kSections.begin(), kSections.end(), key);
        if (key == "format") {
          check_format(line);
          format = true;
        } else if (section != kSections.end()) {
          SectionPlace& place = places_[static_cast<std::size_t>(section - kSections.begin())];
          place = SectionPlace{true, stream_.offset(), stream_.line()};
          if (stream_.peek() == '[') {
            stream_.skip_value();
          } else {
            std::size_t value_line = 0;
            json value = next_value(kLineBytesMax, kDepthMax, value_line);
            if (!value.is_null()) throw Error(ErrorKind::Input, at(line) + "document." + key + ": must be an array");
            place.present = false;  // null: no records, as when absent
          }
        } else {
          // Reported once the object is read: a JSON Lines file read as a
          // document is better told that a second value follows the first.
          if (!unknown) unknown = at(line) + "document." + field_name(key) + ": unknown field";
          stream_.skip_value();
        }
        stream_.skip_space();
        int c = stream_.peek();
        if (c == '}') {
          stream_.get();
          break;
        }
        stream_.expect(',', "expected ',' or '}' after a value");
      }
    }
    stream_.skip_space();
    stream_.expect_end("after the document");
    if (unknown) throw Error(ErrorKind::Input, *unknown);
    if (!format) throw Error(ErrorKind::Input, at(1) + "document.format: is required");
  }

  void check_format(std::size_t key_line) {
    std::size_t line = 0;
    json value = next_value(kFieldBytesMax, kDepthMax, line);
    if (!value.is_string())
      throw Error(ErrorKind::Input, at(key_line) + "document.format: must be a string, not " + value.type_name());
    if (value.get<std::string>() != kFormat)
      throw Error(ErrorKind::Input, at(key_line) + "format " + quote(value.get<std::string>()) +
                                        ": expected \"adledger/1\"");
  }

  // The next record of the sections, in their canonical order, cut out,
  // parsed and checked into `out`, or the error doing so gave; false after
  // the last. Runs on the read-ahead thread: it alone reads the stream.
  bool next_record(ReadLine& out) {
    out = ReadLine{};
    try {
      try {
        while (true) {
          if (!in_section_) {
            while (section_ < kSections.size() && !places_[section_].present) ++section_;
            if (section_ == kSections.size()) return false;
            stream_.seek(places_[section_].offset, places_[section_].line);
            stream_.expect('[', "expected '['");
            stream_.skip_space();
            if (stream_.peek() == ']') {
              ++section_;
              continue;
            }
            in_section_ = true;
            index_ = 0;
          } else {
            stream_.skip_space();
            if (stream_.peek() == ']') {
              in_section_ = false;
              ++section_;
              continue;
            }
            stream_.expect(',', "expected ',' or ']' after a record");
          }
          break;
        }
        const std::string name(kSections[section_]);
        out.section = kSections[section_];
        // A record sits two levels down in the document: the same limit.
        out.record = next_value(kLineBytesMax, kDepthMax - 2, out.number);
        out.pointer = "/" + name + "/" + std::to_string(index_);
        out.label = name + "[" + std::to_string(index_) + "]";
        ++index_;
        out.bytes = text_.size();
        out.text = text_;
        std::optional<SchemaViolation> violation = Importer::schema_violation(name, out.record);
        if (!violation && name == "spend") {
          JsonLocations locations = JsonLocations::scan_when_needed(out.text, out.pointer, out.number);
          RecordReader r(out.record, out.pointer, out.label, locations, file_);
          r.record([&] { out.spend = Importer::decode_spend(r); });
          out.record = json::object();
          // What is left to locate is the record itself, at its first line.
          out.text.clear();
          out.text.shrink_to_fit();
        }
        out.checked = std::move(violation);
      } catch (const JsonStreamError& e) {
        throw Error(ErrorKind::Input, at(e.line) + "malformed JSON: " + e.reason);
      }
    } catch (...) {
      out.failure = std::current_exception();
    }
    return true;
  }

  // Records a record read ahead, on the writer's thread, as it was read:
  // its fields against the ledger first, then its schema violation.
  void record_one(ReadLine& read) {
    if (read.failure) std::rethrow_exception(read.failure);
    if (read.spend) {
      JsonLocations at_record = JsonLocations::single_line(read.number);
      importer_.line_spend(std::move(*read.spend), at_record, read.pointer, read.label);
      return;
    }
    JsonLocations locations = JsonLocations::scan_when_needed(read.text, read.pointer, read.number);
    importer_.use(locations);
    const std::string name(read.section);
    RecordReader r(read.record, read.pointer, read.label, locations, file_);
    importer_.section_record(name, r);
    if (const std::optional<SchemaViolation>& violation = *read.checked) {
      std::string at_fault = read.pointer + violation->pointer;
      throw Error(ErrorKind::Input, at(locations.line_of(at_fault)) + label_of(at_fault) + ": " + violation->reason +
                                        " (schemas/import.schema.json)");
    }
  }

  JsonStream stream_;
  const std::string& file_;
  JsonLocations no_locations_ = JsonLocations::single_line(1);
  Importer importer_;
  std::array<SectionPlace, kSections.size()> places_{};
  std::string text_;  // the value last cut out
  // Where next_record stands: the section, whether its '[' was read, and
  // the index of its next record.
  std::size_t section_ = 0;
  bool in_section_ = false;
  std::size_t index_ = 0;
};

// A stream the document can be read from twice: `in` itself when it can
// seek (a file), else a copy of it in an unnamed temporary file (a pipe).
class Rereadable {
 public:
  explicit Rereadable(std::istream& in, const std::string& file_name) : in_(&in) {
    if (in.rdbuf()->pubseekoff(0, std::ios::cur, std::ios::in) != std::streampos(-1)) return;
    std::string path = (std::filesystem::temp_directory_path() / "adledger-import-XXXXXX").string();
    int fd = mkstemp(path.data());
    if (fd < 0) throw Error(ErrorKind::Input, file_name + ": cannot make a temporary copy to read: " + std::strerror(errno));
    close(fd);
    copy_.open(path, std::ios::in | std::ios::out | std::ios::binary | std::ios::trunc);
    std::filesystem::remove(path);  // gone when closed, whatever happens
    char buffer[1 << 16];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) copy_.write(buffer, in.gcount());
    if (in.bad() || !copy_) throw Error(ErrorKind::Input, file_name + ": cannot make a temporary copy to read");
    copy_.seekg(0);
    in_ = &copy_;
  }
  std::istream& stream() { return *in_; }

 private:
  std::istream* in_;
  std::fstream copy_;
};

}  // namespace

ImportCounts import_document(Ledger& ledger, std::istream& in, const std::string& file_name,
                             const ImportProgress& progress) {
  Rereadable source(in, file_name);
  return DocumentReader(ledger, source.stream(), file_name, progress).run();
}

ImportCounts import_document(Ledger& ledger, std::string_view text, const std::string& file_name,
                             const ImportProgress& progress) {
  std::istringstream in{std::string(text)};
  return import_document(ledger, in, file_name, progress);
}

}  // namespace ledger

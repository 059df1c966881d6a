// The read-ahead stage of the JSON Lines, CSV and JSON document imports:
// records read, parsed and checked ahead of their recording.
//
// Reading a record, parsing it, checking it against its section's schema
// and reading a spend record's fields need nothing from the ledger: they
// are done ahead, on a second thread (ReadAhead), while the Importer
// records the records before them. A record so read is a ReadLine: its
// line number, its record and its schema check (a spend record: its
// entry), or the error reading it gave, thrown only when its turn comes,
// so that an import refuses the same line with the same message either
// way. read_next reads one JSON Lines line (csv_rows_reader.cpp reads a
// CSV row likewise, document_reader.cpp a document's record); on a pipe
// the JSON Lines and CSV readers call them on their own thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <istream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ledger/io/import/shared.hpp"
#include "ledger/io/record_rules.hpp"
#include "ledger/records.hpp"

namespace ledger::import_detail {

class Importer;

// One line of a JSON Lines file, read and parsed, and checked against its
// section's schema when its type names one; or the error reading or
// parsing it gave, to be thrown in its turn.
struct ReadLine {
  std::size_t number = 0;
  json record;
  std::optional<std::optional<SchemaViolation>> checked;
  // A spend record that passed its schema check, read into the entry the
  // ledger takes; `record` is then left an empty object.
  std::optional<SpendEntry> spend;
  std::exception_ptr failure;
  // A JSON document's record: its section, where it is in the document
  // (its JSON pointer and its label, `spend[3]`) and its text, which gives
  // the lines of its fields. `number` is the line it starts on.
  std::string_view section;
  std::string pointer;
  std::string label;
  std::string text;
  // The bytes the record took in the file: what the queue holds is bounded
  // by them as well as by count.
  std::size_t bytes = 0;
};

// Checks `out.record` (numbered, parsed) against its section's schema and,
// a spend record with no violation, reads it into `out.spend`. Throws what
// reading the spend record's fields throws.
void prepare(ReadLine& out, const std::string& file);

// Reads the next line that is not blank into `out`; false at the end of
// the file. An error is kept in `out.failure`, not thrown.
bool read_next(std::istream& in, const std::string& file, std::string& line, std::size_t& number, ReadLine& out);

// Records a line so read through the importer, or throws its error.
void record_read(Importer& importer, ReadLine& line);

// Whether a second thread should read `in` ahead. Not for a pipe or a
// terminal: read there a record at a time, since after an error the import
// must stop at once, not wait for a writer that may never send the next
// line. Nor for a few records (a write sent to the server): the thread
// would cost more than it saves.
inline constexpr std::streamoff kReadAheadMin = 64 * 1024;
bool worth_reading_ahead(std::istream& in);

// Reads, parses and schema-checks the lines of a JSON Lines file on a
// second thread, while the ledger records the lines before them: these are
// a third of an import's work and need nothing from the ledger. Lines come
// out in order, in batches, and an error comes out in the place of its
// line, so that an import refuses the same line with the same message as
// when it reads one line at a time: a rule broken on line 9 is reported
// even when line 10 is malformed. The queue holds a few batches at most,
// so memory stays flat whatever the file's size.
class ReadAhead {
 public:
  static constexpr std::size_t kBatch = 256;
  static constexpr std::size_t kBatchesAhead = 4;
  // A batch is closed once its records took this many bytes of the file,
  // and batches wait while the queue holds more than kBytesAhead: a file of
  // large records is read ahead a few records at a time.
  static constexpr std::size_t kBatchBytes = 4 * 1024 * 1024;
  static constexpr std::size_t kBytesAhead = 16 * 1024 * 1024;

  // Fills a ReadLine with the next record; false at the end of the file.
  using Source = std::function<bool(ReadLine&)>;

  explicit ReadAhead(Source source) : source_(std::move(source)), thread_([this] { run(source_); }) {}
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  ~ReadAhead();

  // The next batch, in file order; empty at the end of the file. `read`,
  // the batch before, goes back to the reading thread to be freed there:
  // memory freed on the thread that allocated it stays out of the
  // allocator's locks.
  std::vector<ReadLine> next(std::vector<ReadLine>&& read = {});

 private:
  void run(const Source& source);

  // Hands a batch over, waiting while the queue is full; false once the
  // importer has stopped.
  bool push(std::vector<ReadLine>& batch, std::size_t bytes);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::vector<ReadLine>, std::size_t>> queue_;  // batches and their bytes
  std::size_t queued_bytes_ = 0;
  std::deque<std::vector<ReadLine>> read_;  // batches recorded, to free on the reading thread
  bool done_ = false;
  bool stop_ = false;
  Source source_;
  std::thread thread_;  // last: it starts once everything above exists
};

}  // namespace ledger::import_detail

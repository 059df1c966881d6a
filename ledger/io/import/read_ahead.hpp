// JSON Lines' read-ahead stage: lines read, parsed and checked ahead of
// their recording.
//
// Reading a line, parsing it and checking it against its section's schema
// need nothing from the ledger: they are done ahead, on a second thread
// (ReadAhead), while the Importer records the lines before them. A line so
// read is a ReadLine: its number, its record and its schema check, or the
// error reading it gave, thrown only when its turn comes, so that an import
// refuses the same line with the same message either way. read_next reads
// one such line; import_lines (lines_reader.cpp) calls it itself on a pipe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <istream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/io/import/shared.hpp"
#include "ledger/io/record_rules.hpp"
#include "ledger/records.hpp"

namespace ledger::import_detail {

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
};

// Reads the next line that is not blank into `out`; false at the end of
// the file. An error is kept in `out.failure`, not thrown.
bool read_next(std::istream& in, const std::string& file, std::string& line, std::size_t& number, ReadLine& out);

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

  ReadAhead(std::istream& in, const std::string& file) : thread_([this, &in, &file] { run(in, file); }) {}
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  ~ReadAhead();

  // The next batch, in file order; empty at the end of the file.
  std::vector<ReadLine> next();

 private:
  void run(std::istream& in, const std::string& file);

  // Hands a batch over, waiting while the queue is full; false once the
  // importer has stopped.
  bool push(std::vector<ReadLine>& batch);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<ReadLine>> queue_;
  bool done_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: it starts once everything above exists
};

}  // namespace ledger::import_detail

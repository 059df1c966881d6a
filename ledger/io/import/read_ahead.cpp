#include "ledger/io/import/read_ahead.hpp"

#include <utility>

#include "ledger/error.hpp"
#include "ledger/io/csv_reader.hpp"
#include "ledger/io/import/importer.hpp"
#include "ledger/io/json_locations.hpp"

namespace ledger::import_detail {
namespace {

// The schema check line_record would make, when the record gets that far:
// the record's fields but its "type".
std::optional<std::optional<SchemaViolation>> check_ahead(const json& record) {
  if (!record.is_object()) return std::nullopt;
  auto type = record.find("type");
  if (type == record.end() || !type->is_string()) return std::nullopt;
  const std::string* section = section_of_type(type->get_ref<const std::string&>());
  if (!section) return std::nullopt;
  return check_record_rules(*section, record, TypeMember::Ignored);
}

}  // namespace

void prepare(ReadLine& out, const std::string& file) {
  out.checked = check_ahead(out.record);
  // A spend record (most of a large file) is read into its entry here,
  // off the writer's thread, with the messages line_record would give.
  if (out.checked && !*out.checked && out.record.at("type") == "spend") {
    out.record.erase("type");
    JsonLocations here = JsonLocations::single_line(out.number);
    RecordReader r(out.record, "", "spend", here, file);
    r.record([&] { out.spend = Importer::decode_spend(r); });
    out.record = json::object();  // freed here too, not on the writer's thread
  }
}

bool read_next(std::istream& in, const std::string& file, std::string& line, std::size_t& number, ReadLine& out) {
  out = ReadLine{};
  try {
    do {
      if (!read_line(in, line, number, file)) return false;
    } while (line.find_first_not_of(" \t") == std::string::npos);  // blank lines are allowed
    out.number = number;
    out.bytes = line.size();
    try {
      out.record = parse_strict(line);
    } catch (const ParseFailure& f) {
      throw Error(ErrorKind::Input, file + ":" + std::to_string(number) + ": malformed JSON: " + f.reason);
    }
    prepare(out, file);
  } catch (...) {
    out.failure = std::current_exception();
  }
  return true;
}

void record_read(Importer& importer, ReadLine& line) {
  if (line.failure) std::rethrow_exception(line.failure);
  JsonLocations here = JsonLocations::single_line(line.number);
  if (line.spend) importer.line_spend(std::move(*line.spend), here);
  else importer.line_record(line.record, here, line.checked);
}

bool worth_reading_ahead(std::istream& in) {
  std::streambuf& buffer = *in.rdbuf();
  const std::streampos here = buffer.pubseekoff(0, std::ios::cur, std::ios::in);
  if (here == std::streampos(-1)) return false;
  const std::streampos end = buffer.pubseekoff(0, std::ios::end, std::ios::in);
  buffer.pubseekpos(here, std::ios::in);
  return end != std::streampos(-1) && end - here >= kReadAheadMin;
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::vector<ReadLine> ReadAhead::next(std::vector<ReadLine>&& read) {
  std::unique_lock lock(mutex_);
  if (!read.empty() && !done_) read_.push_back(std::move(read));
  changed_.wait(lock, [&] { return !queue_.empty() || done_; });
  if (queue_.empty()) return {};
  std::vector<ReadLine> batch = std::move(queue_.front().first);
  queued_bytes_ -= queue_.front().second;
  queue_.pop_front();
  changed_.notify_all();
  return batch;
}

void ReadAhead::run(const Source& source) {
  std::vector<ReadLine> batch;
  try {
    ReadLine next;
    bool more = true;
    std::size_t bytes = 0;  // of the records in `batch`
    while (more && source(next)) {
      more = !next.failure;  // nothing is read after an error
      bytes += next.bytes;
      batch.push_back(std::move(next));
      if (batch.size() == kBatch || bytes >= kBatchBytes || !more) {
        if (!push(batch, bytes)) return;
        bytes = 0;
      }
    }
  } catch (...) {  // out of memory, say: the importer throws it in its turn
    batch.emplace_back().failure = std::current_exception();
  }
  if (!batch.empty() && !push(batch, 0)) return;
  std::lock_guard lock(mutex_);
  done_ = true;
  changed_.notify_all();
}

bool ReadAhead::push(std::vector<ReadLine>& batch, std::size_t bytes) {
  std::deque<std::vector<ReadLine>> read;  // freed on return, outside the lock
  std::unique_lock lock(mutex_);
  // A batch waits for room by count, and by bytes unless the queue is
  // empty (one record may be larger than the budget on its own).
  changed_.wait(lock, [&] {
    return (queue_.size() < kBatchesAhead && (queue_.empty() || queued_bytes_ + bytes <= kBytesAhead)) || stop_;
  });
  if (stop_) return false;
  queue_.emplace_back(std::move(batch), bytes);
  queued_bytes_ += bytes;
  batch.clear();
  read.swap(read_);
  changed_.notify_all();
  lock.unlock();
  return true;
}

}  // namespace ledger::import_detail

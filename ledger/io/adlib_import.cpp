#include "ledger/io/adlib_import.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"
#include "ledger/io/csv_reader.hpp"
#include "ledger/io/import/read_ahead.hpp"
#include "ledger/io/json_locations.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

constexpr std::string_view kNoDisclaimer = "These ads ran without a disclaimer";
constexpr std::string_view kUnder100 = "\u2264100";  // "≤100": Meta's bucket for amounts of at most 100
constexpr int kDepthMax = 32;

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string trimmed(const std::string& s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The words of a text as a slug: ASCII letters and digits, lower case,
// anything else a single `-`, at most `max` characters.
std::string slug_words(const std::string& text, std::size_t max) {
  std::string out;
  for (char c : lower(text)) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
    if (out.size() >= max) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string hex_of(const std::string& text, std::size_t digits) { return to_hex(sha256(text)).substr(0, digits); }

class AdLibraryWriter;

// What the writing thread does for a row: the row's record, made ready by
// the reading thread, and its call on the ledger.
using RowWrite = std::function<void(AdLibraryWriter&)>;

// The writing side of an ad-library import: everything that needs the
// ledger. The reading side (AdLibraryImporter) reads and checks each row
// and hands the writer the record it makes, in the file's order, so that an
// import refuses the same row with the same message whichever thread read
// it.
class AdLibraryWriter {
 public:
  AdLibraryWriter(Ledger& ledger, const ImportProgress& progress) : ledger_(ledger), progress_(progress) {
    ledger_.bulk_load();
    spend_before_ = ledger_.store().has_spend();
  }

  void platform(const std::string& id, const std::string& name) {
    if (ledger_.store().find_platform(id)) return;
    ledger_.add_platform(Platform{id, name});
    count(counts_.platforms);
  }

  void advertiser(const std::string& where, const std::string& id, const std::string& name) {
    if (ledger_.store().find_advertiser(id)) return;
    located(where, [&] { ledger_.add_advertiser(Advertiser{id, name, std::nullopt, false}); });
    count(counts_.advertisers);
  }

  // `inferred`: the market is adledger's reading, not the file's or the
  // user's (Google's weekly file without --market).
  void spend(const std::string& where, SpendEntry& e, bool inferred) {
    // A newer export gives the rows of the older one again, from another
    // file and line: the entry first recorded keeps its citation, and its
    // market when adledger inferred it (a newer geo file may name another
    // country, or none); any other field that differs is a conflict, named
    // by record_spend. (None can be known when the ledger held no entry:
    // the same row twice in this import is refused as it is read.)
    std::optional<SpendEntry> known;
    if (spend_before_) known = ledger_.store().find_spend_by_external_id(*e.external_id);
    record(where, e, inferred, known ? &*known : nullptr);
  }
  // The same, with the entry recorded under e's id already looked up.
  void record(const std::string& where, SpendEntry& e, bool inferred, const SpendEntry* known) {
    if (known) {
      e.source = known->source;
      e.note = known->note;
      if (inferred) e.market = known->market;
    }
    located(where, [&] { ledger_.record_spend(e); });
    count(counts_.spend);
  }

  // A spend whose figures run to its last day, downloaded again later
  // (import_google_creative in adlib_import.hpp): `e` carries the ad's id.
  void spend_to_date(const std::string& where, SpendEntry& e) {
    std::optional<SpendEntry> first;
    if (spend_before_) first = ledger_.store().find_spend_by_external_id(*e.external_id);
    if (!first) return record(where, e, false, nullptr);
    // The versions of the ad: its first entry, and the entries that
    // superseded it, which start on the same day. Only the last is live,
    // unless it was reversed by hand.
    std::vector<SpendEntry> versions;
    if (!first->reversal) {
      versions.push_back(std::move(*first));
    } else {
      const std::string later = *e.external_id + "@";
      const Date start = first->period.first();
      SpendQuery same_start{first->advertiser_id, first->platform_id, Period(start, start), SpendQuery::Match::SameStart};
      for (SpendEntry& v : ledger_.store().spend(same_start))
        if (v.external_id && (*v.external_id == *e.external_id || v.external_id->starts_with(later)))
          versions.push_back(std::move(v));
    }
    const Date last = e.period.last();
    const SpendEntry* latest = nullptr;
    for (const SpendEntry& v : versions) {
      if (v.period.last() == last) {  // this download's figure, or a conflict record_spend names
        e.external_id = v.external_id;
        return record(where, e, false, &v);
      }
      if (!latest || v.period.last() > latest->period.last()) latest = &v;
    }
    if (latest && latest->period.last() > last) {
      ++counts_.older_skipped;
      return;
    }
    const SpendEntry* live = nullptr;
    for (const SpendEntry& v : versions)
      if (!v.reversal) live = &v;
    if (!live) {
      ++counts_.reversed_skipped;
      return;
    }
    // The versions are found by their first day: a later download keeps it.
    if (live->period.first() != e.period.first())
      throw Error(ErrorKind::Rule,
                  where + "id " + quote(*live->external_id) + ": spend entry #" + std::to_string(live->entry_id) +
                      " starts on " + format_date(live->period.first()) + ", this later download's figure on " +
                      format_date(e.period.first()) + ": a later download of an ad keeps its first day",
                  Reason::Conflict);
    std::string id = *e.external_id + "@" + format_date(last);
    std::string reason =
        "superseded by a later download, which gives the ad's spend to " + format_date(last) + " (id " + id + ")";
    located(where, [&] { ledger_.reverse_spend(live->entry_id, reason, e.source); });
    count(counts_.superseded);
    e.external_id = std::move(id);
    record(where, e, false, nullptr);
  }

  void disclosed(const std::string& where, DisclosedTotal& d) {
    if (std::optional<DisclosedTotal> known = ledger_.store().find_disclosed_total(d.id)) {
      d.source = known->source;
      d.note = known->note;
    }
    located(where, [&] { ledger_.record_disclosed_total(d); });
    count(counts_.disclosures);
  }

  void running() { ++counts_.running; }
  void without_spend() { ++counts_.without_spend; }
  const AdLibraryCounts& counts() const { return counts_; }

 private:
  template <typename F>
  static void located(const std::string& where, F act) {
    try {
      act();
    } catch (const Error& e) {
      throw Error(e.kind(), where + e.what(), e.reason());
    }
  }
  void count(std::size_t& of_kind) { count_record(counts_, of_kind, ledger_.last_outcome(), progress_); }

  Ledger& ledger_;
  const ImportProgress& progress_;
  AdLibraryCounts counts_;
  bool spend_before_ = true;  // the ledger held spend entries before this import
};

// The rows' writes, from the reading thread to the writing one, in batches,
// a few batches ahead at most: memory stays flat whatever the file's size.
// Without a second thread (`serial`: the file is a pipe, where after an
// error the import must stop at once rather than wait for a line that may
// never come), each write runs as it is handed over.
class RowQueue {
 public:
  static constexpr std::size_t kBatch = 256;
  static constexpr std::size_t kBatchesAhead = 8;

  explicit RowQueue(AdLibraryWriter* serial) : serial_(serial) {}

  // Thrown on the reading thread once the writer has stopped: unwinds the
  // reader, whose rows are no longer wanted.
  struct Stopped {};

  void push(RowWrite write) {
    if (serial_) return write(*serial_);
    batch_.push_back(std::move(write));
    if (batch_.size() == kBatch) flush();
  }

  // The reader's end: its last rows, and the error that ended it, if any,
  // thrown on the writing thread in its turn.
  void finish(std::exception_ptr failure) {
    if (failure) batch_.push_back([failure](AdLibraryWriter&) { std::rethrow_exception(failure); });
    if (!batch_.empty()) flush();
    std::lock_guard lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }

  // The next batch, in the file's order; empty at the end. `written`, the
  // batch before, goes back to the reader to be freed there: memory freed
  // on the thread that allocated it stays out of the allocator's locks.
  std::vector<RowWrite> next(std::vector<RowWrite>&& written) {
    std::unique_lock lock(mutex_);
    if (!written.empty() && !done_) written_.push_back(std::move(written));
    changed_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) return {};
    std::vector<RowWrite> batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return batch;
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stop_ = true;
    changed_.notify_all();
  }

 private:
  void flush() {
    std::deque<std::vector<RowWrite>> written;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return queue_.size() < kBatchesAhead || stop_; });
      if (stop_) throw Stopped{};
      queue_.push_back(std::move(batch_));
      batch_.clear();
      written.swap(written_);
      changed_.notify_all();
    }
    // `written` is freed here, outside the lock.
  }

  AdLibraryWriter* serial_;
  std::vector<RowWrite> batch_;  // the reader's, not yet handed over
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<RowWrite>> queue_;
  std::deque<std::vector<RowWrite>> written_;  // batches written, to free on the reading thread
  bool done_ = false;
  bool stop_ = false;
};

// The reading side of an ad library's import: the format's code reads and
// checks its rows through it, and it hands each record to the writer.
class AdLibraryImporter {
 public:
  AdLibraryImporter(RowQueue& rows, const std::string& file, const AdLibraryOptions& options)
      : rows_(rows), file_(file), source_(options.source), o_(options) {}

  // The file being read, for the errors, and the source its entries cite.
  void read_file(const std::string& file, const std::string& source) {
    file_ = file;
    source_ = source;
  }

  std::string at(std::size_t line) const { return file_ + ":" + std::to_string(line) + ": "; }
  [[noreturn]] void fail(std::size_t line, const std::string& why, ErrorKind kind = ErrorKind::Input) const {
    throw Error(kind, at(line) + why);
  }

  // The platform: the one given, which must exist, or the source's own,
  // added when the ledger does not have it yet.
  std::string platform(const char* id, const char* name) {
    if (o_.platform) return *o_.platform;  // record_spend refuses an unknown one
    rows_.push([id = std::string(id), name = std::string(name)](AdLibraryWriter& w) { w.platform(id, name); });
    return id;
  }

  // The advertiser for a payer: the one the mapping names for `key`, or
  // `made_id`, added (named `name`) when the ledger does not have it yet.
  std::string advertiser(const std::string& key, const std::string& made_id, const std::string& name,
                         std::size_t line) {
    if (auto it = o_.advertiser_of.find(key); it != o_.advertiser_of.end()) return it->second;
    if (made_.insert(made_id).second)
      rows_.push([where = at(line), made_id, name](AdLibraryWriter& w) { w.advertiser(where, made_id, name); });
    return made_id;
  }

  // `market`: the entry's own, when the file gives it; the caller's
  // otherwise. `inferred`: the market is adledger's reading, not the file's
  // or the user's (Google's weekly file without --market).
  void spend(SpendEntry e, std::size_t line, const std::string* market = nullptr, bool inferred = false) {
    cite(e, line, market);
    rows_.push([where = at(line), e = std::move(e), inferred](AdLibraryWriter& w) mutable {
      w.spend(where, e, inferred);
    });
  }

  // A spend whose figures run to its last day, and that a later download
  // of the same id may extend (AdLibraryWriter::spend_to_date).
  void spend_to_date(SpendEntry e, std::size_t line, const std::string& market) {
    cite(e, line, &market);
    rows_.push([where = at(line), e = std::move(e)](AdLibraryWriter& w) mutable { w.spend_to_date(where, e); });
  }

  void disclosed(DisclosedTotal d, std::size_t line) {
    d.source = source_ + ", line " + std::to_string(line);
    remember(d.id, line);
    rows_.push([where = at(line), d = std::move(d)](AdLibraryWriter& w) mutable { w.disclosed(where, d); });
  }

  void running() {
    rows_.push([](AdLibraryWriter& w) { w.running(); });
  }
  void without_spend() {
    rows_.push([](AdLibraryWriter& w) { w.without_spend(); });
  }

 private:
  void cite(SpendEntry& e, std::size_t line, const std::string* market) {
    e.market = market ? *market : o_.market;
    e.source = source_ + ", line " + std::to_string(line);
    remember(*e.external_id, line);
  }

  // The same row twice in one export is a mistake in the file, not a
  // no-op: it would be one payment counted once.
  void remember(const std::string& id, std::size_t line) {
    auto [it, fresh] = seen_.try_emplace(id, Place{file_, line});
    if (fresh) return;
    std::string where = it->second.file == file_ ? "line " + std::to_string(it->second.line)
                                                 : it->second.file + ":" + std::to_string(it->second.line);
    fail(line, "the row of " + where + " again (id " + quote(id) + "): a payment appears once in an export");
  }

  struct Place {
    std::string file;
    std::size_t line;
  };
  RowQueue& rows_;
  std::string file_;
  std::string source_;
  const AdLibraryOptions& o_;
  std::unordered_map<std::string, Place> seen_;  // external id -> where, in this import
  std::unordered_set<std::string> made_;         // advertisers made from payers, handed to the writer
};

using import_detail::worth_reading_ahead;

bool all_worth_reading_ahead(const std::vector<AdLibraryInput>& inputs) {
  return std::all_of(inputs.begin(), inputs.end(),
                     [](const AdLibraryInput& i) { return worth_reading_ahead(*i.in); });
}

// Runs an ad library's import: `read` (the format's code) reads the file
// on a second thread while the records read before are recorded on this
// one, as the JSON Lines import reads ahead; or both on this thread when a
// file is a pipe or small. Reading, parsing and checking a row need nothing from the
// ledger. An error, read or written, ends the import at its row.
template <typename Read>
AdLibraryCounts run_import(Ledger& ledger, const ImportProgress& progress, bool read_ahead, Read read) {
  AdLibraryWriter writer(ledger, progress);
  if (!read_ahead) {
    RowQueue rows(&writer);
    read(rows);
    return writer.counts();
  }
  RowQueue rows(nullptr);
  std::thread reader([&] {
    std::exception_ptr failure;
    try {
      read(rows);
    } catch (const RowQueue::Stopped&) {
      return;
    } catch (...) {
      failure = std::current_exception();
    }
    try {
      rows.finish(failure);
    } catch (const RowQueue::Stopped&) {
    }
  });
  try {
    for (std::vector<RowWrite> batch = rows.next({}); !batch.empty(); batch = rows.next(std::move(batch)))
      for (RowWrite& write : batch) write(writer);
  } catch (...) {
    rows.stop();
    reader.join();
    throw;
  }
  reader.join();
  return writer.counts();
}

void require_market(const AdLibraryOptions& o) {
  if (o.market.empty())
    throw Error(ErrorKind::Input, "market: required: the country the export covers (an ad library's export does not "
                                  "say where the ads ran)");
}

// A header's names, as the error messages show them.
std::string header_text(const std::vector<std::string>& header) {
  std::string out;
  for (const std::string& h : header) out += (out.empty() ? "" : ",") + h;
  return quote(out);
}

// A row's fields as its note cites them: `Page ID 123, Page name "A"`.
std::string cited_row(const char* what, const std::vector<std::string>& header, const std::vector<std::string>& row) {
  std::string out = what;
  out += " row: ";
  for (std::size_t i = 0; i < header.size() && i < row.size(); ++i)
    out += (i ? ", " : "") + header[i] + " " + (all_digits(row[i]) ? row[i] : quote(row[i]));
  return out;
}

}  // namespace

std::string meta_payer_id(const std::string& payer) {
  std::string words = slug_words(payer, 45);
  return (words.empty() ? "meta-payer" : "meta-" + words) + "-" + hex_of(payer, 8);
}

std::map<std::string, std::string> read_advertiser_map(std::istream& in, const std::string& file_name) {
  std::map<std::string, std::string> out;
  std::map<std::string, std::size_t> line_of;
  std::vector<std::string> row;
  std::size_t line = 0;
  skip_byte_order_mark(in);
  if (!read_csv_row(in, row, line, file_name) || row != std::vector<std::string>{"source", "advertiser"})
    throw Error(ErrorKind::Input, file_name + ":1: header: expected the columns source,advertiser");
  while (true) {
    std::size_t at = line + 1;
    if (!read_csv_row(in, row, line, file_name)) break;
    if (row.size() == 1 && row[0].empty()) continue;
    if (row.size() != 2)
      throw Error(ErrorKind::Input, file_name + ":" + std::to_string(at) + ": " + std::to_string(row.size()) +
                                        " columns where the header has 2");
    try {
      check_slug(row[1], "advertiser");
    } catch (const Error& e) {
      throw Error(e.kind(), file_name + ":" + std::to_string(at) + ": " + e.what(), e.reason());
    }
    if (row[0].empty()) throw Error(ErrorKind::Input, file_name + ":" + std::to_string(at) + ": source: is empty");
    if (auto [it, fresh] = line_of.try_emplace(row[0], at); !fresh)
      throw Error(ErrorKind::Input, file_name + ":" + std::to_string(at) + ": source " + quote(row[0]) +
                                        ": already mapped on line " + std::to_string(it->second));
    out[row[0]] = row[1];
  }
  return out;
}

std::optional<MetaReportName> parse_meta_report_name(std::string_view file_name) {
  std::string name = std::filesystem::path(std::string(file_name)).filename().string();
  constexpr std::string_view kPrefix = "FacebookAdLibraryReport_", kSuffix = "_advertisers.csv";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  std::string_view rest(name);
  rest = rest.substr(kPrefix.size(), rest.size() - kPrefix.size() - kSuffix.size());
  // DATE_CC_WINDOW: a date of 10 characters, a two-letter country.
  if (rest.size() < 15 || rest[10] != '_' || rest[13] != '_') return std::nullopt;
  std::string market(rest.substr(11, 2));
  if (!std::all_of(market.begin(), market.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return std::nullopt;
  Date last;
  try {
    last = parse_date(rest.substr(0, 10), "date");
  } catch (const Error&) {
    return std::nullopt;
  }
  std::string_view window = rest.substr(14);
  // The date is the report's last day, and the window counts back from it,
  // that day included: a report named 2019-06-06 for the last 30 days
  // covers 2019-05-08 to 2019-06-06, as Meta's report page shows it.
  int days = 0;
  if (window == "yesterday") days = 1;
  else if (window == "last_7_days") days = 7;
  else if (window == "last_30_days") days = 30;
  else if (window == "last_90_days") days = 90;
  Date first;
  if (days > 0) {
    if (last - first_day() < boost::gregorian::days(days - 1)) return std::nullopt;
    first = last - boost::gregorian::days(days - 1);
  } else if (window == "lifelong" || window == "lifetime") {
    // Meta's archive of ads about social issues, elections or politics
    // begins on 2018-05-07 (in the US; later elsewhere): a lifelong report
    // holds no spend before it.
    first = Date(2018, 5, 7);
    if (last < first) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return MetaReportName{Period(first, last), market};
}

AdLibraryCounts import_meta_report(Ledger& ledger, std::istream& in, const std::string& file_name,
                                   const AdLibraryOptions& given, const ImportProgress& progress) {
  static const char* kExpected =
      "expected the columns Page ID,Page name,Disclaimer,Amount spent (CUR),Number of ads in Library, CUR being "
      "the report's currency (USD, EUR, ...)";
  // The range and the country: given, or from the file's name.
  AdLibraryOptions o = given;
  if (!o.period || o.market.empty()) {
    std::optional<MetaReportName> named = parse_meta_report_name(file_name);
    if (!named) {
      std::string missing = !o.period && o.market.empty() ? "from, to, market" : !o.period ? "from, to" : "market";
      throw Error(ErrorKind::Input,
                  missing + ": required: the file name " +
                      quote(std::filesystem::path(file_name).filename().string()) +
                      " is not a Meta report's (FacebookAdLibraryReport_DATE_CC_WINDOW_advertisers.csv, DATE "
                      "2018-05-07 or later, WINDOW yesterday, last_7_days, last_30_days, last_90_days or lifelong), "
                      "which would give the report's range and country; give " +
                      (missing == "market" ? "--market" : missing == "from, to" ? "--from and --to" : "--from, --to and --market"));
    }
    if (!o.period) o.period = named->period;
    if (o.market.empty()) o.market = named->market;
  }
  return run_import(ledger, progress, worth_reading_ahead(in), [&](RowQueue& rows) {
    AdLibraryImporter importer(rows, file_name, o);
    std::vector<std::string> header, row;
    std::size_t line = 0;
    skip_byte_order_mark(in);
    if (!read_csv_row(in, header, line, file_name)) importer.fail(1, std::string("empty: ") + kExpected);
    // The header, case aside (Meta has written "Page Name" and "Amount Spent").
    auto is = [&](std::size_t i, const char* name) { return i < header.size() && lower(header[i]) == name; };
    std::string amount_column = header.size() > 3 ? lower(header[3]) : "";
    bool shaped = header.size() == 5 && is(0, "page id") && is(1, "page name") && is(2, "disclaimer") &&
                  is(4, "number of ads in library") && amount_column.size() == 18 &&
                  amount_column.starts_with("amount spent (") && amount_column.ends_with(")");
    if (!shaped) importer.fail(1, "header " + header_text(header) + ": " + kExpected);
    std::string code = header[3].substr(14, 3);
    std::transform(code.begin(), code.end(), code.begin(), [](char c) { return c >= 'a' && c <= 'z' ? c - 32 : c; });
    Currency currency;
    try {
      currency = Currency::from_code(code, "Amount spent (CUR)");
    } catch (const Error& e) {
      importer.fail(1, std::string("header: ") + e.what());
    }
    const std::string platform = importer.platform("facebook", "Facebook");
    const std::string range = format_date(o.period->first()) + ":" + format_date(o.period->last());
    while (true) {
      std::size_t at = line + 1;
      if (!read_csv_row(in, row, line, file_name)) break;
      if (row.size() == 1 && row[0].empty()) continue;
      if (row.size() != 5)
        importer.fail(at, std::to_string(row.size()) + " columns where the header has 5");
      const std::string& page_id = row[0];
      const std::string& page_name = row[1];
      const std::string& disclaimer = row[2];
      if (!all_digits(page_id)) importer.fail(at, "Page ID " + quote(page_id) + ": expected digits");
      std::string amount = trimmed(row[3]);
      // A page that spent nothing over the range: nothing to record. An
      // amount that is not one is refused below, as any other.
      if (amount != kUnder100 && amount.find_first_not_of("0.,") == std::string::npos) {
        std::optional<Money> zero;
        try {
          zero = Money::parse_nonnegative(amount, currency, header[3]);
        } catch (const Error&) {
        }
        if (zero && zero->minor() == 0) {
          importer.without_spend();
          continue;
        }
      }
      SpendEntry e;
      e.platform_id = platform;
      e.period = *o.period;
      const bool payer = !disclaimer.empty() && disclaimer != kNoDisclaimer;
      e.tags = {"meta-report", "page:" + page_id};
      try {
        if (amount == kUnder100) {  // at most 100 of the currency
          e.precision = Precision::Range;
          e.amount = Money(0, currency);
          e.upper = Money::parse_positive("100", currency, header[3]);
        } else {
          // Whole units; Meta's README says they may hold estimates and
          // amounts not yet invoiced: approximate.
          e.precision = Precision::Approximate;
          e.amount = Money::parse_positive(amount, currency, header[3]);
        }
      } catch (const Error& err) {
        bool words = amount.find_first_not_of("0123456789.,") != std::string::npos;
        importer.fail(at, std::string(err.what()) + (words ? " (a Meta amount is whole units, or \u2264100)" : ""));
      }
      if (!all_digits(trimmed(row[4]))) importer.fail(at, header[4] + " " + quote(row[4]) + ": expected a count of ads");
      std::string ads = trimmed(row[4]);
      if (ads.size() > 12) importer.fail(at, header[4] + " " + quote(ads) + ": larger than the limit");
      e.items = std::stoll(ads);
      if (payer) {
        e.advertiser_id = importer.advertiser(disclaimer, meta_payer_id(disclaimer), disclaimer, at);
      } else {
        e.tags.push_back("no-disclaimer");
        e.advertiser_id = importer.advertiser("page:" + page_id, "meta-page-" + page_id,
                                              page_name.empty() ? "Meta page " + page_id : page_name, at);
      }
      e.external_id = "meta-report:" + o.market + ":" + currency.code() + ":" + page_id + ":" + hex_of(disclaimer, 16) +
                      ":" + range;
      e.note = cited_row("Meta Ad Library report", header, row);
      importer.spend(std::move(e), at);
    }
  });
}

namespace {

// A field of an ad-library record, checked, with the record's line.
class ApiRecord {
 public:
  ApiRecord(const json& j, const AdLibraryImporter& importer, std::size_t line)
      : j_(j), importer_(importer), line_(line) {}

  bool has(const char* name) const { return j_.contains(name) && !j_.at(name).is_null(); }
  [[noreturn]] void fail(const std::string& name, const std::string& why) const {
    importer_.fail(line_, name + ": " + why);
  }
  std::optional<std::string> opt_string(const char* name) const {
    if (!has(name)) return std::nullopt;
    if (!j_.at(name).is_string()) fail(name, "must be a string, not " + std::string(j_.at(name).type_name()));
    return j_.at(name).get<std::string>();
  }
  // An id or a bound: a string of digits, as Meta writes them, or a JSON
  // whole number.
  std::optional<std::string> opt_digits(const json& v, const std::string& name) const {
    if (v.is_null()) return std::nullopt;
    if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
    std::string s = v.is_string() ? v.get<std::string>() : "";
    if (!all_digits(s)) fail(name, quote(v.dump()) + ": expected a whole number");
    return s;
  }
  std::string digits(const char* name) const {
    if (!has(name)) fail(name, "is required");
    return *opt_digits(j_.at(name), name);
  }
  // A day: `2021-02-01`, or a time `2019-10-29T18:00:56+0000`, which gives
  // its day in UTC.
  std::optional<Date> opt_day(const char* name) const {
    std::optional<std::string> text = opt_string(name);
    if (!text) return std::nullopt;
    std::string_view t = *text;
    auto fail_time = [&] { fail(name, quote(t) + ": expected a date (2021-02-01) or a time (2021-02-01T18:00:00+0000)"); };
    if (t.size() < 10) fail_time();
    Date day;
    try {
      day = parse_date(t.substr(0, 10), name);
    } catch (const Error& e) {
      fail(name, e.what());
    }
    if (t.size() == 10) return day;
    // THH:MM:SS then Z or +hhmm / +hh:mm.
    auto num = [&](std::size_t at) {
      if (at + 2 > t.size() || !isdigit(static_cast<unsigned char>(t[at])) || !isdigit(static_cast<unsigned char>(t[at + 1])))
        fail_time();
      return (t[at] - '0') * 10 + (t[at + 1] - '0');
    };
    if (t[10] != 'T' || t.size() < 19 || t[13] != ':' || t[16] != ':') fail_time();
    if (num(11) > 23 || num(14) > 59 || num(17) > 60) fail_time();
    int minutes = num(11) * 60 + num(14);
    std::string_view zone = t.substr(19);
    int offset = 0;
    if (zone == "Z") {
      offset = 0;
    } else if ((zone.size() == 5 || zone.size() == 6) && (zone[0] == '+' || zone[0] == '-')) {
      std::size_t m = zone.size() == 6 ? 4 : 3;
      if (zone.size() == 6 && zone[3] != ':') fail_time();
      if (num(20) > 14 || num(19 + m) > 59) fail_time();
      offset = (num(20) * 60 + num(19 + m)) * (zone[0] == '-' ? -1 : 1);
    } else {
      fail_time();
    }
    int utc = minutes - offset;
    if ((utc < 0 && day == first_day()) || (utc >= 24 * 60 && day == last_day()))
      fail(name, quote(t) + ": its day in UTC is outside the years 1400 to 9999");
    if (utc < 0) return day - boost::gregorian::days(1);
    if (utc >= 24 * 60) return day + boost::gregorian::days(1);
    return day;
  }
  const json& at(const char* name) const { return j_.at(name); }

 private:
  const json& j_;
  const AdLibraryImporter& importer_;
  std::size_t line_;
};

}  // namespace

namespace {

constexpr std::size_t kJsonValueBytesMax = 64 * 1024 * 1024;  // one page of the Graph API's response, or one ad

// Splits a stream into its top-level JSON values, read a chunk at a time: an
// ad a line, pages of the Graph API's response (pretty-printed or not), or
// values one after the other as `curl >>` leaves them. For each value, the
// line it starts on and the lines of the objects in its "data" array (or,
// for a top-level array, of its objects), so that an error names the ad's
// line. Memory stays bounded by the largest value (kJsonValueBytesMax).
class JsonValueReader {
 public:
  JsonValueReader(std::istream& in, const std::string& file) : in_(in), file_(file) {}

  bool next(std::string& text, std::size_t& first_line, std::vector<std::size_t>& item_lines) {
    text.clear();
    item_lines.clear();
    while (true) {  // the blanks between values
      if (pos_ == end_ && !fill()) return false;
      char c = buf_[pos_];
      if (c == '\n') ++line_;
      else if (c != ' ' && c != '\t' && c != '\r') break;
      ++pos_;
    }
    first_line = line_;
    if (buf_[pos_] != '{' && buf_[pos_] != '[')
      throw Error(ErrorKind::Input, file_ + ":" + std::to_string(line_) +
                                        ": malformed JSON: expected an ad ({...}) or a page of the Graph API's "
                                        "response ({\"data\": [...]})");
    std::vector<char> open;  // the containers open, outermost first
    bool in_string = false, escaped = false, key_wanted = false, in_data = false;
    std::string last_key, string_at_top;
    while (true) {
      if (pos_ == end_) {
        if (!fill())
          throw Error(ErrorKind::Input, file_ + ":" + std::to_string(line_) +
                                            ": malformed JSON: the file ends inside the value begun on line " +
                                            std::to_string(first_line) + " (a page saved in part?)");
      }
      std::size_t from = pos_;
      bool done = false;
      for (; pos_ < end_ && !done; ++pos_) {
        char c = buf_[pos_];
        if (c == '\n') ++line_;
        if (in_string) {
          if (escaped) escaped = false;
          else if (c == '\\') escaped = true;
          else if (c == '"') in_string = false;
          else if (key_wanted && string_at_top.size() < 16) string_at_top += c;
          continue;
        }
        switch (c) {
          case '"':
            in_string = true;
            key_wanted = open.size() == 1 && open[0] == '{';
            string_at_top.clear();
            break;
          case ':':
            if (open.size() == 1) last_key = string_at_top;
            break;
          case ',':
            if (open.size() == 1) last_key.clear();
            break;
          case '{':
            if ((open.size() == 1 && open[0] == '[') || (open.size() == 2 && in_data)) item_lines.push_back(line_);
            open.push_back(c);
            break;
          case '[':
            if (open.size() == 1 && open[0] == '{' && last_key == "data") in_data = true;
            open.push_back(c);
            break;
          case '}':
          case ']':
            if (open.size() == 2) in_data = false;
            if (!open.empty()) open.pop_back();
            if (open.empty()) done = true;
            break;
          default:
            break;
        }
      }
      text.append(buf_.data() + from, pos_ - from);
      if (text.size() > kJsonValueBytesMax)
        throw Error(ErrorKind::Input, file_ + ":" + std::to_string(first_line) +
                                          ": a JSON value larger than the limit of 64 MiB (save the Graph API's "
                                          "pages with a smaller limit)");
      if (done) return true;
    }
  }

 private:
  bool fill() {
    if (!in_) return false;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    end_ = static_cast<std::size_t>(in_.gcount());
    pos_ = 0;
    if (first_chunk_) {
      first_chunk_ = false;
      if (end_ >= 3 && std::string_view(buf_.data(), 3) == "\xEF\xBB\xBF") pos_ = 3;
    }
    if (end_ == 0 && in_.bad()) throw Error(ErrorKind::Input, file_ + ": cannot be read");
    return pos_ < end_;
  }

  std::istream& in_;
  const std::string& file_;
  std::vector<char> buf_ = std::vector<char>(64 * 1024);
  std::size_t pos_ = 0, end_ = 0, line_ = 1;
  bool first_chunk_ = true;
};

// One ad of the Ad Library API, recorded (or counted, when it is running or
// has no spend).
void import_ad(AdLibraryImporter& importer, const std::string& platform, const json& j, std::size_t number) {
  if (!j.is_object()) importer.fail(number, "an ad must be a JSON object, as the Ad Library API gives it");
  ApiRecord r(j, importer, number);
  std::string id = r.digits("id");
  std::string page_id = r.digits("page_id");
  std::optional<std::string> page_name = r.opt_string("page_name");
  // "bylines" (who paid); "funding_entity" in data before 2021.
  std::optional<std::string> payer = r.has("bylines") ? r.opt_string("bylines") : r.opt_string("funding_entity");
  // Ads that are not about social issues, elections or politics (the EU's
  // other ads) come without spend and currency: nothing to record.
  if (!r.has("spend")) {
    importer.without_spend();
    return;
  }
  if (!r.has("currency")) r.fail("currency", "is required: the ad has a spend");
  Currency currency;
  try {
    currency = Currency::from_code(*r.opt_string("currency"), "currency");
  } catch (const Error& e) {
    importer.fail(number, e.what());
  }
  const json& spend = r.at("spend");
  if (!spend.is_object()) r.fail("spend", "must be an object with lower_bound and upper_bound");
  for (const auto& [key, value] : spend.items())
    if (key != "lower_bound" && key != "upper_bound") r.fail("spend." + quote(key), "unknown field");
  if (!spend.contains("lower_bound")) r.fail("spend.lower_bound", "is required");
  std::optional<std::string> lower_text = r.opt_digits(spend.at("lower_bound"), "spend.lower_bound");
  std::optional<std::string> upper_text =
      spend.contains("upper_bound") ? r.opt_digits(spend.at("upper_bound"), "spend.upper_bound") : std::nullopt;
  if (!lower_text) r.fail("spend.lower_bound", "is required");
  std::optional<Date> start = r.opt_day("ad_delivery_start_time");
  if (!start) r.fail("ad_delivery_start_time", "is required");
  std::optional<Date> stop = r.opt_day("ad_delivery_stop_time");
  if (stop && *stop < *start)
    r.fail("ad_delivery_stop_time", format_date(*stop) + ": before ad_delivery_start_time " + format_date(*start));
  std::vector<std::string> publishers;
  if (r.has("publisher_platforms")) {
    const json& p = r.at("publisher_platforms");
    if (!p.is_array()) r.fail("publisher_platforms", "must be an array of strings");
    for (const json& name : p) {
      if (!name.is_string()) r.fail("publisher_platforms", "must be an array of strings");
      publishers.push_back("publisher:" + lower(name.get<std::string>()));
    }
  }
  if (!stop) {  // still running: its spend is not final
    importer.running();
    return;
  }
  SpendEntry e;
  e.platform_id = platform;
  e.period = Period(*start, *stop);
  e.precision = Precision::Range;
  try {
    e.amount = Money::parse_nonnegative(*lower_text, currency, "spend.lower_bound");
    if (upper_text) e.upper = Money::parse_positive(*upper_text, currency, "spend.upper_bound");
  } catch (const Error& err) {
    importer.fail(number, err.what());
  }
  e.items = 1;
  e.tags = {"meta-api", "page:" + page_id};
  e.tags.insert(e.tags.end(), publishers.begin(), publishers.end());
  if (payer && !payer->empty() && *payer != kNoDisclaimer) {
    e.advertiser_id = importer.advertiser(*payer, meta_payer_id(*payer), *payer, number);
  } else {
    e.tags.push_back("no-disclaimer");
    e.advertiser_id = importer.advertiser("page:" + page_id, "meta-page-" + page_id,
                                          page_name && !page_name->empty() ? *page_name : "Meta page " + page_id,
                                          number);
  }
  e.external_id = "meta-api:" + id;
  // The citation: the record's fields that make the entry (never the
  // snapshot URL, which carries the downloader's access token).
  // Written field by field from the ad, as a JSON object of those fields
  // would dump (keys in order, no spaces), without copying them into one.
  std::string note = "Meta Ad Library API ad: {";
  bool first = true;
  for (const char* key : {"ad_delivery_start_time", "ad_delivery_stop_time", "bylines", "currency", "funding_entity",
                          "id", "impressions", "page_id", "page_name", "publisher_platforms", "spend"}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    note += first ? "\"" : ",\"";
    note += key;
    note += "\":";
    note += it->dump(-1, ' ', false, json::error_handler_t::replace);
    first = false;
  }
  e.note = std::move(note) + "}";
  importer.spend(std::move(e), number);
}

}  // namespace

AdLibraryCounts import_meta_api(Ledger& ledger, const std::vector<AdLibraryInput>& inputs, const AdLibraryOptions& o,
                                const ImportProgress& progress) {
  return run_import(ledger, progress, all_worth_reading_ahead(inputs), [&](RowQueue& rows) {
    AdLibraryImporter importer(rows, inputs.empty() ? std::string() : inputs.front().file_name, o);
    require_market(o);
    const std::string platform = importer.platform("facebook", "Facebook");
    std::string text;
    std::vector<std::size_t> item_lines;
    json value;
    for (const AdLibraryInput& input : inputs) {
      importer.read_file(input.file_name, input.source);
      JsonValueReader reader(*input.in, input.file_name);
      std::size_t first_line = 0;
      while (reader.next(text, first_line, item_lines)) {
        if (auto problem = parse_json(text, kDepthMax, value))
          importer.fail(first_line + problem->line - 1, "malformed JSON: " + problem->reason);
        if (value.is_array()) {  // the ads alone, as a JSON array
          for (std::size_t i = 0; i < value.size(); ++i)
            import_ad(importer, platform, value[i], i < item_lines.size() ? item_lines[i] : first_line);
          continue;
        }
        if (value.contains("error")) {
          const json& error = value.at("error");
          std::string message = error.is_object() && error.contains("message") && error.at("message").is_string()
                                    ? error.at("message").get<std::string>()
                                    : error.dump(-1, ' ', false, json::error_handler_t::replace);
          importer.fail(first_line, "the Graph API's response is an error, not ads: " + quote(message));
        }
        if (!value.contains("data")) {  // one ad
          import_ad(importer, platform, value, first_line);
          continue;
        }
        const json& data = value.at("data");
        if (!data.is_array()) importer.fail(first_line, "data: must be an array of ads, as the Graph API gives it");
        // Lines are known when the scanner saw the same objects the parser did.
        bool lines_known = item_lines.size() == data.size();
        for (std::size_t i = 0; i < data.size(); ++i)
          import_ad(importer, platform, data[i], lines_known ? item_lines[i] : first_line);
      }
    }
  });
}

AdLibraryCounts import_meta_api(Ledger& ledger, std::istream& in, const std::string& file_name,
                                const AdLibraryOptions& o, const ImportProgress& progress) {
  return import_meta_api(ledger, {AdLibraryInput{&in, file_name, o.source}}, o, progress);
}

namespace {

// A Google file's header: its named columns, its `Spend_CUR` columns, and
// (creative stats) its `Spend_Range_Min_CUR` and `Spend_Range_Max_CUR`
// columns, by currency.
struct GoogleHeader {
  std::vector<std::string> names;
  std::map<std::string, std::size_t> column;
  std::vector<std::pair<std::size_t, Currency>> spend;
  struct Bounds {
    Currency currency;
    std::optional<std::size_t> min, max;
  };
  std::vector<Bounds> ranges;

  bool has(const std::string& name) const { return column.contains(name); }
  const std::string& cell(const std::vector<std::string>& row, const std::string& name) const {
    return row[column.at(name)];
  }
};

enum class OtherColumns { Refused, Ignored };

struct GoogleFormat {
  std::vector<std::string> named;     // the columns read by name
  std::vector<std::string> required;  // of those, the ones a file must have
  bool spend_columns;                 // Spend_CUR columns: amounts
  bool range_columns;                 // Spend_Range_Min_CUR, Spend_Range_Max_CUR
  OtherColumns others;
  const char* expected;  // the header, as the errors describe it
};

GoogleHeader read_google_header(std::istream& in, std::size_t& line, const std::string& file, const GoogleFormat& f) {
  auto fail = [&](const std::string& why) { throw Error(ErrorKind::Input, file + ":1: " + why); };
  GoogleHeader h;
  skip_byte_order_mark(in);
  if (!read_csv_row(in, h.names, line, file)) fail(std::string("empty: ") + f.expected);
  auto currency_of = [&](const std::string& code, std::size_t i, const char* what) {
    try {
      // The column's name goes into the message only once it is known to
      // be a currency's: a header may hold any bytes.
      return Currency::from_code(code, "column " + std::to_string(i + 1) + " (" + what + ")");
    } catch (const Error& e) {
      throw Error(ErrorKind::Input, file + ":1: header: " + e.what());
    }
  };
  for (std::size_t i = 0; i < h.names.size(); ++i) {
    const std::string& name = h.names[i];
    if (std::find(f.named.begin(), f.named.end(), name) != f.named.end()) {
      if (!h.column.try_emplace(name, i).second) fail("header: column " + quote(name) + " twice");
    } else if (f.range_columns && name.size() == 19 &&
               (name.starts_with("Spend_Range_Min_") || name.starts_with("Spend_Range_Max_"))) {
      Currency c = currency_of(name.substr(16), i, "Spend_Range_Min_CUR");
      auto it = std::find_if(h.ranges.begin(), h.ranges.end(), [&](const auto& b) { return b.currency == c; });
      if (it == h.ranges.end()) it = h.ranges.insert(h.ranges.end(), GoogleHeader::Bounds{c, {}, {}});
      std::optional<std::size_t>& at = name.starts_with("Spend_Range_Min_") ? it->min : it->max;
      if (at) fail("header: column " + quote(name) + " twice");
      at = i;
    } else if (f.spend_columns && name.size() == 9 && name.starts_with("Spend_")) {
      h.spend.emplace_back(i, currency_of(name.substr(6), i, "Spend_CUR"));
    } else if (f.others == OtherColumns::Refused) {
      fail("header: column " + quote(name) + ": not one of the format's: " + f.expected);
    }
  }
  for (const std::string& required : f.required)
    if (!h.has(required)) fail("header " + header_text(h.names) + ": no " + required + ": " + f.expected);
  if (f.spend_columns && h.spend.empty()) fail("header " + header_text(h.names) + ": no Spend_CUR column: " + f.expected);
  if (f.range_columns && h.ranges.empty() && !h.has("Spend_USD"))
    fail("header " + header_text(h.names) + ": no Spend_Range_Min_CUR and Spend_Range_Max_CUR columns: " + f.expected);
  for (const GoogleHeader::Bounds& b : h.ranges)
    if (!b.min || !b.max)
      fail("header: column " + quote(h.names[b.min ? *b.min : *b.max]) + ": no " +
           (b.min ? "Spend_Range_Max_" : "Spend_Range_Min_") + b.currency.code() + " beside it; a range needs both");
  return h;
}

// The next row of a Google file, blank lines skipped, with as many columns
// as its header; false at the end. `at` is the line it starts on.
bool read_google_row(std::istream& in, std::vector<std::string>& row, std::size_t& line, std::size_t& at,
                     const std::string& file, const GoogleHeader& h) {
  while (true) {
    at = line + 1;
    if (!read_csv_row(in, row, line, file)) return false;
    if (row.size() == 1 && row[0].empty()) continue;
    if (row.size() != h.names.size())
      throw Error(ErrorKind::Input, file + ":" + std::to_string(at) + ": " + std::to_string(row.size()) +
                                        " columns where the header has " + std::to_string(h.names.size()));
    return true;
  }
}

// A Google amount cell: none when empty or 0 (nothing spent in that
// currency).
std::optional<Money> google_amount(const std::string& text, const Currency& currency, const std::string& column) {
  std::string cell = trimmed(text);
  if (cell.empty() || cell.find_first_not_of('0') == std::string::npos) return std::nullopt;
  return Money::parse_positive(cell, currency, column);
}

// A country as Google writes it: ISO 3166-1 alpha-2.
std::string google_country(const std::string& text, const char* column) {
  if (text.size() != 2 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    throw Error(ErrorKind::Input, std::string(column) + " " + quote(text) +
                                      ": expected a country's ISO 3166-1 code, two capitals (US)");
  return text;
}

std::string google_advertiser(AdLibraryImporter& importer, const std::string& id, const std::string& name,
                              std::size_t at) {
  if (id.empty()) importer.fail(at, "Advertiser_ID: is empty");
  std::string made = slug_words(id, 50);
  made = "google-" + (made.empty() ? hex_of(id, 16) : made);
  return importer.advertiser(id, made, name.empty() ? "Google advertiser " + id : name, at);
}

void require_period(const AdLibraryOptions& o, const char* what) {
  if (!o.period)
    throw Error(ErrorKind::Input, std::string("from, to: required: ") + what +
                                      " holds totals with no dates; give the range they cover (from the first day "
                                      "of Google's report for the region to the day the file was downloaded)");
}

const GoogleFormat kAdvertiserGeo{
    {"Advertiser_ID", "Advertiser_Name", "Country", "Country_Subdivision_Primary"},
    {"Advertiser_ID", "Country"},
    true,
    false,
    OtherColumns::Refused,
    "expected the columns Advertiser_ID,Advertiser_Name,Country,Country_Subdivision_Primary and a Spend_CUR column "
    "per currency (Spend_USD,Spend_EUR,...)"};

// A row's fields as its note cites them, only the columns named.
std::string cited_columns(const char* what, const GoogleHeader& h, const std::vector<std::string>& row,
                          const std::vector<std::size_t>& columns) {
  std::string out = what;
  out += " row: ";
  bool first = true;
  for (std::size_t i : columns) {
    out += (first ? "" : ", ") + h.names[i] + " " + (all_digits(row[i]) ? row[i] : quote(row[i]));
    first = false;
  }
  return out;
}

}  // namespace

AdLibraryCounts import_google_weekly(Ledger& ledger, std::istream& in, const std::string& file_name,
                                     const AdLibraryOptions& o, const ImportProgress& progress) {
  static const GoogleFormat kFormat{
      {"Advertiser_ID", "Advertiser_Name", "Week_Start_Date", "Election_Cycle"},
      {"Advertiser_ID", "Advertiser_Name", "Week_Start_Date"},
      true,
      false,
      OtherColumns::Refused,
      "expected the columns Advertiser_ID,Advertiser_Name,Week_Start_Date and a Spend_CUR column per currency "
      "(Spend_USD,Spend_EUR,...), Election_Cycle allowed"};
  return run_import(ledger, progress, worth_reading_ahead(in), [&](RowQueue& rows) {
    AdLibraryImporter importer(rows, file_name, o);
    std::size_t line = 0, at = 0;
    GoogleHeader h = read_google_header(in, line, file_name, kFormat);
    const std::string platform = importer.platform("google", "Google");
    const std::string unknown(kUnknownMarket);
    std::vector<std::string> row;
    while (read_google_row(in, row, line, at, file_name, h)) {
      const std::string& id = h.cell(row, "Advertiser_ID");
      std::string cycle = h.has("Election_Cycle") ? h.cell(row, "Election_Cycle") : "";
      if (id.empty()) importer.fail(at, "Advertiser_ID: is empty");
      Date week;
      try {
        week = parse_date(h.cell(row, "Week_Start_Date"), "Week_Start_Date");
      } catch (const Error& e) {
        importer.fail(at, e.what());
      }
      // Google's weeks run Sunday to Saturday: seven days from the start,
      // not an ISO week.
      Period period(week, week + boost::gregorian::days(6));
      std::string advertiser;
      for (const auto& [i, currency] : h.spend) {
        std::optional<Money> amount;
        try {
          amount = google_amount(row[i], currency, h.names[i]);
        } catch (const Error& err) {
          importer.fail(at, err.what());
        }
        if (!amount) continue;  // nothing in this currency
        if (advertiser.empty()) advertiser = google_advertiser(importer, id, h.cell(row, "Advertiser_Name"), at);
        SpendEntry e;
        e.advertiser_id = advertiser;
        e.platform_id = platform;
        e.period = period;
        // Google reports weekly spend in steps of 100: approximate.
        e.precision = Precision::Approximate;
        e.amount = *amount;
        e.tags = {"google-weekly"};
        e.external_id = "google:" + id + ":" + format_date(week) + ":" + currency.code() + (cycle.empty() ? "" : ":" + cycle);
        e.note = cited_row("Google political ads weekly spend", h.names, row);
        // The file covers every region and does not say which: the market is
        // the one given, or the one country where the advertiser geo file
        // shows this advertiser's spend in this currency, or unknown.
        const std::string* market = &unknown;
        if (!o.market.empty()) {
          market = &o.market;
        } else if (o.countries) {
          auto it = o.countries->find({id, currency.code()});
          if (it != o.countries->end() && it->second.size() == 1) market = &*it->second.begin();
        }
        importer.spend(std::move(e), at, market, o.market.empty());
      }
    }
  });
}

AdvertiserCountries read_advertiser_countries(std::istream& in, const std::string& file_name) {
  std::size_t line = 0, at = 0;
  GoogleHeader h = read_google_header(in, line, file_name, kAdvertiserGeo);
  AdvertiserCountries out;
  std::vector<std::string> row;
  while (read_google_row(in, row, line, at, file_name, h)) {
    try {
      const std::string& id = h.cell(row, "Advertiser_ID");
      if (id.empty()) throw Error(ErrorKind::Input, "Advertiser_ID: is empty");
      std::string country = google_country(h.cell(row, "Country"), "Country");
      for (const auto& [i, currency] : h.spend)
        if (google_amount(row[i], currency, h.names[i])) out[{id, currency.code()}].insert(country);
    } catch (const Error& e) {
      throw Error(e.kind(), file_name + ":" + std::to_string(at) + ": " + e.what(), e.reason());
    }
  }
  return out;
}

namespace {

[[noreturn]] void fail_bucket(std::string_view text, std::string_view field) {
  throw Error(ErrorKind::Input, std::string(field) + " " + quote(text) +
                                    ": expected a spend bucket such as 0-100, 100-1k, 1k-50k or \u2265 100k");
}

}  // namespace

std::pair<std::string, std::optional<std::string>> parse_spend_bucket(std::string_view text, std::string_view field) {
  auto fail = [&] { fail_bucket(text, field); };
  // Whole units with an optional k (thousand) or M (million), as digits.
  auto bound = [&](std::string_view t) {
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    std::string zeros;
    if (!t.empty() && (t.back() == 'k' || t.back() == 'K')) zeros = "000";
    else if (!t.empty() && t.back() == 'M') zeros = "000000";
    if (!zeros.empty()) t.remove_suffix(1);
    std::string digits(t);
    if (!all_digits(digits) || digits.size() > 15) fail();
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
    return digits == "0" ? digits : digits + zeros;
  };
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  for (std::string_view open : {"\u2265", ">=", ">"})
    if (t.starts_with(open)) return {bound(t.substr(open.size())), std::nullopt};
  for (std::string_view upto : {"\u2264", "<=", "<"})
    if (t.starts_with(upto)) return {"0", bound(t.substr(upto.size()))};
  if (t.ends_with("+")) return {bound(t.substr(0, t.size() - 1)), std::nullopt};
  for (std::string_view dash : {"\u2013", "-"}) {
    if (std::size_t cut = t.find(dash); cut != std::string_view::npos)
      return {bound(t.substr(0, cut)), bound(t.substr(cut + dash.size()))};
  }
  fail_bucket(text, field);
}

// The currency Google reports an ad's spend in for a region: the region's
// own (EUR for the EU and the euro area, Croatia's HRK before 2023), USD
// for the United States and for a region that has none of Google's
// currencies.
Currency google_region_currency(const std::string& region, Date first_day) {
  static const std::map<std::string, std::string, std::less<>> kOwn = {
      {"AR", "ARS"}, {"AU", "AUD"}, {"BG", "BGN"}, {"BR", "BRL"}, {"CL", "CLP"}, {"CZ", "CZK"}, {"DK", "DKK"},
      {"GB", "GBP"}, {"HU", "HUF"}, {"IL", "ILS"}, {"IN", "INR"}, {"MX", "MXN"}, {"NO", "NOK"}, {"NZ", "NZD"},
      {"PL", "PLN"}, {"RO", "RON"}, {"SE", "SEK"}, {"TW", "TWD"}, {"ZA", "ZAR"}, {"EU", "EUR"}, {"AT", "EUR"},
      {"BE", "EUR"}, {"CY", "EUR"}, {"DE", "EUR"}, {"EE", "EUR"}, {"ES", "EUR"}, {"FI", "EUR"}, {"FR", "EUR"},
      {"GR", "EUR"}, {"IE", "EUR"}, {"IT", "EUR"}, {"LT", "EUR"}, {"LU", "EUR"}, {"LV", "EUR"}, {"MT", "EUR"},
      {"NL", "EUR"}, {"PT", "EUR"}, {"SI", "EUR"}, {"SK", "EUR"}};
  std::string code = "USD";
  if (region == "HR") code = first_day < Date(2023, 1, 1) ? "HRK" : "EUR";
  else if (auto it = kOwn.find(region); it != kOwn.end()) code = it->second;
  return Currency::from_code(code, "currency");
}

AdLibraryCounts import_google_creative(Ledger& ledger, std::istream& in, const std::string& file_name,
                                       const AdLibraryOptions& o, const ImportProgress& progress) {
  static const GoogleFormat kFormat{
      {"Ad_ID", "Advertiser_ID", "Advertiser_Name", "Regions", "Date_Range_Start", "Date_Range_End", "Spend_USD"},
      {"Ad_ID", "Advertiser_ID", "Regions", "Date_Range_Start", "Date_Range_End"},
      false,
      true,
      OtherColumns::Ignored,
      "expected the columns Ad_ID,Advertiser_ID,Regions,Date_Range_Start,Date_Range_End and the spend as "
      "Spend_Range_Min_CUR and Spend_Range_Max_CUR columns per currency (or Spend_USD), others allowed"};
  return run_import(ledger, progress, worth_reading_ahead(in), [&](RowQueue& rows) {
    AdLibraryImporter importer(rows, file_name, o);
    std::size_t line = 0, at = 0;
    GoogleHeader h = read_google_header(in, line, file_name, kFormat);
    const std::string platform = importer.platform("google", "Google");
    const std::string unknown(kUnknownMarket);
    // The columns a note cites: the ad, its advertiser, regions and dates,
    // and its spend; not its URL, targeting or impressions.
    std::vector<std::size_t> cited;
    for (const char* name : {"Ad_ID", "Advertiser_ID", "Advertiser_Name", "Regions", "Date_Range_Start",
                             "Date_Range_End", "Spend_USD"})
      if (h.has(name)) cited.push_back(h.column.at(name));
    // The column of the older USD bucket, if the file has one (an index, not
    // an optional: GCC's -O2 misreads the optional as maybe uninitialised).
    constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);
    const std::size_t bucket = h.has("Spend_USD") ? h.column.at("Spend_USD") : kNoColumn;
    struct Spend {
      bool spent = false;  // false: nothing spent in the region
      Money lower;
      std::optional<Money> upper;
      std::vector<std::size_t> columns;
    };
    std::vector<std::string> row;
    std::vector<Spend> spends;
    while (read_google_row(in, row, line, at, file_name, h)) {
      const std::string& ad = h.cell(row, "Ad_ID");
      if (ad.empty()) importer.fail(at, "Ad_ID: is empty");
      if (h.cell(row, "Advertiser_ID").empty()) importer.fail(at, "Advertiser_ID: is empty");
      Date first, last;
      try {
        first = parse_date(h.cell(row, "Date_Range_Start"), "Date_Range_Start");
        last = parse_date(h.cell(row, "Date_Range_End"), "Date_Range_End");
      } catch (const Error& e) {
        importer.fail(at, e.what());
      }
      if (last < first)
        importer.fail(at, "Date_Range_End " + format_date(last) + ": before Date_Range_Start " + format_date(first));
      // Regions: a code, or several separated by commas ("EU", "US", "DE,FR").
      std::vector<std::string> regions;
      {
        const std::string& text = h.cell(row, "Regions");
        std::size_t from = 0;
        while (from <= text.size()) {
          std::size_t cut = std::min(text.find(',', from), text.size());
          std::string region = trimmed(text.substr(from, cut - from));
          from = cut + 1;
          if (region.empty()) continue;
          bool code = region.size() <= 16 && std::all_of(region.begin(), region.end(), [](char c) {
                        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
                      });
          if (!code) importer.fail(at, "Regions " + quote(text) + ": expected codes such as US, EU or DE,FR");
          if (std::find(regions.begin(), regions.end(), region) == regions.end()) regions.push_back(region);
        }
      }
      // The spend in a region: the range columns of the region's currency
      // (google_region_currency), else of USD; USD from the older bucket
      // column when its range columns are empty. The other currencies'
      // columns are not read: Google fills them for every ad, with 0 and its
      // lowest bucket where the ad did not run.
      auto spend_in = [&](const Currency& wanted) -> std::optional<Spend> {
        auto b = std::find_if(h.ranges.begin(), h.ranges.end(), [&](const auto& r) { return r.currency == wanted; });
        if (b == h.ranges.end() && wanted.code() != "USD") return std::nullopt;
        if (b != h.ranges.end()) {
          std::string min = trimmed(row[*b->min]), max = trimmed(row[*b->max]);
          if (!min.empty() || !max.empty()) {
            // An upper bound of 0: nothing spent in this currency.
            if (!max.empty() && max.find_first_not_of('0') == std::string::npos) return Spend{};
            Spend s;
            try {
              s.lower = Money::parse_nonnegative(min.empty() ? "0" : min, b->currency, h.names[*b->min]);
              if (!max.empty()) s.upper = Money::parse_positive(max, b->currency, h.names[*b->max]);
            } catch (const Error& err) {
              importer.fail(at, err.what());
            }
            if (s.upper && s.upper->minor() < s.lower.minor())
              importer.fail(at, h.names[*b->max] + " " + quote(max) + ": less than " + h.names[*b->min] + " " + quote(min));
            s.columns = {*b->min, *b->max};
            s.spent = true;
            return s;
          }
        }
        if (wanted.code() != "USD" || bucket == kNoColumn || trimmed(row[bucket]).empty()) return Spend{};
        Spend s;
        try {
          auto [lower, upper] = parse_spend_bucket(trimmed(row[bucket]), "Spend_USD");
          s.lower = Money::parse_nonnegative(lower, wanted, "Spend_USD");
          if (upper) s.upper = Money::parse_positive(*upper, wanted, "Spend_USD");
          if (s.upper && s.upper->minor() < s.lower.minor())
            throw Error(ErrorKind::Input, "Spend_USD " + quote(row[bucket]) + ": its upper bound is below its lower");
        } catch (const Error& err) {
          importer.fail(at, err.what());
        }
        s.spent = true;
        return s;
      };
      if (regions.empty()) regions.push_back(unknown);
      spends.clear();
      for (const std::string& region : regions) {
        Currency currency = google_region_currency(region, first);
        std::optional<Spend> s = spend_in(currency);
        if (!s) s = spend_in(Currency::from_code("USD", "currency"));  // no columns for the region's currency
        spends.push_back(std::move(*s));
      }
      if (std::none_of(spends.begin(), spends.end(), [](const Spend& s) { return s.spent; })) {
        importer.without_spend();
        continue;
      }
      std::string advertiser =
          google_advertiser(importer, h.cell(row, "Advertiser_ID"),
                            h.has("Advertiser_Name") ? h.cell(row, "Advertiser_Name") : std::string(), at);
      // One region: the ad's range. Several: the file does not say how the
      // spend divides between them, so each region spent at least 0 and at
      // most the ad's upper bound there; the ad's own range stays in the note.
      const bool shared = regions.size() > 1;
      for (std::size_t r = 0; r < regions.size(); ++r) {
        const Spend& s = spends[r];
        if (!s.spent) continue;
        std::vector<std::size_t> columns = cited;
        columns.insert(columns.end(), s.columns.begin(), s.columns.end());
        const std::string& market = regions[r];
        SpendEntry e;
        e.advertiser_id = advertiser;
        e.platform_id = platform;
        e.period = Period(first, last);
        e.precision = Precision::Range;
        e.amount = shared ? Money(0, s.lower.currency()) : s.lower;
        e.upper = s.upper;
        if (!shared) e.items = 1;
        e.tags = {"google-creative"};
        if (shared) e.tags.push_back("shared-regions");
        e.external_id = "google-ad:" + ad + ":" + market + ":" + s.lower.currency().code();
        e.note = cited_columns("Google political ads creative stats", h, row, columns);
        importer.spend_to_date(std::move(e), at, market);
      }
    }
  });
}

AdLibraryCounts import_google_advertiser_geo(Ledger& ledger, std::istream& in, const std::string& file_name,
                                             const AdLibraryOptions& o, const ImportProgress& progress) {
  return run_import(ledger, progress, worth_reading_ahead(in), [&](RowQueue& rows) {
    AdLibraryImporter importer(rows, file_name, o);
    std::size_t line = 0, at = 0;
    GoogleHeader h = read_google_header(in, line, file_name, kAdvertiserGeo);
    require_period(o, "Google's advertiser geo spend file");
    const std::string platform = importer.platform("google", "Google");
    const std::string range = format_date(o.period->first()) + ":" + format_date(o.period->last());
    // An advertiser's spend in a currency, summed over its rows (a country, or
    // a state of it): the total Google gives for the range, in the order the
    // file first names it.
    struct Total {
      std::string advertiser_id, name;
      Money amount;
      std::size_t first_line = 0;
      std::string regions;  // "US-CA 1800 (line 2), US-NY 900 (line 3)"
      std::size_t regions_left_out = 0;
    };
    std::vector<Total> totals;
    std::map<std::pair<std::string, std::string>, std::size_t> total_of;  // (Advertiser_ID, currency) -> index
    std::map<std::string, std::size_t> row_of;  // Advertiser_ID|Country|subdivision -> line
    constexpr std::size_t kRegionsText = 3000;  // within a note's kTextMax
    constexpr std::size_t kTotalsMax = 100'000;  // Google lists a few thousand advertisers
    std::vector<std::string> row;
    while (read_google_row(in, row, line, at, file_name, h)) {
      const std::string& id = h.cell(row, "Advertiser_ID");
      if (id.empty()) importer.fail(at, "Advertiser_ID: is empty");
      std::string country;
      try {
        country = google_country(h.cell(row, "Country"), "Country");
      } catch (const Error& e) {
        importer.fail(at, e.what());
      }
      std::string subdivision = h.has("Country_Subdivision_Primary") ? h.cell(row, "Country_Subdivision_Primary") : "";
      std::string region = subdivision.empty() ? country : subdivision;
      if (auto [seen, fresh] = row_of.try_emplace(id + "|" + country + "|" + subdivision, at); !fresh)
        importer.fail(at, "the row of line " + std::to_string(seen->second) + " again (advertiser " + id + ", " +
                              region + "): a region's total appears once in an export");
      for (const auto& [i, currency] : h.spend) {
        std::optional<Money> amount;
        try {
          amount = google_amount(row[i], currency, h.names[i]);
        } catch (const Error& err) {
          importer.fail(at, err.what());
        }
        if (!amount) continue;
        auto [it, fresh] = total_of.try_emplace(std::make_pair(id, currency.code()), totals.size());
        if (fresh) {
          if (totals.size() >= kTotalsMax)
            importer.fail(at, "more than " + std::to_string(kTotalsMax) + " advertisers' totals in one file");
          totals.push_back(Total{id, h.has("Advertiser_Name") ? h.cell(row, "Advertiser_Name") : "",
                                 Money(0, currency), at, "", 0});
        }
        Total& t = totals[it->second];
        try {
          t.amount = Money(checked_add(t.amount.minor(), amount->minor(), "advertiser " + id + "'s " + currency.code() +
                                                                               " total"),
                           currency);
        } catch (const Error& err) {
          importer.fail(at, err.what());
        }
        std::string part = region + " " + trimmed(row[i]) + " (line " + std::to_string(at) + ")";
        if (t.regions.size() + part.size() < kRegionsText) t.regions += (t.regions.empty() ? "" : ", ") + part;
        else ++t.regions_left_out;
      }
    }
    // A running total of the money the weekly file itemises: published
    // beside the spend, never added to it.
    for (Total& t : totals) {
      DisclosedTotal d;
      d.id = "google-advertiser-geo-" + hex_of(t.advertiser_id + "|" + t.amount.currency().code() + "|" + range, 16);
      d.platform_id = platform;
      d.advertiser_id = google_advertiser(importer, t.advertiser_id, t.name, t.first_line);
      d.amount = t.amount;
      d.period = *o.period;
      d.date = o.period->last();
      d.precision = Precision::Approximate;  // in steps of 100, as the weekly file
      d.note = "Google political ads advertiser geo spend: Advertiser_ID " + quote(t.advertiser_id) +
               (t.name.empty() ? "" : ", Advertiser_Name " + quote(t.name)) + ", Spend_" + t.amount.currency().code() +
               " by region: " + t.regions +
               (t.regions_left_out ? " and " + std::to_string(t.regions_left_out) + " more" : "");
      importer.disclosed(std::move(d), t.first_line);
    }
  });
}

AdLibraryCounts import_google_geo(Ledger& ledger, std::istream& in, const std::string& file_name,
                                  const AdLibraryOptions& o, const ImportProgress& progress) {
  static const GoogleFormat kFormat{
      {"Country", "Country_Subdivision_Primary", "Country_Subdivision_Secondary"},
      {"Country"},
      true,
      false,
      OtherColumns::Refused,
      "expected the columns Country,Country_Subdivision_Primary,Country_Subdivision_Secondary and a Spend_CUR "
      "column per currency (Spend_USD,Spend_EUR,...)"};
  return run_import(ledger, progress, worth_reading_ahead(in), [&](RowQueue& rows) {
    AdLibraryImporter importer(rows, file_name, o);
    std::size_t line = 0, at = 0;
    GoogleHeader h = read_google_header(in, line, file_name, kFormat);
    require_period(o, "Google's geo spend file");
    const std::string platform = importer.platform("google", "Google");
    const std::string range = format_date(o.period->first()) + ":" + format_date(o.period->last());
    std::vector<std::string> row;
    std::string everyone;
    while (read_google_row(in, row, line, at, file_name, h)) {
      std::string country;
      try {
        country = google_country(h.cell(row, "Country"), "Country");
      } catch (const Error& e) {
        importer.fail(at, e.what());
      }
      std::string region = country;
      for (const char* name : {"Country_Subdivision_Primary", "Country_Subdivision_Secondary"})
        if (h.has(name)) region += "|" + h.cell(row, name);
      for (const auto& [i, currency] : h.spend) {
        std::optional<Money> amount;
        try {
          amount = google_amount(row[i], currency, h.names[i]);
        } catch (const Error& err) {
          importer.fail(at, err.what());
        }
        if (!amount) continue;
        // The file names no advertiser: its figures are what all of Google's
        // political advertisers spent in a region, a total published beside
        // the itemised spend, not spend to add to it.
        if (everyone.empty())
          everyone = importer.advertiser("google-all-advertisers", "google-all-advertisers",
                                         "All political advertisers on Google", at);
        DisclosedTotal d;
        d.id = "google-geo-" + lower(country) + "-" + hex_of(region + "|" + currency.code() + "|" + range, 16);
        d.platform_id = platform;
        d.advertiser_id = everyone;
        d.amount = *amount;
        d.period = *o.period;
        d.date = o.period->last();
        d.precision = Precision::Approximate;
        d.note = cited_row("Google political ads geo spend", h.names, row);
        importer.disclosed(std::move(d), at);
      }
    }
  });
}

bool is_ad_library_format(std::string_view format) {
  return std::find(std::begin(kAdLibraryFormats), std::end(kAdLibraryFormats), format) != std::end(kAdLibraryFormats);
}

AdLibraryCounts import_format(Ledger& ledger, const std::string& format, const std::vector<AdLibraryInput>& inputs,
                              const AdLibraryOptions& options, const ImportProgress& progress) {
  std::istream& in = *inputs.front().in;
  const std::string& file = inputs.front().file_name;
  AdLibraryCounts c;
  auto plain = [&](ImportCounts counts) { static_cast<ImportCounts&>(c) = counts; };
  if (format == "csv") plain(import_csv(ledger, in, file, progress));
  else if (format == "jsonl") plain(import_lines(ledger, in, file, progress));
  else if (format == "json") plain(import_document(ledger, in, file, progress));
  else if (format == "meta-report") c = import_meta_report(ledger, in, file, options, progress);
  else if (format == "meta-api") c = import_meta_api(ledger, inputs, options, progress);
  else if (format == "google-weekly") c = import_google_weekly(ledger, in, file, options, progress);
  else if (format == "google-creative") c = import_google_creative(ledger, in, file, options, progress);
  else if (format == "google-geo") c = import_google_geo(ledger, in, file, options, progress);
  else if (format == "google-advertiser-geo") c = import_google_advertiser_geo(ledger, in, file, options, progress);
  else throw_input("input", format, "expected json, jsonl, csv, meta-report, meta-api, google-weekly, google-creative, "
                                    "google-geo or google-advertiser-geo");
  return c;
}

nlohmann::json import_result_json(const std::string& file, const AdLibraryCounts& c, bool ad_library) {
  nlohmann::json out = {{"file", file},
                        {"platforms", c.platforms},
                        {"advertisers", c.advertisers},
                        {"handles", c.handles},
                        {"policy_actions", c.policy_actions},
                        {"spend", c.spend},
                        {"pledges", c.pledges},
                        {"disbursements", c.disbursements},
                        {"disclosures", c.disclosures},
                        {"policy_withdrawals", c.policy_withdrawals},
                        {"spend_reversals", c.spend_reversals},
                        {"withdrawals", c.withdrawals},
                        {"rates", c.rates},
                        {"running", c.running},
                        {"unchanged", c.unchanged}};
  if (ad_library) {
    out["without_spend"] = c.without_spend;
    out["superseded"] = c.superseded;
    out["older_skipped"] = c.older_skipped;
    out["reversed_skipped"] = c.reversed_skipped;
  }
  return out;
}

}  // namespace ledger

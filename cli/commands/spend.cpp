// spend record: one spend entry, posted as a balanced journal transaction.
#include <algorithm>
#include <iostream>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/io/json_output.hpp"
#include "ledger/report/answers.hpp"

namespace adledger::cli {
namespace {

struct SpendRecordOptions {
  std::string advertiser;
  std::string platform;
  std::string handle;
  std::string amount;
  std::string upper;
  std::string currency;
  std::string period;
  std::optional<std::int64_t> items;
  std::string items_precision = "exact";
  std::string market;
  std::vector<std::string> tags;
  std::string precision = "exact";
  std::string source;
  SourceDetailOptions details;
  std::string id;
  std::string note;
};

void run_spend_record(const GlobalOptions& global, const SpendRecordOptions& o) {
  // Parse every value before opening the ledger: a bad value never gets as
  // far as a transaction.
  ledger::SpendEntry e;
  e.advertiser_id = o.advertiser;
  e.platform_id = o.platform;
  if (!o.handle.empty()) e.handle = o.handle;
  ledger::Currency currency = ledger::Currency::from_code(o.currency, "currency");
  e.precision = ledger::parse_precision(o.precision, "precision");
  // A range's lower bound may be zero ("less than 100").
  e.amount = e.precision == ledger::Precision::Range ? ledger::Money::parse_nonnegative(o.amount, currency, "amount")
                                                     : ledger::Money::parse_positive(o.amount, currency, "amount");
  if (!o.upper.empty()) e.upper = ledger::Money::parse_positive(o.upper, currency, "upper");
  e.period = ledger::Period::parse(o.period, "period");
  e.items = o.items;
  e.items_precision = ledger::parse_count_precision(o.items_precision, "items-precision");
  e.market = o.market;
  e.tags = o.tags;
  e.source = o.source;
  e.source_details = o.details.details();
  if (!o.id.empty()) e.external_id = o.id;
  if (!o.note.empty()) e.note = o.note;

  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::SpendEntry recorded = open.ledger->record_spend(e);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(recorded));
    return;
  }
  const ledger::Currency& cur = recorded.amount.currency();
  std::string paid = money_text(recorded.amount.minor(), cur);
  if (recorded.precision == ledger::Precision::Range)
    paid = "at least " + paid +
           (recorded.upper ? ", at most " + money_text(recorded.upper->minor(), cur) : ", with no upper bound");
  std::cout << said(*open.ledger, "recorded") << " spend entry #" << recorded.entry_id << ": " << recorded.advertiser_id
            << " paid " << recorded.platform_id << " " << paid << " for " << recorded.period.to_string() << " ("
            << ledger::to_string(recorded.precision) << ")\n";
}

struct SpendReverseOptions {
  std::int64_t entry = 0;
  std::string reason;
  std::string source;
  SourceDetailOptions details;
};

void run_spend_reverse(const GlobalOptions& global, const SpendReverseOptions& o) {
  const ledger::SourceDetails details = o.details.details();
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::SpendReversal r = open.ledger->reverse_spend(o.entry, o.reason, o.source, details);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, {{"entry", r.entry_id},
                           {"reason", r.reason},
                           {"source", r.source},
                           {"source_details", ledger::source_details_json(r.source_details)},
                           {"txn", r.txn_id}});
    return;
  }
  std::cout << said(*open.ledger, "reversed") << " spend entry #" << r.entry_id << " by transaction " << r.txn_id
            << ": " << r.reason << '\n';
}

// spend list: the entries, filtered as a reader searches a ledger, oldest
// first: by advertiser, platform, a period they overlap, market, tag, and
// text in their source, note or external id.
struct SpendListOptions {
  std::string advertiser;
  std::string platform;
  std::string from;
  std::string to;
  std::string market;
  std::string tag;
  std::string source;
  std::string search;
  std::int64_t after = 0;
  std::optional<std::int64_t> limit;
};

ledger::SpendFilter spend_filter(const SpendListOptions& o) {
  auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); };
  ledger::SpendFilter f;
  f.advertiser_id = opt(o.advertiser);
  f.platform_id = opt(o.platform);
  if (!o.from.empty()) f.first = ledger::parse_date(o.from, "from");
  if (!o.to.empty()) f.last = ledger::parse_date(o.to, "to");
  f.market = opt(o.market);
  f.tag = opt(o.tag);
  f.source = opt(o.source);
  f.search = opt(o.search);
  f.after = o.after;
  f.limit = o.limit;
  return f;
}

void run_spend_list(const GlobalOptions& global, const SpendListOptions& o) {
  const ledger::SpendFilter filter = spend_filter(o);
  ledger::check_spend_filter(filter);  // before the ledger is opened
  OpenLedger open = open_for_reading(global);
  const ledger::SpendPage page = ledger::list_spend(*open.ledger, filter);
  const std::vector<ledger::SpendEntry>& shown = page.entries;
  const std::vector<std::string>& authors = page.authors;
  const bool more = page.more;
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(page));
    return;
  }
  if (shown.empty()) {
    std::cout << "no spend entry matches\n";
    return;
  }
  // Who recorded each entry, once any of them names someone.
  const bool authored = std::any_of(authors.begin(), authors.end(), [](const auto& a) { return !a.empty(); });
  std::vector<std::string> headers{"entry", "period", "advertiser", "platform", "currency", "amount", "precision",
                                   "market", "source"};
  std::vector<Table::Align> aligns{Table::Align::Left, Table::Align::Left,  Table::Align::Left,
                                   Table::Align::Left, Table::Align::Left,  Table::Align::Right,
                                   Table::Align::Left, Table::Align::Left,  Table::Align::Left};
  if (authored) {
    headers.push_back("author");
    aligns.push_back(Table::Align::Left);
  }
  Table table(headers, aligns);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const ledger::SpendEntry& e = shown[i];
    std::string amount = amount_cell(e.amount.minor(), e.amount.currency());
    if (e.precision == ledger::Precision::Range)
      amount += " to " + (e.upper ? amount_cell(e.upper->minor(), e.upper->currency()) : std::string("open"));
    std::vector<std::string> row{"#" + std::to_string(e.entry_id) + (e.reversal ? " (reversed)" : ""),
                                 e.period.to_string(),
                                 e.advertiser_id,
                                 e.platform_id,
                                 std::string(e.amount.currency().code()),
                                 amount,
                                 std::string(ledger::to_string(e.precision)),
                                 e.market,
                                 e.source};
    if (authored) row.push_back(authors[i]);
    table.add_row(std::move(row));
  }
  table.print(std::cout, "");
  if (more)
    std::cout << "more entries match: --after " << shown.back().entry_id << " lists the next ones\n";
}

}  // namespace

void setup_spend(CLI::App& app, GlobalOptions& global) {
  auto* spend = app.add_subcommand("spend", "record spend entries");
  spend->require_subcommand(1);
  auto o = std::make_shared<SpendRecordOptions>();
  auto* record = spend->add_subcommand("record", "record what an advertiser paid a platform over a period");
  record->add_option("--advertiser", o->advertiser, "advertiser id")->required();
  record->add_option("--platform", o->platform, "platform id")->required();
  record->add_option("--amount", o->amount,
                     "amount as a decimal: 274100, 274100.00 or 274,100.00; for a range, its lower bound (may be 0)")
      ->required();
  record->add_option("--upper", o->upper,
                     "with --precision range: the upper bound; without it the range is open at the top");
  record->add_option("--currency", o->currency, "ISO 4217 code, e.g. USD")->required();
  record->add_option("--period", o->period, "2016, 2016-Q4, 2016-10, 2016-10-26 or 2016-01-01..2016-06-30")
      ->required();
  record->add_option("--items", o->items, "number of promoted items (tweets, ads)");
  record->add_option("--items-precision", o->items_precision,
                     "how exact --items is: exact, approximate (\"about 2,200 ads\") or estimated")
      ->default_str("exact");
  record->add_option("--market", o->market, "targeted market, e.g. US or worldwide")->required();
  record->add_option("--precision", o->precision,
                     "exact, approximate, estimated, or range (bounds, as ad libraries publish spend)")
      ->default_str("exact");
  record->add_option("--source", o->source, "the citation the figure comes from")->required();
  add_source_detail_options(*record, o->details);
  record->add_option("--handle", o->handle, "the advertiser's account that paid, if known");
  record->add_option("--tag", o->tags, "a tag (repeatable)");
  record->add_option("--id", o->id, "an external id, unique in the ledger");
  record->add_option("--note", o->note, "a note on the figure");
  record->callback([&global, o] {
    require_simple_format(global);
    run_spend_record(global, *o);
  });

  auto l = std::make_shared<SpendListOptions>();
  auto* list = spend->add_subcommand(
      "list", "list spend entries, oldest first, filtered by advertiser, platform, dates, market, tag or text");
  list->add_option("--advertiser", l->advertiser, "only this advertiser's entries");
  list->add_option("--platform", l->platform, "only entries on this platform");
  list->add_option("--from,-b,--begin", l->from, "only entries whose period ends on or after this day (YYYY-MM-DD)");
  list->add_option("--to,-e,--end", l->to, "only entries whose period starts on or before this day (YYYY-MM-DD)");
  list->add_option("--market", l->market, "only entries for this market (US, worldwide, ...)");
  list->add_option("--tag", l->tag, "only entries with this tag");
  list->add_option("--source", l->source, "only entries whose source holds this text (case-insensitive)");
  list->add_option("--search", l->search,
                   "only entries whose source, note or external id holds this text (case-insensitive)");
  list->add_option("--after", l->after, "only entries after this entry number (to page through a long list)")
      ->check(CLI::Range(std::int64_t{0}, INT64_MAX));
  list->add_option("--limit", l->limit, "at most this many entries (1 to 1000000)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  list->callback([&global, l] {
    require_simple_format(global, /*reads_as_of=*/true);
    run_spend_list(global, *l);
  });

  auto r = std::make_shared<SpendReverseOptions>();
  auto* reverse = spend->add_subcommand(
      "reverse", "correct a spend entry: record a transaction that reverses it (the entry itself stays)");
  reverse->add_option("entry", r->entry, "the spend entry number (#N in reports)")->required();
  reverse->add_option("--reason", r->reason, "why it is reversed")->required();
  reverse->add_option("--source", r->source, "the citation for the correction")->required();
  add_source_detail_options(*reverse, r->details);
  reverse->callback([&global, r] {
    require_simple_format(global);
    run_spend_reverse(global, *r);
  });
}

}  // namespace adledger::cli

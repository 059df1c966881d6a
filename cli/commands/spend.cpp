// spend record: one spend entry, posted as a balanced journal transaction.
#include <iostream>

#include "cli/context.hpp"
#include "ledger/io/json_output.hpp"

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
  std::string market;
  std::vector<std::string> tags;
  std::string precision = "exact";
  std::string source;
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
  e.market = o.market;
  e.tags = o.tags;
  e.source = o.source;
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
};

void run_spend_reverse(const GlobalOptions& global, const SpendReverseOptions& o) {
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::SpendReversal r = open.ledger->reverse_spend(o.entry, o.reason, o.source);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, {{"entry", r.entry_id}, {"reason", r.reason}, {"source", r.source}, {"txn", r.txn_id}});
    return;
  }
  std::cout << said(*open.ledger, "reversed") << " spend entry #" << r.entry_id << " by transaction " << r.txn_id
            << ": " << r.reason << '\n';
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
  record->add_option("--market", o->market, "targeted market, e.g. US or worldwide")->required();
  record->add_option("--precision", o->precision,
                     "exact, approximate, estimated, or range (bounds, as ad libraries publish spend)")
      ->default_str("exact");
  record->add_option("--source", o->source, "the citation the figure comes from")->required();
  record->add_option("--handle", o->handle, "the advertiser's account that paid, if known");
  record->add_option("--tag", o->tags, "a tag (repeatable)");
  record->add_option("--id", o->id, "an external id, unique in the ledger");
  record->add_option("--note", o->note, "a note on the figure");
  record->callback([&global, o] {
    require_simple_format(global);
    run_spend_record(global, *o);
  });

  auto r = std::make_shared<SpendReverseOptions>();
  auto* reverse = spend->add_subcommand(
      "reverse", "correct a spend entry: record a transaction that reverses it (the entry itself stays)");
  reverse->add_option("entry", r->entry, "the spend entry number (#N in reports)")->required();
  reverse->add_option("--reason", r->reason, "why it is reversed")->required();
  reverse->add_option("--source", r->source, "the citation for the correction")->required();
  reverse->callback([&global, r] {
    require_simple_format(global);
    run_spend_reverse(global, *r);
  });
}

}  // namespace adledger::cli

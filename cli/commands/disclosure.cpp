// disclosure record: a total that a platform published for a whole range,
// kept as evidence beside the itemised spend and never added to it.
#include <iostream>

#include "cli/context.hpp"
#include "ledger/io/json_output.hpp"
#include "ledger/report/spend_rollup.hpp"

namespace adledger::cli {
namespace {

struct DisclosureRecordOptions {
  std::string platform;
  std::string advertiser;
  std::string amount;
  std::string currency;
  std::string period;
  std::string date;
  std::string precision = "exact";
  std::string source;
  SourceDetailOptions details;
  std::string id;
  std::string note;
};

void run_disclosure_record(const GlobalOptions& global, const DisclosureRecordOptions& o) {
  ledger::DisclosedTotal d;
  d.id = o.id;
  d.platform_id = o.platform;
  d.advertiser_id = o.advertiser;
  ledger::Currency currency = ledger::Currency::from_code(o.currency, "currency");
  d.amount = ledger::Money::parse_positive(o.amount, currency, "amount");
  d.period = ledger::Period::parse(o.period, "period");
  d.date = ledger::parse_date(o.date, "date");
  d.precision = ledger::parse_precision(o.precision, "precision");
  d.source = o.source;
  d.source_details = o.details.details();
  if (!o.note.empty()) d.note = o.note;

  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::DisclosedTotal recorded = open.ledger->record_disclosed_total(d);
  txn.commit();
  std::vector<ledger::SpendEntry> entries =
      open.store->spend(ledger::SpendQuery{recorded.advertiser_id, recorded.platform_id, recorded.period});
  ledger::DisclosureCheck check{recorded,
                                ledger::compare_itemised(entries, recorded.period, recorded.amount.currency())};
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(check));
    return;
  }
  std::cout << said(*open.ledger, "recorded") << " disclosed total " << recorded.id << ": " << recorded.platform_id << " reports "
            << money_text(recorded.amount.minor(), recorded.amount.currency()) << " from " << recorded.advertiser_id
            << " for " << recorded.period.to_string() << " (" << ledger::to_string(recorded.precision)
            << "); not added to the ledger's money\n";
  for (const ledger::Itemised& i : check.comparison.itemised)
    std::cout << "  itemised here (" << ledger::to_string(i.precision) << "): "
              << money_text(i.amount_minor, recorded.amount.currency()) << ", "
              << ledger::share_text(i.amount_minor, recorded.amount.minor()) << " of it\n";
  if (check.comparison.itemised.empty())
    std::cout << "  itemised here: nothing in " << recorded.amount.currency().code() << "\n";
  if (!check.comparison.other_currency.empty()) {
    std::vector<std::string> refs;
    for (auto id : check.comparison.other_currency) refs.push_back("#" + std::to_string(id));
    std::cout << "  not compared, being in another currency: " << join(refs, " ") << '\n';
  }
}

}  // namespace

void setup_disclosure(CLI::App& app, GlobalOptions& global) {
  auto* disclosure = app.add_subcommand("disclosure", "record totals that platforms published");
  disclosure->require_subcommand(1);
  auto o = std::make_shared<DisclosureRecordOptions>();
  auto* record = disclosure->add_subcommand(
      "record", "record a total a platform published for a whole range (not added to the ledger's money)");
  record->add_option("--platform", o->platform, "platform id")->required();
  record->add_option("--advertiser", o->advertiser, "advertiser id")->required();
  record->add_option("--amount", o->amount, "the total as a decimal: 1900000 or 1,900,000.00")->required();
  record->add_option("--currency", o->currency, "ISO 4217 code, e.g. USD")->required();
  record->add_option("--period", o->period, "the range it covers: 2011-01-01..2017-10-26, 2016, 2016-Q4, ...")
      ->required();
  record->add_option("--date", o->date, "the day the platform published it, YYYY-MM-DD")->required();
  record->add_option("--precision", o->precision, "exact, approximate or estimated")->default_str("exact");
  record->add_option("--source", o->source, "the citation the figure comes from")->required();
  add_source_detail_options(*record, o->details);
  record->add_option("--id", o->id, "an id (default: PLATFORM-ADVERTISER-disclosed-DATE)");
  record->add_option("--note", o->note, "a note on the figure");
  record->callback([&global, o] {
    require_simple_format(global);
    run_disclosure_record(global, *o);
  });
  add_withdraw_command(*disclosure, global, "withdraw", ledger::Withdrawable::DisclosedTotal);
}

}  // namespace adledger::cli

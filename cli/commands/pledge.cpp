// pledge record|disburse|withdraw|withdraw-disbursement, and the
// withdrawal command `disclosure withdraw` shares.
#include <iostream>

#include "cli/context.hpp"
#include "ledger/io/json_output.hpp"

namespace adledger::cli {
namespace {

struct PledgeRecordOptions {
  std::string id;
  std::string platform;
  std::string amount;
  std::string currency;
  std::string date;
  std::string beneficiary;
  std::string basis_advertiser;
  std::string basis_period;
  std::string source;
  SourceDetailOptions details;
  std::string note;
};

struct PledgeDisburseOptions {
  std::string pledge;
  std::string id;
  std::string amount;
  std::string currency;
  std::string date;
  std::string source;
  SourceDetailOptions details;
};

void run_pledge_record(const GlobalOptions& global, const PledgeRecordOptions& o) {
  ledger::Pledge p;
  p.id = o.id;
  p.platform_id = o.platform;
  p.amount = ledger::Money::parse_positive(o.amount, ledger::Currency::from_code(o.currency, "currency"), "amount");
  p.date = ledger::parse_date(o.date, "date");
  p.beneficiary = o.beneficiary;
  if (!o.basis_advertiser.empty()) p.basis_advertiser_id = o.basis_advertiser;
  if (!o.basis_period.empty()) p.basis_period = ledger::Period::parse(o.basis_period, "basis-period");
  p.source = o.source;
  p.source_details = o.details.details();
  if (!o.note.empty()) p.note = o.note;

  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::Pledge recorded = open.ledger->record_pledge(p);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(open.ledger->pledge_status(recorded.id)));
    return;
  }
  std::cout << said(*open.ledger, "recorded") << " pledge " << recorded.id << ": " << recorded.platform_id << " pledges "
            << money_text(recorded.amount.minor(), recorded.amount.currency()) << " to " << recorded.beneficiary;
  // The same pledge given again after it was withdrawn is that pledge, withdrawn.
  if (recorded.withdrawal) std::cout << " (withdrawn: " << recorded.withdrawal->reason << ")";
  std::cout << '\n';
}

void run_pledge_disburse(const GlobalOptions& global, const PledgeDisburseOptions& o) {
  const ledger::SourceDetails details = o.details.details();
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::PledgeStatus status = open.ledger->pledge_status(o.pledge);
  ledger::Currency currency = o.currency.empty() ? status.pledge.amount.currency()
                                                 : ledger::Currency::from_code(o.currency, "currency");
  ledger::Disbursement d;
  d.id = o.id;
  d.pledge_id = o.pledge;
  d.amount = ledger::Money::parse_positive(o.amount, currency, "amount");
  d.date = ledger::parse_date(o.date, "date");
  d.source = o.source;
  d.source_details = details;
  ledger::Disbursement recorded = open.ledger->disburse(d);
  txn.commit();
  ledger::PledgeStatus after = open.ledger->pledge_status(o.pledge);
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(after));
    return;
  }
  std::cout << said(*open.ledger, "recorded") << " disbursement " << recorded.id << " of "
            << money_text(recorded.amount.minor(), recorded.amount.currency()) << " on pledge " << o.pledge
            << "; outstanding " << money_text(after.outstanding_minor, after.pledge.amount.currency()) << '\n';
}

struct WithdrawOptions {
  std::string id;
  std::string reason;
  std::string source;
  SourceDetailOptions details;
};

std::string noun_of(ledger::Withdrawable record) {
  switch (record) {
    case ledger::Withdrawable::Pledge: return "pledge";
    case ledger::Withdrawable::Disbursement: return "disbursement";
    case ledger::Withdrawable::DisclosedTotal: return "disclosed total";
  }
  return "record";
}

void run_withdraw(const GlobalOptions& global, ledger::Withdrawable record, const WithdrawOptions& o) {
  const ledger::SourceDetails details = o.details.details();
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::RecordWithdrawal w = open.ledger->withdraw(record, o.id, o.reason, o.source, details);
  txn.commit();
  const std::string noun = noun_of(record);
  if (output_format(global) == Format::Json) {
    // As the import names the record withdrawn.
    const char* field = record == ledger::Withdrawable::Pledge         ? "pledge"
                        : record == ledger::Withdrawable::Disbursement ? "disbursement"
                                                                       : "disclosure";
    print_json(std::cout, {{"withdrawn", field},
                           {"id", o.id},
                           {"reason", w.reason},
                           {"source", w.source},
                           {"source_details", ledger::source_details_json(w.source_details)},
                           {"txn", w.txn_id > 0 ? nlohmann::json(w.txn_id) : nlohmann::json(nullptr)}});
    return;
  }
  std::cout << said(*open.ledger, "withdrew") << " " << noun << " " << o.id << ": " << w.reason
            << " (it stays in the ledger and counts for nothing"
            << (w.txn_id > 0 ? "; transaction " + std::to_string(w.txn_id) + " undoes its postings" : std::string())
            << ")\n";
}

}  // namespace

void add_withdraw_command(CLI::App& parent, GlobalOptions& global, const std::string& name,
                          ledger::Withdrawable record) {
  const std::string noun = noun_of(record);
  auto o = std::make_shared<WithdrawOptions>();
  auto* withdraw = parent.add_subcommand(
      name, "withdraw a " + noun + " recorded by mistake (it stays, and counts for nothing" +
                (record == ledger::Withdrawable::Pledge ? "; withdraw its disbursements first)" : ")"));
  withdraw->add_option("id", o->id, "the " + noun + " id")->required();
  withdraw->add_option("--reason", o->reason, "why it is withdrawn")->required();
  withdraw->add_option("--source", o->source, "the citation for the correction")->required();
  add_source_detail_options(*withdraw, o->details);
  withdraw->callback([&global, record, o] {
    require_simple_format(global);
    run_withdraw(global, record, *o);
  });
}

void setup_pledge(CLI::App& app, GlobalOptions& global) {
  auto* pledge = app.add_subcommand("pledge", "record pledges and their disbursements");
  pledge->require_subcommand(1);

  auto r = std::make_shared<PledgeRecordOptions>();
  auto* record = pledge->add_subcommand("record", "record a platform's pledge to pay a beneficiary");
  record->add_option("--platform", r->platform, "platform id")->required();
  record->add_option("--amount", r->amount, "amount pledged")->required();
  record->add_option("--currency", r->currency, "ISO 4217 code")->required();
  record->add_option("--date", r->date, "day of the pledge, YYYY-MM-DD")->required();
  record->add_option("--beneficiary", r->beneficiary, "who is to receive it")->required();
  record->add_option("--basis-advertiser", r->basis_advertiser, "the advertiser whose spend it was computed from");
  record->add_option("--basis-period", r->basis_period, "the period it was computed from");
  record->add_option("--source", r->source, "the citation")->required();
  add_source_detail_options(*record, r->details);
  record->add_option("--id", r->id, "pledge id (default: PLATFORM-pledge-DATE)");
  record->add_option("--note", r->note, "a note");
  record->callback([&global, r] {
    require_simple_format(global);
    run_pledge_record(global, *r);
  });

  auto d = std::make_shared<PledgeDisburseOptions>();
  auto* disburse = pledge->add_subcommand("disburse", "record a payment made on a pledge");
  disburse->add_option("pledge", d->pledge, "pledge id")->required();
  disburse->add_option("--amount", d->amount, "amount paid")->required();
  disburse->add_option("--currency", d->currency, "ISO 4217 code (default: the pledge's)");
  disburse->add_option("--date", d->date, "day paid, YYYY-MM-DD")->required();
  disburse->add_option("--source", d->source, "the citation")->required();
  add_source_detail_options(*disburse, d->details);
  disburse->add_option("--id", d->id, "disbursement id (default: PLEDGE-N)");
  disburse->callback([&global, d] {
    require_simple_format(global);
    run_pledge_disburse(global, *d);
  });
  add_withdraw_command(*pledge, global, "withdraw", ledger::Withdrawable::Pledge);
  add_withdraw_command(*pledge, global, "withdraw-disbursement", ledger::Withdrawable::Disbursement);
}

}  // namespace adledger::cli

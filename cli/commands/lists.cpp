// policy list, pledge list, disclosure list: the records of each kind, as
// recorded, filtered, one a line (spend list is in spend.cpp).
#include <iostream>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "ledger/report/answers.hpp"

namespace adledger::cli {
namespace {

struct ListOptions {
  std::string platform, advertiser, kind, from, to;
};

// --platform, --advertiser, --from and --to, with what each keeps.
void add_filters(CLI::App* list, ListOptions& o, const std::string& what, const char* advertiser_help,
                 const std::string& from_help, const std::string& to_help) {
  list->add_option("--platform", o.platform, "only " + what + " on this platform");
  list->add_option("--advertiser", o.advertiser, advertiser_help);
  list->add_option("--from,-b,--begin", o.from, from_help + " (YYYY-MM-DD, or a period: 2016, 2016-Q3)");
  list->add_option("--to,-e,--end", o.to, to_help + " (YYYY-MM-DD, or a period)");
}

// The filter, its values checked before the ledger is opened.
ledger::RecordFilter filter_of(const ListOptions& o) {
  return ledger::parse_record_filter(o.platform, o.advertiser, o.from, o.to, o.kind);
}

// A list: the filter checked, the ledger read (as it stood, with
// --as-of), the records as JSON or as the table `table_of` makes of them.
template <typename List, typename TableOf>
void run_list(const GlobalOptions& global, const ListOptions& o, List list, const char* none, TableOf table_of) {
  const ledger::RecordFilter filter = filter_of(o);
  OpenLedger open = open_for_reading(global);
  const auto shown = list(*open.ledger, filter);
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(shown));
    return;
  }
  if (shown.empty()) {
    std::cout << none << '\n';
    return;
  }
  table_of(shown).print(std::cout, "");
}

Table policy_table(const std::vector<ledger::PolicyAction>& shown) {
  Table table({"date", "id", "platform", "kind", "advertisers", "description"},
              std::vector<Table::Align>(6, Table::Align::Left));
  for (const ledger::PolicyAction& a : shown) {
    std::string advertisers = join(a.advertiser_ids, ", ");
    if (a.account_count) advertisers += (advertisers.empty() ? "" : "; ") + std::to_string(*a.account_count) + " accounts";
    std::string date = ledger::format_date(a.date);
    if (a.end_date) date += ".." + ledger::format_date(*a.end_date);
    table.add_row({date, a.id + (a.withdrawal ? " (withdrawn)" : ""), a.platform_id,
                   std::string(ledger::to_string(a.kind)), advertisers.empty() ? "-" : advertisers, a.description});
  }
  return table;
}

Table pledge_table(const std::vector<ledger::PledgeStatus>& shown) {
  Table table({"date", "id", "platform", "currency", "pledged", "disbursed", "outstanding", "beneficiary"},
              {Table::Align::Left, Table::Align::Left, Table::Align::Left, Table::Align::Left, Table::Align::Right,
               Table::Align::Right, Table::Align::Right, Table::Align::Left});
  for (const ledger::PledgeStatus& s : shown) {
    const ledger::Currency& c = s.pledge.amount.currency();
    table.add_row({ledger::format_date(s.pledge.date), s.pledge.id + (s.pledge.withdrawal ? " (withdrawn)" : ""),
                   s.pledge.platform_id, std::string(c.code()),
                   amount_cell(s.pledge.amount.minor(), c), amount_cell(s.disbursed_minor, c),
                   amount_cell(s.outstanding_minor, c), s.pledge.beneficiary});
  }
  return table;
}

Table disclosure_table(const std::vector<ledger::DisclosureCheck>& shown) {
  Table table({"date", "id", "advertiser", "platform", "range", "currency", "disclosed", "precision"},
              {Table::Align::Left, Table::Align::Left, Table::Align::Left, Table::Align::Left, Table::Align::Left,
               Table::Align::Left, Table::Align::Right, Table::Align::Left});
  for (const ledger::DisclosureCheck& d : shown) {
    const ledger::DisclosedTotal& t = d.disclosed;
    table.add_row({ledger::format_date(t.date), t.id + (t.withdrawal ? " (withdrawn)" : ""), t.advertiser_id, t.platform_id, t.period.to_string(),
                   std::string(t.amount.currency().code()), amount_cell(t.amount.minor(), t.amount.currency()),
                   std::string(ledger::to_string(t.precision))});
  }
  return table;
}

}  // namespace

void setup_lists(CLI::App& app, GlobalOptions& global) {
  auto policy = std::make_shared<ListOptions>();
  auto* policy_list = app.get_subcommand("policy")->add_subcommand(
      "list", "list policy actions by date: bans, lifts, suspensions, disclosures, targeting changes");
  add_filters(policy_list, *policy, "actions", "only actions that name this advertiser",
              "only actions dated on or after this day", "only actions dated on or before this day");
  policy_list->add_option("--kind", policy->kind,
                          "only actions of this kind: ad_ban, ban_lift, suspension, disclosure, targeting_change");
  policy_list->callback([&global, policy] {
    require_simple_format(global, /*reads_as_of=*/true);
    run_list(global, *policy, ledger::list_policy_actions, "no policy actions match", policy_table);
  });

  auto pledge = std::make_shared<ListOptions>();
  auto* pledge_list = app.get_subcommand("pledge")->add_subcommand(
      "list", "list pledges by date, each with what has been paid on it and what is outstanding");
  add_filters(pledge_list, *pledge, "pledges", "only pledges whose basis is this advertiser's spend",
              "only pledges made on or after this day", "only pledges made on or before this day");
  pledge_list->callback([&global, pledge] {
    require_simple_format(global, /*reads_as_of=*/true);
    run_list(global, *pledge, ledger::list_pledges, "no pledges match", pledge_table);
  });

  auto disclosure = std::make_shared<ListOptions>();
  auto* disclosure_list = app.get_subcommand("disclosure")->add_subcommand(
      "list", "list disclosed totals by date, each beside the spend itemised for its range");
  add_filters(disclosure_list, *disclosure, "totals", "only this advertiser's disclosed totals",
              "only totals whose range ends on or after this day",
              "only totals whose range starts on or before this day");
  disclosure_list->callback([&global, disclosure] {
    require_simple_format(global, /*reads_as_of=*/true);
    run_list(global, *disclosure, ledger::list_disclosures, "no disclosed totals match", disclosure_table);
  });
}

}  // namespace adledger::cli

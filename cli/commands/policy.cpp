// policy ban|lift|record: what platforms did.
#include <iostream>

#include "cli/context.hpp"
#include "ledger/io/json_output.hpp"

namespace adledger::cli {
namespace {

struct PolicyOptions {
  std::string kind;  // policy record only
  std::string id;
  std::string platform;
  std::vector<std::string> advertisers;
  std::string date;
  std::string until;
  std::string ban;
  std::optional<std::int64_t> accounts;
  std::string text;  // --reason or --description
  std::string source;
  SourceDetailOptions details;
  std::string note;
};

void run_policy(const GlobalOptions& global, ledger::PolicyKind kind, const PolicyOptions& o) {
  ledger::PolicyAction a;
  a.id = o.id;
  a.kind = kind;
  a.platform_id = o.platform;
  a.advertiser_ids = o.advertisers;
  a.date = ledger::parse_date(o.date, kind == ledger::PolicyKind::AdBan ? "effective" : "date");
  if (!o.until.empty()) a.end_date = ledger::parse_date(o.until, "until");
  if (!o.ban.empty()) a.lifts_action_id = o.ban;
  a.account_count = o.accounts;
  a.description = o.text;
  a.source = o.source;
  a.source_details = o.details.details();
  if (!o.note.empty()) a.note = o.note;

  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::PolicyAction recorded = open.ledger->record_policy_action(a);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(recorded));
    return;
  }
  std::cout << said(*open.ledger, "recorded") << " " << ledger::to_string(recorded.kind) << " " << recorded.id << " on " << recorded.platform_id
            << " dated " << ledger::format_date(recorded.date);
  if (!recorded.advertiser_ids.empty()) std::cout << " naming " << join(recorded.advertiser_ids, ", ");
  std::cout << '\n';
}

struct WithdrawOptions {
  std::string action;
  std::string reason;
  std::string source;
  SourceDetailOptions details;
};

void run_policy_withdraw(const GlobalOptions& global, const WithdrawOptions& o) {
  const ledger::SourceDetails details = o.details.details();
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  ledger::PolicyWithdrawal w = open.ledger->withdraw_action(o.action, o.reason, o.source, details);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, {{"action", w.action_id},
                           {"reason", w.reason},
                           {"source", w.source},
                           {"source_details", ledger::source_details_json(w.source_details)}});
    return;
  }
  std::cout << said(*open.ledger, "withdrew") << " policy action " << w.action_id << ": " << w.reason
            << " (it stays in the ledger and counts for nothing)\n";
}

}  // namespace

void setup_policy(CLI::App& app, GlobalOptions& global) {
  auto* policy = app.add_subcommand("policy", "record platform policy actions");
  policy->require_subcommand(1);

  auto b = std::make_shared<PolicyOptions>();
  auto* ban = policy->add_subcommand("ban", "record an ad ban: the advertisers may not buy ads from the effective date");
  ban->add_option("--platform", b->platform, "platform id")->required();
  ban->add_option("--advertiser", b->advertisers, "a banned advertiser (repeatable)")->required();
  ban->add_option("--effective", b->date, "first banned day, YYYY-MM-DD")->required();
  ban->add_option("--until", b->until, "first day allowed again, if the ban ends");
  ban->add_option("--reason", b->text, "the platform's stated reason")->required();
  ban->add_option("--source", b->source, "the citation")->required();
  add_source_detail_options(*ban, b->details);
  ban->add_option("--id", b->id, "action id (default: PLATFORM-ad-ban-DATE)");
  ban->add_option("--note", b->note, "a note");
  ban->callback([&global, b] {
    require_simple_format(global);
    run_policy(global, ledger::PolicyKind::AdBan, *b);
  });

  auto w = std::make_shared<WithdrawOptions>();
  auto* withdraw = policy->add_subcommand(
      "withdraw", "withdraw a policy action recorded by mistake (it stays, and counts for nothing)");
  withdraw->add_option("action", w->action, "the policy action id")->required();
  withdraw->add_option("--reason", w->reason, "why it is withdrawn")->required();
  withdraw->add_option("--source", w->source, "the citation for the correction")->required();
  add_source_detail_options(*withdraw, w->details);
  withdraw->callback([&global, w] {
    require_simple_format(global);
    run_policy_withdraw(global, *w);
  });

  auto l = std::make_shared<PolicyOptions>();
  auto* lift = policy->add_subcommand("lift", "record that a ban was lifted, from a date");
  lift->add_option("--platform", l->platform, "platform id")->required();
  lift->add_option("--advertiser", l->advertisers, "an advertiser the lift frees (repeatable; default: all the ban named)");
  lift->add_option("--ban", l->ban, "the ban lifted (default: every ban on these advertisers in force)");
  lift->add_option("--date", l->date, "first day allowed again, YYYY-MM-DD")->required();
  lift->add_option("--reason", l->text, "the platform's stated reason")->required();
  lift->add_option("--source", l->source, "the citation")->required();
  add_source_detail_options(*lift, l->details);
  lift->add_option("--id", l->id, "action id (default: PLATFORM-ban-lift-DATE)");
  lift->add_option("--note", l->note, "a note");
  lift->callback([&global, l] {
    require_simple_format(global);
    run_policy(global, ledger::PolicyKind::BanLift, *l);
  });

  auto r = std::make_shared<PolicyOptions>();
  auto* record = policy->add_subcommand("record", "record a suspension, disclosure or targeting-policy change");
  record->add_option("--kind", r->kind, "suspension, disclosure or targeting_change")
      ->required()
      ->check(CLI::IsMember({"suspension", "disclosure", "targeting_change"}));
  record->add_option("--platform", r->platform, "platform id")->required();
  record->add_option("--advertiser", r->advertisers, "an advertiser concerned (repeatable)");
  record->add_option("--date", r->date, "the day of the action, YYYY-MM-DD")->required();
  record->add_option("--accounts", r->accounts, "suspension: how many accounts, when counted rather than named");
  record->add_option("--description", r->text, "what the platform did")->required();
  record->add_option("--source", r->source, "the citation")->required();
  add_source_detail_options(*record, r->details);
  record->add_option("--id", r->id, "action id (default: PLATFORM-KIND-DATE)");
  record->add_option("--note", r->note, "a note");
  record->callback([&global, r] {
    require_simple_format(global);
    run_policy(global, ledger::parse_policy_kind(r->kind), *r);
  });
}

}  // namespace adledger::cli

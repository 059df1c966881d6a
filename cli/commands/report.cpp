// report advertiser|platform|policies|pledges, register and balance: the
// reports, each in every --format (table, json, csv, markdown, html).
#include <algorithm>
#include <iostream>
#include <vector>

#include "cli/context.hpp"
#include "ledger/audit/proof.hpp"
#include "ledger/error.hpp"
#include "ledger/io/json_output.hpp"
#include "ledger/report/documents.hpp"
#include "ledger/report/other_reports.hpp"

namespace adledger::cli {
namespace {

// Options that several reports share, as typed.
struct RangeOptions {
  std::string from;
  std::string to;
  std::string by;
  // A day, or a period whose first (--from) or last (--to) day it means,
  // as hledger reads -b 2016 and -e 2016-06.
  std::optional<ledger::Date> first() const { return ledger::range_bound(from, "from", true); }
  std::optional<ledger::Date> last() const { return ledger::range_bound(to, "to", false); }
  std::optional<ledger::Granularity> granularity() const {
    return by.empty() ? std::nullopt : std::optional(ledger::parse_granularity(by, "by"));
  }
};

// -M, -Q, -Y and -W, as ledger and hledger write --by month, quarter, year
// and week.
// One of them at most, and not beside --by: CLI11 runs the callbacks in
// the order the options were defined, not typed, so two would not mean
// "the last one wins".
void add_by_flags(CLI::App* sub, std::string& by, CLI::Option* by_option) {
  std::vector<CLI::Option*> flags{by_option};
  for (const auto& [flag, unit] : {std::pair{"-M,--monthly", "month"}, std::pair{"-Q,--quarterly", "quarter"},
                                   std::pair{"-Y,--yearly", "year"}, std::pair{"-W,--weekly", "week"}})
    flags.push_back(
        sub->add_flag_callback(flag, [&by, unit = std::string(unit)] { by = unit; }, std::string("--by ") + unit));
  for (CLI::Option* a : flags)
    for (CLI::Option* b : flags)
      if (a != b) a->excludes(b);
}

void add_range(CLI::App* sub, RangeOptions& o, bool with_by) {
  sub->add_option("--from,-b,--begin", o.from,
                  "first day, YYYY-MM-DD (inclusive), or a period from its first day: 2016, 2016-Q3, 2016-06");
  sub->add_option("--to,-e,--end", o.to,
                  "last day, YYYY-MM-DD (inclusive), or a period to its last day: 2016, 2016-Q3, 2016-06");
  if (with_by) {
    add_by_flags(sub, o.by,
                 sub->add_option("--by", o.by,
                                 "split spend by year, quarter, month or week (ISO weeks), pro rata by days"));
  }
}

std::optional<std::string> opt(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

// --proofs CHECKPOINT [--key KEY.pub]: the report with an inclusion proof of
// every record its figures were computed from, against a signed checkpoint
// of the ledger as it is.
struct ProofOptions {
  std::string checkpoint;
  std::optional<std::string> key;
};

void add_proofs(CLI::App* sub, ProofOptions& o) {
  sub->add_option("--proofs", o.checkpoint,
                  "a signed checkpoint of the ledger as it is (adledger head --sign): add an inclusion proof of "
                  "every record the figures come from");
  sub->add_option("--key", o.key, "with --proofs: the verifier key the checkpoint must be signed with (KEY.pub)");
}

template <typename Report>
void print_with_proofs(const GlobalOptions& global, OpenLedger& open, const Report& report, const ProofOptions& o) {
  if (o.checkpoint.empty()) {
    if (o.key) throw CLI::ValidationError("--key", "applies to --proofs CHECKPOINT");
    print_report(global, report, open);
    return;
  }
  if (!global.as_of.empty())
    throw CLI::ValidationError("--proofs", "proves the ledger as it is, and --as-of reads it as it was");
  std::string problem;
  ledger::SignedCheckpoint c = read_checkpoint(o.checkpoint, o.key, problem);
  if (!problem.empty()) throw ledger::Error(ledger::ErrorKind::Input, problem);
  const ledger::TreeHead head = open.store->tree_head();
  if (c.checkpoint.size != head.size || c.checkpoint.root != head.root)
    throw ledger::Error(ledger::ErrorKind::Input,
                        "--proofs " + ledger::quote(o.checkpoint) + ": the checkpoint is of " +
                            std::to_string(c.checkpoint.size) + " records with root " +
                            ledger::to_hex(c.checkpoint.root) + ", and the ledger now has " +
                            std::to_string(head.size) + " with root " + ledger::to_hex(head.root) +
                            "; sign a checkpoint of the ledger as it is (adledger head --sign KEY)");
  nlohmann::json json = to_json(report);
  std::vector<ledger::InclusionProof> proven =
      ledger::prove_records(*open.store, ledger::records_cited(*open.store, json), head.size);
  nlohmann::json records = nlohmann::json::array();
  for (const ledger::InclusionProof& p : proven) records.push_back(ledger::to_json(p));
  nlohmann::json proofs = {{"checkpoint", c.note},
                           {"origin", c.checkpoint.origin},
                           {"tree_size", c.checkpoint.size},
                           {"root", ledger::to_hex(c.checkpoint.root)},
                           {"records", std::move(records)}};
  json["proofs"] = std::move(proofs);
  if (wants_json(global)) {
    print_json(std::cout, json);
    return;
  }
  ledger::render::Document doc = to_document(report);
  ledger::render::Section section;
  section.title = "Proofs";
  section.lines.push_back("Every figure above was computed from " + std::to_string(proven.size()) +
                          " records of the ledger, each proven to be in the checkpoint of " + c.checkpoint.origin +
                          " at " + std::to_string(c.checkpoint.size) + " records, root " +
                          ledger::to_hex(c.checkpoint.root) + ".");
  section.lines.push_back("The report with its proofs is the same command with --format json (in HTML, the file "
                          "offered below). A reader checks every proof and recomputes the figures from the proven "
                          "records without adledger: tools/adledger-check report FILE --key KEY.pub.");
  section.attachment = ledger::render::Attachment{"report-with-proofs.json", "application/json",
                                                  json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                                                  "Download the report with its proofs (JSON)"};
  doc.sections.push_back(std::move(section));
  if (output_format(global) == Format::Html) doc.colophon = colophon(global, open);
  print_report(global, nlohmann::json(), doc);
}

// --convert CUR: the currency spend figures are given in.
std::optional<ledger::Currency> convert_to(const std::string& code) {
  if (code.empty()) return std::nullopt;
  return ledger::Currency::from_code(code, "convert");
}

constexpr const char* kConvertHelp =
    "give spend figures in this currency, each entry converted at the latest rate (rate set) on or before its "
    "period's end; entries with no rate are listed, not dropped";

struct AdvertiserOptions {
  std::string advertiser;
  RangeOptions range;
  std::string convert;
  ProofOptions proofs;
};

void run_report_advertiser(const GlobalOptions& global, const AdvertiserOptions& o) {
  check_report_format(global);
  ledger::AdvertiserReportOptions options{o.range.first(), o.range.last(), o.range.granularity(), today(),
                                          convert_to(o.convert)};
  OpenLedger open = open_for_reading(global);
  auto report = ledger::build_advertiser_report(*open.ledger, o.advertiser, options);
  print_with_proofs(global, open, report, o.proofs);
}

struct PlatformOptions {
  std::string platform;
  RangeOptions range;
  std::string convert;
  ProofOptions proofs;
};

void run_report_platform(const GlobalOptions& global, const PlatformOptions& o) {
  check_report_format(global);
  ledger::PlatformReportOptions options{o.range.first(), o.range.last(), o.range.granularity(), today(),
                                       convert_to(o.convert)};
  OpenLedger open = open_for_reading(global);
  auto report = ledger::build_platform_report(*open.ledger, o.platform, options);
  print_with_proofs(global, open, report, o.proofs);
}

struct PoliciesOptions {
  std::string platform;
  std::string advertiser;
  std::string kind;
  RangeOptions range;
};

void run_report_policies(const GlobalOptions& global, const PoliciesOptions& o) {
  check_report_format(global);
  ledger::PolicyFilter filter;
  filter.platform_id = opt(o.platform);
  filter.advertiser_id = opt(o.advertiser);
  if (!o.kind.empty()) filter.kind = ledger::parse_policy_kind(o.kind, "kind");
  filter.from = o.range.first();
  filter.to = o.range.last();
  OpenLedger open = open_for_reading(global);
  auto timeline = ledger::build_policy_timeline(*open.ledger, filter, today());
  print_report(global, timeline, open);
}

struct PledgesOptions {
  std::string platform;
  std::string advertiser;
  ProofOptions proofs;
};

void run_report_pledges(const GlobalOptions& global, const PledgesOptions& o) {
  check_report_format(global);
  OpenLedger open = open_for_reading(global);
  auto report = ledger::build_pledges_report(*open.ledger, opt(o.platform), opt(o.advertiser));
  print_with_proofs(global, open, report, o.proofs);
}

struct JournalOptions {
  std::string account;
  std::string advertiser;
  std::string platform;
  RangeOptions range;
  int depth = 0;

  ledger::JournalFilter filter() const {
    return ledger::JournalFilter{opt(account), opt(advertiser), opt(platform), range.first(), range.last()};
  }
};

void add_journal_filters(CLI::App* sub, JournalOptions& o) {
  sub->add_option("account", o.account,
                  "only accounts matching this case-insensitive regular expression (e.g. ^income or twitter)");
  sub->add_option("--advertiser", o.advertiser, "only transactions of this advertiser's spend and pledges based on it");
  sub->add_option("--platform", o.platform, "only transactions of spend on this platform and of its pledges");
}

void run_register(const GlobalOptions& global, const JournalOptions& o) {
  check_report_format(global);
  OpenLedger open = open_for_reading(global);
  auto reg = ledger::build_register(*open.ledger, o.filter());
  print_report(global, reg, open);
}

void run_balance(const GlobalOptions& global, const JournalOptions& o, bool depth_given) {
  check_report_format(global);
  ledger::BalanceOptions options{o.filter(), o.range.granularity(), std::nullopt};
  if (depth_given) options.depth = o.depth;
  OpenLedger open = open_for_reading(global);
  auto report = ledger::build_balance(*open.ledger, options);
  print_report(global, report, open);
}

}  // namespace

void setup_report(CLI::App& app, GlobalOptions& global) {
  auto* report = app.add_subcommand("report", "transparency reports");
  report->require_subcommand(1);

  auto a = std::make_shared<AdvertiserOptions>();
  auto* adv = report->add_subcommand("advertiser", "everything recorded about one advertiser, with its sources");
  adv->add_option("advertiser", a->advertiser, "advertiser id")->required();
  add_range(adv, a->range, true);
  adv->add_option("--convert", a->convert, kConvertHelp);
  add_proofs(adv, a->proofs);
  adv->callback([&global, a] { run_report_advertiser(global, *a); });

  auto p = std::make_shared<PlatformOptions>();
  auto* plat = report->add_subcommand(
      "platform", "what a platform earned from whom and when, what it did, pledged and disclosed");
  plat->add_option("platform", p->platform, "platform id")->required();
  add_range(plat, p->range, true);
  plat->add_option("--convert", p->convert, kConvertHelp);
  add_proofs(plat, p->proofs);
  plat->callback([&global, p] { run_report_platform(global, *p); });

  auto t = std::make_shared<PoliciesOptions>();
  auto* pol = report->add_subcommand("policies", "the timeline of policy actions");
  pol->add_option("--platform", t->platform, "only this platform's actions");
  pol->add_option("--advertiser", t->advertiser, "only actions naming this advertiser");
  pol->add_option("--kind", t->kind, "only this kind: ad_ban, ban_lift, suspension, disclosure, targeting_change");
  add_range(pol, t->range, false);
  pol->callback([&global, t] { run_report_policies(global, *t); });

  auto g = std::make_shared<PledgesOptions>();
  auto* pl = report->add_subcommand("pledges", "each pledge: pledged, disbursed, outstanding, and its basis beside "
                                               "the spend recorded for it");
  pl->add_option("--platform", g->platform, "only this platform's pledges");
  pl->add_option("--advertiser", g->advertiser, "only pledges based on this advertiser's spend");
  add_proofs(pl, g->proofs);
  pl->callback([&global, g] { run_report_pledges(global, *g); });
}

void setup_register(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<JournalOptions>();
  auto* sub = app.add_subcommand("register", "the journal, one posting a line, with a running balance");
  sub->alias("reg");
  add_journal_filters(sub, *o);
  add_range(sub, o->range, false);
  sub->callback([&global, o] { run_register(global, *o); });
}

void setup_balance(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<JournalOptions>();
  auto* sub = app.add_subcommand("balance", "the trial balance: every account in every currency, and the totals");
  sub->alias("bal");
  add_journal_filters(sub, *o);
  add_range(sub, o->range, false);
  add_by_flags(sub, o->range.by,
               sub->add_option("--by", o->range.by,
                               "a column per year, quarter, month or week: the change in each, by journal date (a "
                               "spend entry is posted on its period's first day; reports split it pro rata instead)"));
  auto* depth = sub->add_option("--depth", o->depth, "sum accounts to this many segments (1 = expenses, income, ...)");
  sub->callback([&global, o, depth] { run_balance(global, *o, depth->count() > 0); });
}

}  // namespace adledger::cli

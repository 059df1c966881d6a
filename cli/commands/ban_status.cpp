// ban-status: is this advertiser banned on that platform on that day?
// Exit 0 when not banned, 1 when banned (on any platform asked about).
#include <iostream>

#include "cli/context.hpp"
#include "ledger/io/json_output.hpp"

namespace adledger::cli {
namespace {

struct BanStatusOptions {
  std::string advertiser;
  std::string platform;
  std::string on;
};

std::string describe(const ledger::BanCheck& c) {
  std::string line = c.advertiser_id + " on " + c.platform_id + " on " + ledger::format_date(c.on) + ": ";
  if (!c.banned) return line + "not banned";
  line += "banned since " + ledger::format_date(c.ban->date);
  if (c.until)
    line += " until " + ledger::format_date(*c.until) + (c.lifted_by ? " (lifted by " + c.lifted_by->id + ")" : "");
  else
    line += ", no end date";
  return line + ", by " + c.ban->id;
}

int run_ban_status(const GlobalOptions& global, const BanStatusOptions& o) {
  ledger::Date on = o.on.empty() ? today() : ledger::parse_date(o.on, "on");
  OpenLedger open = open_for_reading(global);
  std::vector<ledger::BanCheck> checks;
  if (!o.platform.empty()) {
    checks.push_back(open.ledger->ban_status(o.advertiser, o.platform, on));
  } else {
    open.ledger->advertiser(o.advertiser);
    for (const auto& p : open.store->platforms()) checks.push_back(open.ledger->ban_status(o.advertiser, p.id, on));
  }
  bool banned = false;
  for (const auto& c : checks) banned = banned || c.banned;

  if (output_format(global) == Format::Json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : checks) out.push_back(ledger::to_json(c));
    print_json(std::cout, {{"advertiser", o.advertiser}, {"on", ledger::format_date(on)}, {"banned", banned},
                           {"platforms", out}});
  } else {
    if (checks.empty()) std::cout << o.advertiser << ": the ledger has no platforms\n";
    for (const auto& c : checks) {
      std::cout << describe(c) << '\n';
      if (c.banned) {
        std::cout << "  reason: " << c.ban->description << '\n';
        std::cout << "  source: " << c.ban->source << '\n';
      }
    }
  }
  return banned ? kExitBanned : kExitOk;
}

}  // namespace

void setup_ban_status(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto o = std::make_shared<BanStatusOptions>();
  auto* sub = app.add_subcommand("ban-status",
                                 "is an advertiser banned from buying ads on a platform on a day? "
                                 "exit 0: not banned, 1: banned, 2 or more: error");
  sub->add_option("--advertiser", o->advertiser, "advertiser id")->required();
  sub->add_option("--platform", o->platform, "platform id (default: every platform)");
  sub->add_option("--on", o->on, "the day, YYYY-MM-DD (default: today, UTC)");
  sub->callback([&global, &exit_code, o] {
    require_simple_format(global, true);
    exit_code = run_ban_status(global, *o);
  });
}

}  // namespace adledger::cli

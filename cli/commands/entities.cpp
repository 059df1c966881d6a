// platform add|list, advertiser add|link|list.
#include <iostream>

#include "cli/context.hpp"
#include "ledger/report/answers.hpp"

namespace adledger::cli {
namespace {

struct PlatformAddOptions {
  std::string id;
  std::string name;
};

struct AdvertiserAddOptions {
  std::string id;
  std::string name;
  std::string country;
  bool state_affiliated = false;
};

struct AdvertiserLinkOptions {
  std::string id;
  std::string platform;
  std::string handle;
};

void run_platform_add(const GlobalOptions& global, const PlatformAddOptions& o) {
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  open.ledger->add_platform(ledger::Platform{o.id, o.name});
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, {{"platform", o.id}, {"name", o.name}});
    return;
  }
  std::cout << said(*open.ledger, "added") << " platform " << o.id << " (" << o.name << ")\n";
}

void run_platform_list(const GlobalOptions& global) {
  OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
  auto platforms = open.store->platforms();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::platforms_json(*open.store));
    return;
  }
  Table table({"id", "name"}, {Table::Align::Left, Table::Align::Left});
  for (const auto& p : platforms) table.add_row({p.id, p.name});
  table.print(std::cout, "");
}

void run_advertiser_add(const GlobalOptions& global, const AdvertiserAddOptions& o) {
  OpenLedger open = open_ledger(global);
  ledger::Advertiser a{o.id, o.name, std::nullopt, o.state_affiliated};
  if (!o.country.empty()) a.country = o.country;
  ledger::WriteTransaction txn(*open.store);
  open.ledger->add_advertiser(a);
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, {{"advertiser", a.id},
                           {"name", a.name},
                           {"country", a.country ? nlohmann::json(*a.country) : nlohmann::json(nullptr)},
                           {"state_affiliated", a.state_affiliated}});
    return;
  }
  std::cout << said(*open.ledger, "added") << " advertiser " << a.id << " (" << a.name << ")\n";
}

void run_advertiser_link(const GlobalOptions& global, const AdvertiserLinkOptions& o) {
  OpenLedger open = open_ledger(global);
  ledger::WriteTransaction txn(*open.store);
  open.ledger->link_handle(ledger::Handle{o.id, o.platform, o.handle});
  txn.commit();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, {{"advertiser", o.id}, {"platform", o.platform}, {"handle", o.handle}});
    return;
  }
  std::cout << said(*open.ledger, "linked") << " " << o.handle << " on " << o.platform
            << (open.ledger->last_outcome() == ledger::Outcome::Unchanged ? " linked" : "") << " to advertiser "
            << o.id << '\n';
}

void run_advertiser_list(const GlobalOptions& global) {
  OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
  auto advertisers = open.store->advertisers();
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::advertisers_json(*open.store));
    return;
  }
  Table table({"id", "name", "country", "state", "handles"},
              {Table::Align::Left, Table::Align::Left, Table::Align::Left, Table::Align::Left, Table::Align::Left});
  for (const auto& a : advertisers) {
    std::vector<std::string> handles;
    for (const auto& h : open.store->handles_of(a.id)) handles.push_back(h.platform_id + ":" + h.handle);
    table.add_row({a.id, a.name, a.country.value_or("-"), a.state_affiliated ? "yes" : "no", join(handles, ", ")});
  }
  table.print(std::cout, "");
}

}  // namespace

void setup_platform(CLI::App& app, GlobalOptions& global) {
  auto* platform = app.add_subcommand("platform", "add or list platforms");
  platform->require_subcommand(1);

  auto add_opts = std::make_shared<PlatformAddOptions>();
  auto* add = platform->add_subcommand("add", "add a platform (twitter, facebook, ...)");
  add->add_option("id", add_opts->id, "platform id: lowercase letters, digits, - and _")->required();
  add->add_option("--name", add_opts->name, "display name, e.g. Twitter")->required();
  add->callback([&global, add_opts] {
    require_simple_format(global);
    run_platform_add(global, *add_opts);
  });

  auto* list = platform->add_subcommand("list", "list platforms");
  list->callback([&global] {
    require_simple_format(global);
    run_platform_list(global);
  });
}

void setup_advertiser(CLI::App& app, GlobalOptions& global) {
  auto* advertiser = app.add_subcommand("advertiser", "add, link or list advertisers");
  advertiser->require_subcommand(1);

  auto add_opts = std::make_shared<AdvertiserAddOptions>();
  auto* add = advertiser->add_subcommand("add", "add an advertiser");
  add->add_option("id", add_opts->id, "advertiser id: lowercase letters, digits, - and _")->required();
  add->add_option("--name", add_opts->name, "display name, e.g. \"RT (Russia Today)\"")->required();
  add->add_option("--country", add_opts->country, "ISO 3166-1 alpha-2 country code, e.g. RU");
  add->add_flag("--state-affiliated", add_opts->state_affiliated, "the advertiser is state-affiliated media");
  add->callback([&global, add_opts] {
    require_simple_format(global);
    run_advertiser_add(global, *add_opts);
  });

  auto link_opts = std::make_shared<AdvertiserLinkOptions>();
  auto* link = advertiser->add_subcommand("link", "link a platform account (handle) to an advertiser");
  link->add_option("id", link_opts->id, "advertiser id")->required();
  link->add_option("--platform", link_opts->platform, "platform id")->required();
  link->add_option("--handle", link_opts->handle, "the account's handle, e.g. @RT_com")->required();
  link->callback([&global, link_opts] {
    require_simple_format(global);
    run_advertiser_link(global, *link_opts);
  });

  auto* list = advertiser->add_subcommand("list", "list advertisers and their handles");
  list->callback([&global] {
    require_simple_format(global);
    run_advertiser_list(global);
  });
}

}  // namespace adledger::cli

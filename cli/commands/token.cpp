// token add NAME --role ROLE, token list, token revoke NAME: who may use
// `adledger serve` (server/tokens.hpp).
#include <iostream>

#include "cli/context.hpp"
#include "ledger/error.hpp"
#include "server/tokens.hpp"

namespace adledger::cli {
namespace {

nlohmann::json token_json(const ledger::ApiToken& t) {
  return {{"name", t.name},
          {"role", t.role},
          {"created_at", t.created_at},
          {"revoked_at", t.revoked_at ? nlohmann::json(*t.revoked_at) : nlohmann::json(nullptr)}};
}

}  // namespace

void setup_token(CLI::App& app, GlobalOptions& global) {
  auto* token = app.add_subcommand("token", "who may use adledger serve: tokens, kept in the ledger by their hash");
  token->require_subcommand(1);

  struct AddOptions {
    std::string name, role = "recorder";
  };
  auto add_options = std::make_shared<AddOptions>();
  auto* add = token->add_subcommand("add", "make a token and print it, this once; the ledger keeps only its hash");
  add->add_option("name", add_options->name,
                  "the token's name, the author of every record written with it (letters, digits, . _ - @)")
      ->required();
  add->add_option("--role", add_options->role,
                  "reader (reads, with serve --private), recorder (records), admin (records and corrects: "
                  "reversals, withdrawals)")
      ->check(CLI::IsMember({"reader", "recorder", "admin"}))
      ->capture_default_str();
  add->callback([&global, add_options] {
    require_simple_format(global);
    server::Role role = server::parse_role(add_options->role, "role");
    server::check_token_name(add_options->name, "name");
    OpenLedger open = open_ledger(global);
    ledger::WriteTransaction txn(*open.store);
    server::NewToken made = server::add_token(*open.store, add_options->name, role, clock()());
    txn.commit();
    if (output_format(global) == Format::Json) {
      nlohmann::json out = token_json(made.token);
      out["token"] = made.secret;
      print_json(std::cout, out);
      return;
    }
    std::cout << "added token " << made.token.name << " (" << made.token.role
              << "); it is shown this once, and the ledger keeps only its hash:\n"
              << made.secret << '\n';
  });

  auto* list = token->add_subcommand("list", "list the tokens: name, role, when made and revoked (never the tokens)");
  list->callback([&global] {
    require_simple_format(global);
    OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
    std::vector<ledger::ApiToken> tokens = open.store->api_tokens();
    if (output_format(global) == Format::Json) {
      nlohmann::json out = nlohmann::json::array();
      for (const ledger::ApiToken& t : tokens) out.push_back(token_json(t));
      print_json(std::cout, out);
      return;
    }
    if (tokens.empty()) {
      std::cout << "no tokens (adledger token add NAME --role recorder makes one)\n";
      return;
    }
    Table table({"name", "role", "created", "revoked"},
                {Table::Align::Left, Table::Align::Left, Table::Align::Left, Table::Align::Left});
    for (const ledger::ApiToken& t : tokens) table.add_row({t.name, t.role, t.created_at, t.revoked_at.value_or("")});
    table.print(std::cout, "");
  });

  auto revoke_name = std::make_shared<std::string>();
  auto* revoke = token->add_subcommand("revoke", "revoke a token: the server refuses it from its next request");
  revoke->add_option("name", *revoke_name, "the token's name")->required();
  revoke->callback([&global, revoke_name] {
    require_simple_format(global);
    OpenLedger open = open_ledger(global);
    ledger::WriteTransaction txn(*open.store);
    const std::string at = clock()();
    const bool revoked = server::revoke_token(*open.store, *revoke_name, at);
    txn.commit();
    if (output_format(global) == Format::Json) {
      for (const ledger::ApiToken& t : open.store->api_tokens())
        if (t.name == *revoke_name) print_json(std::cout, token_json(t));
      return;
    }
    if (revoked)
      std::cout << "revoked token " << *revoke_name << '\n';
    else
      std::cout << "unchanged (already revoked): token " << *revoke_name << '\n';
  });
}

}  // namespace adledger::cli

// Who may use `adledger serve`: bearer tokens, kept in the ledger by their
// SHA-256 (schema version 11).
//
// `adledger token add NAME --role ROLE` makes a token of 32 random bytes
// (OpenSSL's RAND_bytes), shows it once, and stores only its digest: a copy
// of the ledger, a backup or a published file gives no one the right to
// write. A token is long and random, so one SHA-256 suffices (a slow
// password hash guards guessable secrets, which these are not), and the
// server finds a token by its digest through the table's unique index.
//
// Roles, each allowing what the one before it does:
//   reader    reads, when the server runs with --private;
//   recorder  records: every record an import can hold, except corrections;
//   admin     also corrects: reverses spend and withdraws policy actions.
// The token's name is the author of every record written with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/storage/store.hpp"

namespace adledger::server {

enum class Role { Reader = 0, Recorder = 1, Admin = 2 };

// "reader", "recorder", "admin"; anything else is an input error naming `field`.
Role parse_role(std::string_view text, std::string_view field);
const char* role_name(Role role);

// A token's name: 1 to 64 of letters, digits, '.', '_', '-' and '@',
// starting with a letter or digit (it becomes an author, and shows in
// lists and logs).
void check_token_name(std::string_view name, std::string_view field);

// The secret a client sends: "adl_" and 43 characters of base64url.
inline constexpr std::string_view kTokenPrefix = "adl_";
ledger::Hash token_digest(std::string_view secret);

struct NewToken {
  ledger::ApiToken token;  // as stored
  std::string secret;      // shown once, never stored
};

// Adds a token, inside the caller's write transaction. A name already used,
// even by a revoked token, is refused: a name is an author, and one name
// must mean one holder in the record log.
NewToken add_token(ledger::Store& store, const std::string& name, Role role, const std::string& created_at);

// Revokes a token, inside the caller's write transaction. Returns false,
// changing nothing, when it was already revoked; an unknown name is a rule
// error (not found).
bool revoke_token(ledger::Store& store, const std::string& name, const std::string& revoked_at);

// The token an Authorization header presents ("Bearer <secret>"), if it is
// one the ledger holds, revoked or not: the caller decides. Empty when the
// header is empty, not a bearer token, or not a token of this ledger.
std::optional<ledger::ApiToken> presented_token(ledger::Store& store, std::string_view authorization);

}  // namespace adledger::server

#include "server/tokens.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

#include "ledger/error.hpp"

namespace adledger::server {

using ledger::Error;
using ledger::ErrorKind;

Role parse_role(std::string_view text, std::string_view field) {
  if (text == "reader") return Role::Reader;
  if (text == "recorder") return Role::Recorder;
  if (text == "admin") return Role::Admin;
  ledger::throw_input(field, text, "expected reader, recorder or admin");
}

const char* role_name(Role role) {
  switch (role) {
    case Role::Reader: return "reader";
    case Role::Recorder: return "recorder";
    case Role::Admin: return "admin";
  }
  return "reader";
}

void check_token_name(std::string_view name, std::string_view field) {
  constexpr std::size_t kNameMax = 64;
  if (name.empty()) ledger::throw_input(field, name, "must not be empty");
  if (name.size() > kNameMax) ledger::throw_input(field, name, "longer than 64 bytes");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) ledger::throw_input(field, name, "must start with a letter or a digit");
  for (char c : name)
    if (!alnum(c) && c != '.' && c != '_' && c != '-' && c != '@')
      ledger::throw_input(field, name, "only letters, digits, '.', '_', '-' and '@' are allowed");
}

ledger::Hash token_digest(std::string_view secret) { return ledger::sha256(secret); }

namespace {

// base64url without padding (RFC 4648, section 5).
std::string base64url(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int held = 0;
  for (std::size_t i = 0; i < n; ++i) {
    bits = (bits << 8) | bytes[i];
    held += 8;
    while (held >= 6) {
      held -= 6;
      out += kAlphabet[(bits >> held) & 63];
    }
  }
  if (held > 0) out += kAlphabet[(bits << (6 - held)) & 63];
  return out;
}

}  // namespace

NewToken add_token(ledger::Store& store, const std::string& name, Role role, const std::string& created_at) {
  check_token_name(name, "name");
  for (const ledger::ApiToken& t : store.api_tokens())
    if (t.name == name)
      throw Error(ErrorKind::Rule,
                  "name " + ledger::quote(name) + ": a token of that name was made on " + t.created_at +
                      (t.revoked_at ? " (revoked on " + *t.revoked_at + ")" : std::string()) +
                      "; a name is the author of what its token writes, so it is never given twice: choose another",
                  ledger::Reason::Conflict);
  std::array<std::uint8_t, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    throw Error(ErrorKind::Storage, "token: the system's random number generator failed (OpenSSL error " +
                                        std::to_string(ERR_get_error()) + ")");
  NewToken made;
  made.secret = std::string(kTokenPrefix) + base64url(random.data(), random.size());
  made.token = ledger::ApiToken{name, role_name(role), token_digest(made.secret), created_at, std::nullopt};
  store.add_api_token(made.token);
  return made;
}

bool revoke_token(ledger::Store& store, const std::string& name, const std::string& revoked_at) {
  for (const ledger::ApiToken& t : store.api_tokens()) {
    if (t.name != name) continue;
    if (t.revoked_at) return false;
    store.revoke_api_token(name, revoked_at);
    return true;
  }
  throw Error(ErrorKind::Rule, "name " + ledger::quote(name) + ": no such token (adledger token list shows them)",
              ledger::Reason::NotFound);
}

std::optional<ledger::ApiToken> presented_token(ledger::Store& store, std::string_view authorization) {
  // The scheme is case-insensitive (RFC 9110, section 11.1); one or more
  // spaces follow it.
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  std::string_view secret = authorization.substr(kScheme.size());
  if (secret.empty() || secret.front() != ' ') return std::nullopt;
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  while (!secret.empty() && secret.back() == ' ') secret.remove_suffix(1);
  if (!secret.starts_with(kTokenPrefix) || secret.size() > 128) return std::nullopt;
  return store.find_api_token(token_digest(secret));
}

}  // namespace adledger::server

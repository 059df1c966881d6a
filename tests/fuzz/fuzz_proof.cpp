// libFuzzer target: what a reader's checker parses, signed checkpoints and
// proofs, both of which come from whoever hands them over.
//
// The first byte chooses: even, the rest is a signed checkpoint; odd, a
// proof as JSON. For any bytes, parse_checkpoint and parse_proof either
// throw an input error with a printable one-line message or give a value:
// a checkpoint of exactly three lines writes back to its own text, and its
// signature check against a fixed key either passes or throws an input
// error; a proof's verification algorithms give a root or nothing, never
// crash, whatever its sizes and path. base64_decode of any text either
// fails or encodes back to the very same text. Any other exception, an
// assert, or a sanitizer report is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_message.hpp"
#include "ledger/audit/checkpoint.hpp"
#include "ledger/audit/proof.hpp"
#include "ledger/error.hpp"

namespace {

[[noreturn]] void bug(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_proof: BUG: %s: %.*s\n", what, static_cast<int>(detail.size() > 300 ? 300 : detail.size()),
               detail.data());
  std::abort();
}

void check_message(const ledger::Error& e) {
  std::string_view m = e.what();
  if (e.kind() != ledger::ErrorKind::Input) bug("not an input error", m);
  if (const char* why = unprintable(m)) bug(why, m);
  if (m.size() > 1200) bug("message too long", m);
}

// The key of Go's note package example, public: any key would do.
const ledger::VerifierKey& key() {
  static const ledger::VerifierKey k =
      ledger::parse_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key");
  return k;
}

void checkpoint(std::string_view text) {
  std::optional<std::string> decoded = ledger::base64_decode(text);
  if (decoded && ledger::base64_encode(*decoded) != text) bug("base64 does not round-trip", text);
  ledger::SignedCheckpoint c;
  try {
    c = ledger::parse_checkpoint(text, "checkpoint");
  } catch (const ledger::Error& e) {
    check_message(e);
    return;
  }
  if (c.text.empty() || c.text.back() != '\n') bug("note text does not end a line", c.text);
  if (std::count(c.text.begin(), c.text.end(), '\n') == 3 && ledger::checkpoint_text(c.checkpoint) != c.text)
    bug("checkpoint does not write back to its text", c.text);
  try {
    ledger::check_signature(c, key(), "checkpoint");
  } catch (const ledger::Error& e) {
    check_message(e);
  }
}

void proof(std::string_view text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return;
  try {
    auto p = ledger::parse_proof(value, "proof");
    if (auto* inclusion = std::get_if<ledger::InclusionProof>(&p)) {
      (void)ledger::root_from_inclusion(inclusion->leaf_index, inclusion->tree_size, ledger::leaf_hash(inclusion->line),
                                        inclusion->path);
    } else {
      auto& consistency = std::get<ledger::ConsistencyProof>(p);
      (void)ledger::roots_from_consistency(consistency.first_size, consistency.second_size, consistency.first_root,
                                           consistency.path);
    }
  } catch (const ledger::Error& e) {
    check_message(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] % 2 == 0) checkpoint(text);
    else proof(text);
  } catch (const std::exception& e) {
    bug("unexpected exception", e.what());
  }
  return 0;
}

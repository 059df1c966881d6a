// Signed checkpoints: the head of the record log, signed by its publisher,
// in the text format transparency logs share (C2SP tlog-checkpoint, a C2SP
// signed note, as Go's checksum database, Sigstore and Trillian write it):
//
//   <origin>\n                 the log's name, e.g. example.org/adledger
//   <tree size>\n              decimal
//   <root>\n                   the Merkle tree's root, standard base64
//   \n
//   — <key name> <base64(key id || Ed25519 signature of the three lines)>\n
//
// The key id is the first 4 bytes of SHA-256(key name || "\n" || 0x01 ||
// public key). A verifier key is written `name+<key id, 8 hex>+<base64(0x01
// || public key)>`; a signing key `PRIVATE+KEY+name+<key id>+<base64(0x01 ||
// seed)>`, the formats of golang.org/x/mod/sumdb/note, so that existing
// tools read both. Ed25519 comes from OpenSSL's libcrypto.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/audit/chain.hpp"

namespace ledger {

struct SigningKey {
  std::string name;
  std::array<std::uint8_t, 32> seed{};
  std::array<std::uint8_t, 32> public_key{};
  std::uint32_t key_id = 0;
};

struct VerifierKey {
  std::string name;
  std::array<std::uint8_t, 32> public_key{};
  std::uint32_t key_id = 0;
};

// A new key pair; `name` must be a key name (non-empty, at most 256 bytes,
// printable ASCII with no space and no '+').
SigningKey generate_key(const std::string& name);
std::string format_signing_key(const SigningKey& key);
std::string format_verifier_key(const VerifierKey& key);
VerifierKey verifier_of(const SigningKey& key);
// Read the key formats above; throw an input error naming `where`.
SigningKey parse_signing_key(std::string_view text, const std::string& where);
VerifierKey parse_verifier_key(std::string_view text, const std::string& where);

struct Checkpoint {
  std::string origin;
  std::int64_t size = 0;
  Hash root{};
};

// The checkpoint's note text (its three lines), and the note signed by
// `key`: the text, a blank line and the signature line.
std::string checkpoint_text(const Checkpoint& checkpoint);
std::string sign_checkpoint(const Checkpoint& checkpoint, const SigningKey& key);
// Any note text (lines ending in newlines, none blank), signed.
std::string sign_note(const std::string& text, const SigningKey& key);

struct SignatureLine {
  std::string key_name;
  std::uint32_t key_id = 0;
  std::string signature;  // 64 bytes
};
struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string note;                       // the whole note, as given
  std::string text;                       // the signed bytes
  std::vector<SignatureLine> signatures;  // in the order given
};

// Reads a signed checkpoint; throws an input error naming `where` and the
// line that is wrong. Its signatures are read, not yet checked.
SignedCheckpoint parse_checkpoint(std::string_view note, const std::string& where);
// Checks the signature of `key` on the checkpoint; throws an input error
// naming `where` when there is none by that key or it does not verify.
void check_signature(const SignedCheckpoint& checkpoint, const VerifierKey& key, const std::string& where);

std::string base64_encode(std::string_view bytes);
// Standard base64 with padding, strictly: nothing else decodes.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ledger

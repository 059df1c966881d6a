#include "ledger/audit/checkpoint.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include "ledger/error.hpp"

namespace ledger {
namespace {

constexpr std::uint8_t kEd25519 = 0x01;      // the signed-note algorithm byte of Ed25519
constexpr std::string_view kDash = "\xE2\x80\x94 ";  // U+2014 EM DASH and a space: a signature line
constexpr std::size_t kNoteBytesMax = 1 << 16;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

[[noreturn]] void crypto_failed(const char* what) {
  throw Error(ErrorKind::Storage, std::string("Ed25519 ") + what + " failed (OpenSSL libcrypto)");
}

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw Error(ErrorKind::Input, where + ": " + what);
}

std::string_view bytes_of(const std::array<std::uint8_t, 32>& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

std::uint32_t key_id_of(const std::string& name, const std::array<std::uint8_t, 32>& public_key) {
  std::string data = name;
  data += '\n';
  data += static_cast<char>(kEd25519);
  data.append(bytes_of(public_key));
  Hash h = sha256(data);
  return (std::uint32_t{h[0]} << 24) | (std::uint32_t{h[1]} << 16) | (std::uint32_t{h[2]} << 8) | h[3];
}

std::string hex8(std::uint32_t id) {
  static const char* digits = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, id >>= 4) out[static_cast<std::size_t>(i)] = digits[id & 0xf];
  return out;
}

std::optional<std::uint32_t> parse_hex8(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  std::uint32_t id = 0;
  for (char c : text) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    id = (id << 4) | static_cast<std::uint32_t>(v);
  }
  return id;
}

// A key name as signed notes allow it, kept to printable ASCII.
std::optional<std::string> key_name_problem(std::string_view name) {
  if (name.empty()) return "a key name is empty";
  if (name.size() > 256) return "a key name is at most 256 bytes";
  for (char c : name)
    if (c <= 0x20 || c >= 0x7f || c == '+')
      return "a key name is printable ASCII with no space and no '+' (such as example.org/adledger)";
  return std::nullopt;
}

std::array<std::uint8_t, 32> public_of_seed(const std::array<std::uint8_t, 32>& seed) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!key) crypto_failed("key");
  std::array<std::uint8_t, 32> out{};
  std::size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.data(), &length) != 1 || length != out.size()) crypto_failed("key");
  return out;
}

// Splits `text` at its first `n - 1` '+' signs, as Go's note package does:
// the last field, base64, may hold '+' itself.
std::vector<std::string_view> split_plus(std::string_view text, std::size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    std::size_t at = text.find('+');
    if (at == std::string_view::npos) break;
    out.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  out.push_back(text);
  return out;
}

// The key material of "<base64(0x01 || 32 bytes)>".
std::optional<std::array<std::uint8_t, 32>> key_bytes(std::string_view text) {
  std::optional<std::string> raw = base64_decode(text);
  if (!raw || raw->size() != 33 || static_cast<std::uint8_t>((*raw)[0]) != kEd25519) return std::nullopt;
  std::array<std::uint8_t, 32> out{};
  std::memcpy(out.data(), raw->data() + 1, 32);
  return out;
}

std::string key_text(const std::array<std::uint8_t, 32>& bytes) {
  std::string raw(1, static_cast<char>(kEd25519));
  raw.append(bytes_of(bytes));
  return base64_encode(raw);
}

std::string_view trim_newline(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 16) |
                      (std::uint32_t{static_cast<std::uint8_t>(bytes[i + 1])} << 8) |
                      static_cast<std::uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(v >> shift) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 16;
    if (rest == 2) v |= std::uint32_t{static_cast<std::uint8_t>(bytes[i + 1])} << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      int d = j >= 4 - pad ? 0 : value(text[i + static_cast<std::size_t>(j)]);
      if (d < 0) return std::nullopt;
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    // The bits a padded group leaves over must be zero: one text, one value.
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) return std::nullopt;
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

SigningKey generate_key(const std::string& name) {
  if (auto problem = key_name_problem(name)) throw Error(ErrorKind::Input, "key name " + quote(name) + ": " + *problem);
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) crypto_failed("key generation");
  SigningKey out;
  out.name = name;
  std::size_t length = out.seed.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), out.seed.data(), &length) != 1 || length != 32)
    crypto_failed("key generation");
  length = out.public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.public_key.data(), &length) != 1 || length != 32)
    crypto_failed("key generation");
  out.key_id = key_id_of(name, out.public_key);
  return out;
}

VerifierKey verifier_of(const SigningKey& key) { return VerifierKey{key.name, key.public_key, key.key_id}; }

std::string format_signing_key(const SigningKey& key) {
  return "PRIVATE+KEY+" + key.name + "+" + hex8(key.key_id) + "+" + key_text(key.seed);
}

std::string format_verifier_key(const VerifierKey& key) {
  return key.name + "+" + hex8(key.key_id) + "+" + key_text(key.public_key);
}

SigningKey parse_signing_key(std::string_view text, const std::string& where) {
  text = trim_newline(text);
  std::vector<std::string_view> f = split_plus(text, 5);
  if (f.size() != 5 || f[0] != "PRIVATE" || f[1] != "KEY")
    refuse(where, "not a signing key (PRIVATE+KEY+<name>+<key id>+<key>, as adledger key generate writes it)");
  SigningKey key;
  key.name = std::string(f[2]);
  if (auto problem = key_name_problem(key.name)) refuse(where, *problem);
  std::optional<std::uint32_t> id = parse_hex8(f[3]);
  std::optional<std::array<std::uint8_t, 32>> seed = key_bytes(f[4]);
  if (!id || !seed) refuse(where, "not a signing key: its key id or its key does not decode");
  key.seed = *seed;
  key.public_key = public_of_seed(key.seed);
  key.key_id = key_id_of(key.name, key.public_key);
  if (key.key_id != *id) refuse(where, "the key id " + hex8(*id) + " is not the key's own (" + hex8(key.key_id) + "): the file was altered");
  return key;
}

VerifierKey parse_verifier_key(std::string_view text, const std::string& where) {
  text = trim_newline(text);
  std::vector<std::string_view> f = split_plus(text, 3);
  if (f.size() != 3)
    refuse(where, "not a verifier key (<name>+<key id>+<key>, as adledger key generate writes it in KEY.pub)");
  VerifierKey key;
  key.name = std::string(f[0]);
  if (auto problem = key_name_problem(key.name)) refuse(where, *problem);
  std::optional<std::uint32_t> id = parse_hex8(f[1]);
  std::optional<std::array<std::uint8_t, 32>> public_key = key_bytes(f[2]);
  if (!id || !public_key) refuse(where, "not a verifier key: its key id or its Ed25519 key does not decode");
  key.public_key = *public_key;
  key.key_id = key_id_of(key.name, key.public_key);
  if (key.key_id != *id)
    refuse(where, "the key id " + hex8(*id) + " is not the key's own (" + hex8(key.key_id) + "): the key was altered");
  return key;
}

std::string checkpoint_text(const Checkpoint& c) {
  std::string_view root(reinterpret_cast<const char*>(c.root.data()), c.root.size());
  return c.origin + "\n" + std::to_string(c.size) + "\n" + base64_encode(root) + "\n";
}

std::string sign_checkpoint(const Checkpoint& c, const SigningKey& key) {
  for (char ch : c.origin)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      throw Error(ErrorKind::Input, "origin " + quote(c.origin) + ": a checkpoint's origin is one line of text");
  if (c.origin.empty() || c.origin.size() > 256)
    throw Error(ErrorKind::Input, "origin " + quote(c.origin) + ": an origin is 1 to 256 bytes");
  return sign_note(checkpoint_text(c), key);
}

std::string sign_note(const std::string& text, const SigningKey& key) {
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.seed.data(), key.seed.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(4 + 64, '\0');
  signature[0] = static_cast<char>(key.key_id >> 24);
  signature[1] = static_cast<char>(key.key_id >> 16);
  signature[2] = static_cast<char>(key.key_id >> 8);
  signature[3] = static_cast<char>(key.key_id);
  std::size_t length = 64;
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data() + 4), &length,
                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) != 1 ||
      length != 64)
    crypto_failed("signing");
  return text + "\n" + std::string(kDash) + key.name + " " + base64_encode(signature) + "\n";
}

SignedCheckpoint parse_checkpoint(std::string_view note, const std::string& where) {
  if (note.size() > kNoteBytesMax) refuse(where, "over 64 KiB: not a checkpoint");
  std::size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos)
    refuse(where, "no signature: a signed checkpoint ends with a blank line and a signature line (adledger head --sign)");
  SignedCheckpoint out;
  out.note = std::string(note);
  out.text = std::string(note.substr(0, blank + 1));
  // The note: origin, size, root, and any extension lines.
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < out.text.size();) {
    std::size_t end = out.text.find('\n', start);
    lines.push_back(std::string_view(out.text).substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 3) refuse(where, "a checkpoint has an origin, a size and a root, one a line");
  for (std::size_t i = 0; i < lines.size(); ++i)
    for (char ch : lines[i])
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
        refuse(where, "line " + std::to_string(i + 1) + " holds a control character");
  if (lines[0].empty()) refuse(where, "line 1: the origin is empty");
  out.checkpoint.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  bool digits = !size.empty() && size.size() <= 19 && (size == "0" || size[0] != '0');
  for (char ch : size) digits = digits && ch >= '0' && ch <= '9';
  if (!digits) refuse(where, "line 2: the size " + quote(std::string(size)) + " is not a record count");
  std::int64_t n = 0;
  for (char ch : size) {
    if (n > (INT64_MAX - 9) / 10) refuse(where, "line 2: the size " + quote(std::string(size)) + " is too large");
    n = n * 10 + (ch - '0');
  }
  out.checkpoint.size = n;
  std::optional<std::string> root = base64_decode(lines[2]);
  if (!root || root->size() != 32)
    refuse(where, "line 3: the root " + quote(std::string(lines[2])) + " is not a 32-byte hash in base64");
  std::memcpy(out.checkpoint.root.data(), root->data(), 32);
  // The signatures, one a line.
  std::string_view rest = note.substr(blank + 2);
  std::size_t line_no = lines.size() + 2;
  if (rest.empty()) refuse(where, "no signature line after the blank line");
  while (!rest.empty()) {
    std::size_t end = rest.find('\n');
    if (end == std::string_view::npos) refuse(where, "line " + std::to_string(line_no) + ": does not end with a newline");
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    if (!line.starts_with(kDash))
      refuse(where, "line " + std::to_string(line_no) + ": not a signature line (\"\xE2\x80\x94 <key name> <signature>\")");
    line.remove_prefix(kDash.size());
    std::size_t space = line.rfind(' ');
    if (space == std::string_view::npos) refuse(where, "line " + std::to_string(line_no) + ": no signature after the key name");
    SignatureLine sig;
    sig.key_name = std::string(line.substr(0, space));
    if (auto problem = key_name_problem(sig.key_name)) refuse(where, "line " + std::to_string(line_no) + ": " + *problem);
    std::optional<std::string> raw = base64_decode(line.substr(space + 1));
    if (!raw || raw->size() < 5) refuse(where, "line " + std::to_string(line_no) + ": the signature is not base64 of a key id and a signature");
    sig.key_id = (std::uint32_t{static_cast<std::uint8_t>((*raw)[0])} << 24) |
                 (std::uint32_t{static_cast<std::uint8_t>((*raw)[1])} << 16) |
                 (std::uint32_t{static_cast<std::uint8_t>((*raw)[2])} << 8) | static_cast<std::uint8_t>((*raw)[3]);
    sig.signature = raw->substr(4);
    out.signatures.push_back(std::move(sig));
    ++line_no;
  }
  return out;
}

void check_signature(const SignedCheckpoint& c, const VerifierKey& key, const std::string& where) {
  const SignatureLine* found = nullptr;
  for (const SignatureLine& s : c.signatures)
    if (s.key_name == key.name && s.key_id == key.key_id) found = &s;
  if (!found) {
    std::string by;
    for (const SignatureLine& s : c.signatures) by += (by.empty() ? "" : ", ") + s.key_name + "+" + hex8(s.key_id);
    refuse(where, "no signature by key " + key.name + "+" + hex8(key.key_id) + " (it is signed by " + by + ")");
  }
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.public_key.data(), key.public_key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) crypto_failed("verification");
  bool ok = found->signature.size() == 64 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(found->signature.data()),
                             found->signature.size(), reinterpret_cast<const unsigned char*>(c.text.data()),
                             c.text.size()) == 1;
  if (!ok)
    refuse(where, "the signature by " + key.name + "+" + hex8(key.key_id) +
                      " does not verify: the checkpoint was altered after it was signed, or signed by another key");
}

}  // namespace ledger

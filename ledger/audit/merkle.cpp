#include "ledger/audit/merkle.hpp"

#include <openssl/evp.h>

#include <bit>
#include <cstring>

#include "ledger/error.hpp"

namespace ledger {
namespace {

// One SHA-256 context, reused: a million-record import hashes two or three
// times a record, and fetching the algorithm each time showed in profiles.
class Sha256 {
 public:
  Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (!md_ || !ctx_) throw Error(ErrorKind::Storage, "SHA-256 is not available (OpenSSL libcrypto)");
  }
  ~Sha256() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Hash digest(std::uint8_t prefix, std::string_view a, std::string_view b = {}) {
    Hash out{};
    unsigned int length = 0;
    bool ok = EVP_DigestInit_ex2(ctx_, md_, nullptr) == 1 && EVP_DigestUpdate(ctx_, &prefix, 1) == 1 &&
              EVP_DigestUpdate(ctx_, a.data(), a.size()) == 1 &&
              (b.empty() || EVP_DigestUpdate(ctx_, b.data(), b.size()) == 1) &&
              EVP_DigestFinal_ex(ctx_, out.data(), &length) == 1;
    if (!ok || length != out.size()) throw Error(ErrorKind::Storage, "SHA-256 failed (OpenSSL libcrypto)");
    return out;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

Sha256& hasher() {
  thread_local Sha256 sha;
  return sha;
}

std::string_view bytes(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }

}  // namespace

Hash leaf_hash(std::string_view entry) { return hasher().digest(0x00, entry); }

Hash node_hash(const Hash& left, const Hash& right) { return hasher().digest(0x01, bytes(left), bytes(right)); }

Hash empty_root() { return sha256(""); }

void CompactRange::append(const Hash& leaf) {
  // Merge the new leaf with the subtrees it completes: one per trailing
  // one bit of the old size.
  Hash carry = leaf;
  for (std::int64_t s = size_; s & 1; s >>= 1) {
    carry = node_hash(nodes_.back(), carry);
    nodes_.pop_back();
  }
  nodes_.push_back(carry);
  ++size_;
}

void CompactRange::append(const Hash& leaf, int min_level, std::vector<TreeNode>& completed) {
  Hash carry = leaf;
  const std::int64_t after = size_ + 1;
  if (min_level == 0) completed.push_back(TreeNode{0, size_, carry});
  int level = 0;
  for (std::int64_t s = size_; s & 1; s >>= 1) {
    carry = node_hash(nodes_.back(), carry);
    nodes_.pop_back();
    ++level;
    if (level >= min_level) completed.push_back(TreeNode{level, (after >> level) - 1, carry});
  }
  nodes_.push_back(carry);
  size_ = after;
}

Hash CompactRange::root() const {
  if (nodes_.empty()) return empty_root();
  Hash acc = nodes_.back();
  for (auto it = nodes_.rbegin() + 1; it != nodes_.rend(); ++it) acc = node_hash(*it, acc);
  return acc;
}

std::string CompactRange::serialize() const {
  std::string out;
  out.reserve(nodes_.size() * 32);
  for (const Hash& h : nodes_) out.append(bytes(h));
  return out;
}

CompactRange CompactRange::parse(std::int64_t size, std::string_view data) {
  if (size < 0 || data.size() != static_cast<std::size_t>(std::popcount(static_cast<std::uint64_t>(size))) * 32)
    throw Error(ErrorKind::Storage, "the stored Merkle tree edge of " + std::to_string(size) + " records has " +
                                        std::to_string(data.size()) + " bytes, not 32 for each subtree");
  CompactRange r;
  r.size_ = size;
  for (std::size_t at = 0; at < data.size(); at += 32) {
    Hash h{};
    std::memcpy(h.data(), data.data() + at, 32);
    r.nodes_.push_back(h);
  }
  return r;
}

}  // namespace ledger

// The Merkle tree proofs (RFC 9162) and signed checkpoints (C2SP signed
// notes), without a ledger. tests/e2e/check_proofs.py compares the proofs
// with an independent implementation in Python; these check that the
// verification algorithms accept every honest proof and refuse altered ones,
// and that the checkpoint format is the one Go's note package writes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ledger/audit/checkpoint.hpp"
#include "ledger/audit/proof.hpp"
#include "test_support.hpp"

namespace {

using ledger::ErrorKind;
using ledger::Hash;

// A tree of n leaves held in memory, every subtree hashed from its leaves.
class Leaves final : public ledger::SubtreeHashes {
 public:
  explicit Leaves(std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) leaves_.push_back(ledger::leaf_hash("leaf " + std::to_string(i)));
  }
  Hash perfect(int level, std::int64_t index) override {
    std::vector<Hash> h(leaves_.begin() + (index << level), leaves_.begin() + ((index + 1) << level));
    while (h.size() > 1) {
      for (std::size_t i = 0; i < h.size() / 2; ++i) h[i] = ledger::node_hash(h[2 * i], h[2 * i + 1]);
      h.resize(h.size() / 2);
    }
    return h.front();
  }
  const Hash& leaf(std::int64_t i) const { return leaves_[static_cast<std::size_t>(i)]; }

 private:
  std::vector<Hash> leaves_;
};

Hash flipped(Hash h) {
  h[31] ^= 1;
  return h;
}

TEST(MerkleProofs, TheRootOfEverySizeIsTheCompactRangesRoot) {
  Leaves t(200);
  ledger::CompactRange range;
  for (std::int64_t n = 1; n <= 200; ++n) {
    range.append(t.leaf(n - 1));
    EXPECT_EQ(ledger::subtree_root(t, 0, n), range.root()) << n;
  }
}

TEST(MerkleProofs, EveryInclusionProofVerifiesAndNoAlteredOneDoes) {
  Leaves t(70);
  for (std::int64_t n = 1; n <= 70; ++n) {
    const Hash root = ledger::subtree_root(t, 0, n);
    for (std::int64_t i = 0; i < n; ++i) {
      std::vector<Hash> path = ledger::inclusion_path(t, i, n);
      ASSERT_EQ(ledger::root_from_inclusion(i, n, t.leaf(i), path), std::optional<Hash>(root)) << i << " of " << n;
      // Another leaf, index or size leads elsewhere or nowhere.
      EXPECT_NE(ledger::root_from_inclusion(i, n, flipped(t.leaf(i)), path), std::optional<Hash>(root));
      if (n > 1) {
        EXPECT_NE(ledger::root_from_inclusion((i + 1) % n, n, t.leaf(i), path), std::optional<Hash>(root));
      }
      // (A path can fit another size too: the size a checker uses is the
      // checkpoint's, never the proof's alone.)
      for (std::size_t k = 0; k < path.size(); ++k) {
        std::vector<Hash> bad = path;
        bad[k] = flipped(bad[k]);
        EXPECT_NE(ledger::root_from_inclusion(i, n, t.leaf(i), bad), std::optional<Hash>(root));
      }
      std::vector<Hash> longer = path;
      longer.push_back(root);
      EXPECT_EQ(ledger::root_from_inclusion(i, n, t.leaf(i), longer), std::nullopt);
    }
    EXPECT_EQ(ledger::root_from_inclusion(n, n, t.leaf(0), {}), std::nullopt);
  }
}

TEST(MerkleProofs, EveryConsistencyProofVerifiesAndNoAlteredOneDoes) {
  Leaves t(70);
  for (std::int64_t n = 1; n <= 70; ++n) {
    const Hash second = ledger::subtree_root(t, 0, n);
    for (std::int64_t m = 1; m <= n; ++m) {
      const Hash first = ledger::subtree_root(t, 0, m);
      std::vector<Hash> path = ledger::consistency_path(t, m, n);
      if (m == n) {
        EXPECT_TRUE(path.empty());
      }
      std::optional<ledger::ConsistencyRoots> roots = ledger::roots_from_consistency(m, n, first, path);
      ASSERT_TRUE(roots) << m << " to " << n;
      EXPECT_EQ(roots->first, first);
      EXPECT_EQ(roots->second, second);
      for (std::size_t k = 0; k < path.size(); ++k) {
        std::vector<Hash> bad = path;
        bad[k] = flipped(bad[k]);
        std::optional<ledger::ConsistencyRoots> r = ledger::roots_from_consistency(m, n, first, bad);
        EXPECT_TRUE(!r || r->first != first || r->second != second) << m << " to " << n << " hash " << k;
      }
      if (m < n) {
        std::optional<ledger::ConsistencyRoots> r = ledger::roots_from_consistency(m, n, flipped(first), path);
        EXPECT_TRUE(!r || r->first != flipped(first) || r->second != second);
      }
    }
  }
  EXPECT_EQ(ledger::roots_from_consistency(0, 5, Hash{}, {}), std::nullopt);
  EXPECT_EQ(ledger::roots_from_consistency(6, 5, Hash{}, {}), std::nullopt);
  EXPECT_EQ(ledger::roots_from_consistency(3, 5, Hash{}, {}), std::nullopt);
}

TEST(MerkleProofs, ProofsAreLogarithmic) {
  Leaves t(1000);
  for (std::int64_t i : {0, 1, 511, 512, 999}) EXPECT_LE(ledger::inclusion_path(t, i, 1000).size(), 10u);
  for (std::int64_t m : {1, 3, 512, 999}) EXPECT_LE(ledger::consistency_path(t, m, 1000).size(), 20u);
}

// ---------------------------------------------------------------------------
// Signed notes and checkpoints

// The example of golang.org/x/mod/sumdb/note, the reference implementation
// of the signed-note format: the key, the text and the signed note.
constexpr const char* kGoSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr const char* kGoVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr const char* kGoText =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
constexpr const char* kGoSignature =
    "\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(SignedNotes, GoesByteForByteAsGosNotePackage) {
  ledger::SigningKey key = ledger::parse_signing_key(kGoSigner, "key");
  EXPECT_EQ(key.name, "PeterNeumann");
  EXPECT_EQ(key.key_id, 0xc74f20a3u);
  EXPECT_EQ(ledger::format_signing_key(key), kGoSigner);
  EXPECT_EQ(ledger::format_verifier_key(ledger::verifier_of(key)), kGoVerifier);
  EXPECT_EQ(ledger::sign_note(kGoText, key), std::string(kGoText) + "\n" + kGoSignature);
  ledger::VerifierKey verifier = ledger::parse_verifier_key(kGoVerifier, "key");
  EXPECT_EQ(verifier.key_id, 0xc74f20a3u);
  EXPECT_EQ(verifier.public_key, key.public_key);
}

TEST(SignedNotes, AlteredKeysAreRefused) {
  EXPECT_ERROR(ErrorKind::Input, "the key id c74f20a4 is not the key's own (c74f20a3)",
               ledger::parse_verifier_key("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "k"));
  EXPECT_ERROR(ErrorKind::Input, "the key id c74f20a3 is not the key's own",
               ledger::parse_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX", "k"));
  EXPECT_ERROR(ErrorKind::Input, "not a verifier key", ledger::parse_verifier_key("PeterNeumann+c74f20a3", "k"));
  EXPECT_ERROR(ErrorKind::Input, "its key id or its Ed25519 key does not decode",
               ledger::parse_verifier_key("PeterNeumann+c74f20a3+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "k"));
  EXPECT_ERROR(ErrorKind::Input, "not a signing key", ledger::parse_signing_key(kGoVerifier, "k"));
  EXPECT_ERROR(ErrorKind::Input, "key name \"a b\": a key name is printable ASCII", ledger::generate_key("a b"));
  EXPECT_ERROR(ErrorKind::Input, "a key name is printable ASCII", ledger::generate_key("a+b"));
}

struct Signed {
  ledger::SigningKey key = ledger::generate_key("example.org/adledger");
  ledger::Checkpoint checkpoint{"example.org/adledger", 1823, ledger::sha256("root")};
  std::string note = ledger::sign_checkpoint(checkpoint, key);
};

TEST(Checkpoints, ASignedCheckpointReadsBackAndVerifies) {
  Signed s;
  ledger::SignedCheckpoint c = ledger::parse_checkpoint(s.note, "cp");
  EXPECT_EQ(c.checkpoint.origin, "example.org/adledger");
  EXPECT_EQ(c.checkpoint.size, 1823);
  EXPECT_EQ(c.checkpoint.root, ledger::sha256("root"));
  EXPECT_EQ(c.text, ledger::checkpoint_text(s.checkpoint));
  EXPECT_NO_THROW(ledger::check_signature(c, ledger::verifier_of(s.key), "cp"));
  // The note: three lines, a blank line, one signature line.
  EXPECT_TRUE(s.note.starts_with("example.org/adledger\n1823\n" +
                                 ledger::base64_encode(std::string_view(reinterpret_cast<const char*>(c.checkpoint.root.data()), 32)) +
                                 "\n\n\xE2\x80\x94 example.org/adledger "));
}

TEST(Checkpoints, AlteredCheckpointsAndOtherKeysAreRefused) {
  Signed s;
  const ledger::VerifierKey verifier = ledger::verifier_of(s.key);
  auto altered = [&](const std::string& from, const std::string& to) {
    std::string note = s.note;
    note.replace(note.find(from), from.size(), to);
    return ledger::parse_checkpoint(note, "cp");
  };
  EXPECT_ERROR(ErrorKind::Input, "does not verify: the checkpoint was altered after it was signed",
               ledger::check_signature(altered("\n1823\n", "\n1824\n"), verifier, "cp"));
  std::string root_line = ledger::base64_encode(
      std::string_view(reinterpret_cast<const char*>(s.checkpoint.root.data()), 32));
  Hash other_root = ledger::sha256("other");
  EXPECT_ERROR(ErrorKind::Input, "does not verify",
               ledger::check_signature(
                   altered(root_line, ledger::base64_encode(std::string_view(reinterpret_cast<const char*>(other_root.data()), 32))),
                   verifier, "cp"));
  ledger::SigningKey other = ledger::generate_key("example.org/adledger");
  EXPECT_ERROR(ErrorKind::Input, "cp: no signature by key example.org/adledger+",
               ledger::check_signature(ledger::parse_checkpoint(s.note, "cp"), ledger::verifier_of(other), "cp"));
  // The same name and key id with another key's signature.
  std::string forged = ledger::sign_checkpoint(s.checkpoint, other);
  std::string forged_line = forged.substr(forged.find("\n\n") + 2);
  std::string genuine_line = s.note.substr(s.note.find("\n\n") + 2);
  std::string id_swapped = ledger::checkpoint_text(s.checkpoint) + "\n" + genuine_line.substr(0, genuine_line.rfind(' ') + 1);
  {
    // Keep the genuine key id, put the other key's signature bytes after it.
    std::string genuine_raw = *ledger::base64_decode(genuine_line.substr(genuine_line.rfind(' ') + 1, 92));
    std::string forged_raw = *ledger::base64_decode(forged_line.substr(forged_line.rfind(' ') + 1, 92));
    id_swapped += ledger::base64_encode(genuine_raw.substr(0, 4) + forged_raw.substr(4)) + "\n";
  }
  EXPECT_ERROR(ErrorKind::Input, "does not verify", ledger::check_signature(ledger::parse_checkpoint(id_swapped, "cp"), verifier, "cp"));
}

TEST(Checkpoints, MalformedCheckpointsAreRefusedNamingTheLine) {
  Signed s;
  std::string text = ledger::checkpoint_text(s.checkpoint);
  EXPECT_ERROR(ErrorKind::Input, "cp: no signature", ledger::parse_checkpoint(text, "cp"));
  EXPECT_ERROR(ErrorKind::Input, "cp: no signature line after the blank line", ledger::parse_checkpoint(text + "\n", "cp"));
  EXPECT_ERROR(ErrorKind::Input, "cp: line 2: the size \"01823\" is not a record count",
               ledger::parse_checkpoint("o\n01823\n" + s.note.substr(s.note.find('\n', 21) + 1), "cp"));
  EXPECT_ERROR(ErrorKind::Input, "cp: line 2: the size \"-1\" is not a record count",
               ledger::parse_checkpoint("o\n-1\nAAAA\n\n\xE2\x80\x94 k AAAAAAA=\n", "cp"));
  EXPECT_ERROR(ErrorKind::Input, "cp: line 3: the root \"AAAA\" is not a 32-byte hash in base64",
               ledger::parse_checkpoint("o\n1\nAAAA\n\n\xE2\x80\x94 k AAAAAAA=\n", "cp"));
  EXPECT_ERROR(ErrorKind::Input, "cp: a checkpoint has an origin, a size and a root",
               ledger::parse_checkpoint("o\n1\n\n\xE2\x80\x94 k AAAAAAA=\n", "cp"));
  EXPECT_ERROR(ErrorKind::Input, "not a signature line",
               ledger::parse_checkpoint(text + "\n- k AAAAAAA=\n", "cp"));
  EXPECT_ERROR(ErrorKind::Input, "does not end with a newline",
               ledger::parse_checkpoint(text + "\n\xE2\x80\x94 k AAAAAAA=", "cp"));
}

TEST(Base64, IsStrict) {
  EXPECT_EQ(ledger::base64_encode(""), "");
  EXPECT_EQ(ledger::base64_encode("f"), "Zg==");
  EXPECT_EQ(ledger::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(ledger::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(ledger::base64_decode("Zm9vYmE="), std::optional<std::string>("fooba"));
  EXPECT_EQ(ledger::base64_decode("Zm9vYg=="), std::optional<std::string>("foob"));
  EXPECT_EQ(ledger::base64_decode("Zm9vYh=="), std::nullopt);  // leftover bits set
  EXPECT_EQ(ledger::base64_decode("Zm9"), std::nullopt);
  EXPECT_EQ(ledger::base64_decode("Zm9v\n"), std::nullopt);
  EXPECT_EQ(ledger::base64_decode("Zm=v"), std::nullopt);
  EXPECT_EQ(ledger::base64_decode("Zm9-"), std::nullopt);
}

// A proof is read strictly, and its numbers never overflow, whatever they
// are (the record's number is its leaf's index + 1).
TEST(ProofFiles, ExtremeNumbersAreRefusedWithoutOverflow) {
  const std::string hash(64, 'a');
  auto inclusion = [&](std::int64_t size, std::int64_t index, std::int64_t seq) {
    return nlohmann::json{{"proof", "inclusion"}, {"algorithm", "RFC 9162, SHA-256"}, {"tree_size", size},
                          {"leaf_index", index}, {"record", {{"seq", seq}, {"kind", "spend"}, {"ref", "1"}, {"line", "{}"}}},
                          {"leaf_hash", hash}, {"root", hash}, {"path", nlohmann::json::array()}};
  };
  EXPECT_ERROR(ErrorKind::Input, "p: record.seq 5 is not leaf_index 9223372036854775807 + 1",
               ledger::parse_proof(inclusion(INT64_MAX, INT64_MAX, 5), "p"));
  EXPECT_ERROR(ErrorKind::Input, "p: record.seq 9223372036854775807 is not leaf_index 9223372036854775807 + 1",
               ledger::parse_proof(inclusion(INT64_MAX, INT64_MAX, INT64_MAX), "p"));
  auto p = ledger::parse_proof(inclusion(INT64_MAX, INT64_MAX - 1, INT64_MAX), "p");
  const auto& proof = std::get<ledger::InclusionProof>(p);
  EXPECT_EQ(ledger::root_from_inclusion(proof.leaf_index, proof.tree_size, proof.leaf, proof.path), std::nullopt);
  nlohmann::json too_big = inclusion(1, 0, 1);
  too_big["tree_size"] = std::uint64_t{1} << 63;
  EXPECT_ERROR(ErrorKind::Input, "tree_size: \"9223372036854775808\" is not a record count", ledger::parse_proof(too_big, "p"));
  nlohmann::json long_path = inclusion(1, 0, 1);
  long_path["path"] = nlohmann::json::array();
  for (int i = 0; i < 65; ++i) long_path["path"].push_back(hash);
  EXPECT_ERROR(ErrorKind::Input, "path: 65 hashes, more than any tree needs (64)", ledger::parse_proof(long_path, "p"));
}

}  // namespace

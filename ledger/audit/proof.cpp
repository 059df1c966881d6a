#include "ledger/audit/proof.hpp"

#include <algorithm>
#include <bit>
#include <set>
#include <cassert>

#include "ledger/error.hpp"
#include "ledger/storage/store.hpp"

namespace ledger {
namespace {

using json = nlohmann::json;

// The largest power of two strictly below n (n >= 2): where RFC 9162 splits
// a tree of n leaves.
std::int64_t split_of(std::int64_t n) {
  assert(n >= 2);
  return std::int64_t{1} << (std::bit_width(static_cast<std::uint64_t>(n - 1)) - 1);
}

bool is_power_of_two(std::int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

// PATH(m, D[begin:end]), appended to `out` leaf side first.
void path_into(SubtreeHashes& hashes, std::int64_t m, std::int64_t begin, std::int64_t end, std::vector<Hash>& out) {
  const std::int64_t n = end - begin;
  if (n == 1) return;
  const std::int64_t k = split_of(n);
  if (m < k) {
    path_into(hashes, m, begin, begin + k, out);
    out.push_back(subtree_root(hashes, begin + k, end));
  } else {
    path_into(hashes, m - k, begin + k, end, out);
    out.push_back(subtree_root(hashes, begin, begin + k));
  }
}

// SUBPROOF(m, D[begin:end], b).
void subproof_into(SubtreeHashes& hashes, std::int64_t m, std::int64_t begin, std::int64_t end, bool whole,
                   std::vector<Hash>& out) {
  const std::int64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(subtree_root(hashes, begin, end));
    return;
  }
  const std::int64_t k = split_of(n);
  if (m <= k) {
    subproof_into(hashes, m, begin, begin + k, whole, out);
    out.push_back(subtree_root(hashes, begin + k, end));
  } else {
    subproof_into(hashes, m - k, begin + k, end, false, out);
    out.push_back(subtree_root(hashes, begin, begin + k));
  }
}

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw Error(ErrorKind::Input, where + ": " + what);
}

std::int64_t size_field(const json& value, const char* field, const std::string& where) {
  const json* v = value.contains(field) ? &value.at(field) : nullptr;
  if (!v) refuse(where, std::string(field) + ": is required");
  if (!v->is_number_integer()) refuse(where, std::string(field) + ": " + quote(v->dump()) + " is not an integer");
  std::int64_t n = v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)
                       ? -1
                       : v->get<std::int64_t>();
  if (n < 0) refuse(where, std::string(field) + ": " + quote(v->dump()) + " is not a record count");
  return n;
}

Hash hash_field(const json& value, const std::string& field, const std::string& where) {
  if (!value.is_string()) refuse(where, field + ": " + quote(value.dump()) + " is not 64 hex digits");
  try {
    return parse_hash(value.get<std::string>(), field);
  } catch (const Error& e) {
    refuse(where, e.what());
  }
}

std::vector<Hash> path_field(const json& value, const std::string& where) {
  if (!value.contains("path")) refuse(where, "path: is required");
  const json& path = value.at("path");
  if (!path.is_array()) refuse(where, "path: is not a list of hashes");
  if (path.size() > 64) refuse(where, "path: " + std::to_string(path.size()) + " hashes, more than any tree needs (64)");
  std::vector<Hash> out;
  for (std::size_t i = 0; i < path.size(); ++i) out.push_back(hash_field(path[i], "path[" + std::to_string(i) + "]", where));
  return out;
}

}  // namespace

Hash StoredSubtrees::perfect(int level, std::int64_t index) {
  if (level >= kKeptNodeLevel) {
    auto cached = nodes_.find({level, index});
    if (cached != nodes_.end()) return cached->second;
    std::optional<Hash> stored = store_.tree_node(level, index);
    if (!stored)
      throw Error(ErrorKind::Storage, "the ledger's tree has no node of level " + std::to_string(level) + " at " +
                                          std::to_string(index) + ": its stored tree is not whole (run adledger verify)");
    nodes_.emplace(std::pair{level, index}, *stored);
    return *stored;
  }
  // The levels below are hashed from the block of leaves that holds them.
  const std::int64_t per_block = std::int64_t{1} << kKeptNodeLevel;
  const std::int64_t first = index << level;
  const std::int64_t block = first / per_block;
  if (block != block_) {
    leaves_ = store_.leaf_hashes(block * per_block + 1, per_block);
    block_ = block;
  }
  std::int64_t at = first - block * per_block;
  std::int64_t width = std::int64_t{1} << level;
  if (at + width > static_cast<std::int64_t>(leaves_.size()))
    throw Error(ErrorKind::Storage, "the log has no record " + std::to_string(block * per_block + 1 +
                                                                              static_cast<std::int64_t>(leaves_.size())) +
                                        ": records were deleted (run adledger verify)");
  std::vector<Hash> level_hashes(leaves_.begin() + at, leaves_.begin() + at + width);
  while (level_hashes.size() > 1) {
    for (std::size_t i = 0; i < level_hashes.size() / 2; ++i)
      level_hashes[i] = node_hash(level_hashes[2 * i], level_hashes[2 * i + 1]);
    level_hashes.resize(level_hashes.size() / 2);
  }
  return level_hashes.front();
}

Hash subtree_root(SubtreeHashes& hashes, std::int64_t begin, std::int64_t end) {
  const std::int64_t n = end - begin;
  assert(n >= 0);
  if (n == 0) return empty_root();
  if (is_power_of_two(n)) {
    assert(begin % n == 0 && "a complete subtree starts at a multiple of its size");
    const int level = std::countr_zero(static_cast<std::uint64_t>(n));
    return hashes.perfect(level, begin >> level);
  }
  const std::int64_t k = split_of(n);
  return node_hash(subtree_root(hashes, begin, begin + k), subtree_root(hashes, begin + k, end));
}

std::vector<Hash> inclusion_path(SubtreeHashes& hashes, std::int64_t index, std::int64_t size) {
  assert(index >= 0 && index < size);
  std::vector<Hash> out;
  path_into(hashes, index, 0, size, out);
  return out;
}

std::vector<Hash> consistency_path(SubtreeHashes& hashes, std::int64_t first, std::int64_t second) {
  assert(first >= 1 && first <= second);
  std::vector<Hash> out;
  subproof_into(hashes, first, 0, second, /*whole=*/true, out);
  return out;
}

// RFC 9162, section 2.1.3.2.
std::optional<Hash> root_from_inclusion(std::int64_t index, std::int64_t size, const Hash& leaf,
                                        const std::vector<Hash>& path) {
  if (index < 0 || index >= size) return std::nullopt;
  std::int64_t fn = index;
  std::int64_t sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : path) {
    if (sn == 0) return std::nullopt;
    if ((fn & 1) || fn == sn) {
      r = node_hash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return std::nullopt;
  return r;
}

// RFC 9162, section 2.1.4.2.
std::optional<ConsistencyRoots> roots_from_consistency(std::int64_t first, std::int64_t second, const Hash& first_root,
                                                       const std::vector<Hash>& path) {
  if (first < 1 || first > second) return std::nullopt;
  if (first == second) {
    if (!path.empty()) return std::nullopt;
    return ConsistencyRoots{first_root, first_root};
  }
  if (path.empty()) return std::nullopt;
  std::vector<Hash> hashes;
  if (is_power_of_two(first)) hashes.push_back(first_root);
  hashes.insert(hashes.end(), path.begin(), path.end());
  std::int64_t fn = first - 1;
  std::int64_t sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = hashes.front();
  Hash sr = hashes.front();
  for (std::size_t i = 1; i < hashes.size(); ++i) {
    const Hash& c = hashes[i];
    if (sn == 0) return std::nullopt;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return std::nullopt;
  return ConsistencyRoots{fr, sr};
}

namespace {

std::int64_t log_size_checked(Store& store, std::int64_t size, const char* field) {
  const std::int64_t have = store.tree_head().size;
  if (size < 1 || size > have)
    throw Error(ErrorKind::Input, std::string(field) + " " + std::to_string(size) + ": the ledger has " +
                                      std::to_string(have) + " records; a size is 1 to " + std::to_string(have));
  return have;
}

}  // namespace

Hash log_root_at(Store& store, std::int64_t size) {
  log_size_checked(store, size, "size");
  StoredSubtrees hashes(store);
  return subtree_root(hashes, 0, size);
}

namespace {

// The inclusion proof of record `seq` (1 <= seq <= size) in the tree of
// `size` records, whose root is `root`: its line rebuilt from its rows,
// which must still hash to its leaf.
InclusionProof proof_of(Store& store, SubtreeHashes& hashes, std::int64_t seq, std::int64_t size, const Hash& root) {
  std::optional<LogRecord> record = store.log_record(seq);
  if (!record) throw Error(ErrorKind::Storage, "record " + std::to_string(seq) + " is missing from the log (run adledger verify)");
  if (!record->row_problem.empty())
    throw Error(ErrorKind::Storage, "record " + std::to_string(seq) + " (" + record->kind + " " + record->ref +
                                        "): " + record->row_problem + " (run adledger verify)");
  InclusionProof proof;
  proof.tree_size = size;
  proof.leaf_index = seq - 1;
  proof.line = chain_line(*record);
  proof.leaf = leaf_hash(proof.line);
  if (proof.leaf != record->hash)
    throw Error(ErrorKind::Storage, "record " + std::to_string(seq) + " (" + record->kind + " " + record->ref +
                                        "): the tables now differ from what was recorded (its rows no longer hash "
                                        "to its leaf); run adledger verify");
  proof.record = std::move(*record);
  proof.path = inclusion_path(hashes, proof.leaf_index, size);
  proof.root = root;
  return proof;
}

}  // namespace

InclusionProof prove_inclusion(Store& store, std::int64_t seq, std::int64_t size) {
  log_size_checked(store, size, "--size");
  if (seq < 1 || seq > size)
    throw Error(ErrorKind::Input, "record " + std::to_string(seq) + ": the tree of " + std::to_string(size) +
                                      " records holds records 1 to " + std::to_string(size));
  StoredSubtrees hashes(store);
  return proof_of(store, hashes, seq, size, subtree_root(hashes, 0, size));
}

ConsistencyProof prove_consistency(Store& store, std::int64_t first, std::int64_t second) {
  log_size_checked(store, second, "--to");
  if (first < 1 || first > second)
    throw Error(ErrorKind::Input, "--from " + std::to_string(first) + ": the earlier size is 1 to --to (" +
                                      std::to_string(second) + ")");
  StoredSubtrees hashes(store);
  ConsistencyProof proof;
  proof.first_size = first;
  proof.second_size = second;
  proof.path = consistency_path(hashes, first, second);
  proof.first_root = subtree_root(hashes, 0, first);
  proof.second_root = subtree_root(hashes, 0, second);
  return proof;
}

namespace {

// Walks a report's JSON for the records it cites; `context` is the key of
// the array an object is in ("disclosures", "pledges", ...).
void collect_cited(const json& value, const std::string& context, std::set<RecordRef>& out) {
  if (value.is_array()) {
    for (const json& item : value) collect_cited(item, context, out);
    return;
  }
  if (!value.is_object()) return;
  static const std::map<std::string, std::string> kind_of_list = {
      {"disclosures", "disclosed_total"}, {"disclosed", "disclosed_total"}, {"pledges", "pledge"},
      {"disbursements", "disbursement"},  {"policy_actions", "policy_action"}, {"actions", "policy_action"},
      {"events", "policy_action"}};
  if (auto kind = kind_of_list.find(context); kind != kind_of_list.end() && value.contains("id") &&
                                              value.at("id").is_string())
    out.insert({kind->second, value.at("id").get<std::string>()});
  for (const auto& [key, item] : value.items()) {
    // Lists of entry numbers: a figure's entries, the entries a basis or a
    // conversion leaves out.
    if ((key == "entries" || key == "other_currency_entries" || key == "unconverted") && item.is_array()) {
      for (const json& id : item)
        if (id.is_number_integer()) out.insert({"spend", std::to_string(id.get<std::int64_t>())});
    }
    if (key == "entry" && item.is_number_integer()) out.insert({"spend", std::to_string(item.get<std::int64_t>())});
    if ((key == "action" || key == "lifted_by" || key == "lifts" || key == "ban") && item.is_string())
      out.insert({"policy_action", item.get<std::string>()});
    if (item.is_structured()) collect_cited(item, key, out);
  }
}

}  // namespace

std::vector<RecordRef> records_cited(Store& store, const json& report) {
  std::set<RecordRef> cited;
  collect_cited(report, "", cited);
  std::vector<RecordRef> out;
  for (const RecordRef& r : cited) {
    out.push_back(r);
    // A spend entry's figure is net of its reversal, and a ban's days end
    // with its withdrawal, when they have one.
    if (r.kind == "spend" && store.find_log_seq("spend_reversal", r.ref)) out.push_back({"spend_reversal", r.ref});
    if (r.kind == "policy_action" && store.find_log_seq("policy_withdrawal", r.ref))
      out.push_back({"policy_withdrawal", r.ref});
    // So is a pledge's, a payment's or a disclosed total's withdrawal.
    for (const auto& [kind, withdrawal] : {std::pair{"pledge", "pledge_withdrawal"},
                                           std::pair{"disbursement", "disbursement_withdrawal"},
                                           std::pair{"disclosed_total", "disclosed_total_withdrawal"}})
      if (r.kind == kind && store.find_log_seq(withdrawal, r.ref)) out.push_back({withdrawal, r.ref});
  }
  return out;
}

std::vector<InclusionProof> prove_records(Store& store, const std::vector<RecordRef>& records, std::int64_t size) {
  log_size_checked(store, size, "size");
  std::vector<std::int64_t> seqs;
  for (const RecordRef& r : records) {
    std::optional<std::int64_t> seq = store.find_log_seq(r.kind, r.ref);
    if (!seq) throw Error(ErrorKind::Input, r.kind + " " + r.ref + ": not in the ledger's log");
    if (*seq > size)
      throw Error(ErrorKind::Input, r.kind + " " + r.ref + ": record " + std::to_string(*seq) +
                                        " came after the checkpoint's " + std::to_string(size) + " records");
    seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  StoredSubtrees hashes(store);
  const Hash root = subtree_root(hashes, 0, size);
  std::vector<InclusionProof> out;
  out.reserve(seqs.size());
  for (std::int64_t seq : seqs) out.push_back(proof_of(store, hashes, seq, size, root));
  return out;
}

namespace {
constexpr const char* kAlgorithm = "RFC 9162, SHA-256";

json hex_list(const std::vector<Hash>& path) {
  json out = json::array();
  for (const Hash& h : path) out.push_back(to_hex(h));
  return out;
}
}  // namespace

json to_json(const InclusionProof& p) {
  return json{{"proof", "inclusion"},
              {"algorithm", kAlgorithm},
              {"tree_size", p.tree_size},
              {"leaf_index", p.leaf_index},
              {"record", {{"seq", p.record.seq}, {"kind", p.record.kind}, {"ref", p.record.ref}, {"line", p.line}}},
              {"leaf_hash", to_hex(p.leaf)},
              {"root", to_hex(p.root)},
              {"path", hex_list(p.path)}};
}

json to_json(const ConsistencyProof& p) {
  return json{{"proof", "consistency"},
              {"algorithm", kAlgorithm},
              {"first_size", p.first_size},
              {"second_size", p.second_size},
              {"first_root", to_hex(p.first_root)},
              {"second_root", to_hex(p.second_root)},
              {"path", hex_list(p.path)}};
}

std::variant<InclusionProof, ConsistencyProof> parse_proof(const json& value, const std::string& where) {
  if (!value.is_object()) refuse(where, "not a proof (a JSON object with \"proof\": \"inclusion\" or \"consistency\")");
  const json kind = value.value("proof", json());
  if (value.value("algorithm", json()) != kAlgorithm)
    refuse(where, "algorithm: " + quote(value.value("algorithm", json()).dump()) + " is not \"" + kAlgorithm + "\"");
  if (kind == "inclusion") {
    InclusionProof p;
    p.tree_size = size_field(value, "tree_size", where);
    p.leaf_index = size_field(value, "leaf_index", where);
    if (!value.contains("record") || !value.at("record").is_object()) refuse(where, "record: is required");
    const json& record = value.at("record");
    p.record.seq = size_field(record, "seq", where);
    for (auto [field, out] : {std::pair{"kind", &p.record.kind}, std::pair{"ref", &p.record.ref}, std::pair{"line", &p.line}}) {
      if (!record.contains(field) || !record.at(field).is_string())
        refuse(where, std::string("record.") + field + ": is required (a string)");
      *out = record.at(field).get<std::string>();
    }
    if (p.record.seq - 1 != p.leaf_index)
      refuse(where, "record.seq " + std::to_string(p.record.seq) + " is not leaf_index " +
                        std::to_string(p.leaf_index) + " + 1");
    p.leaf = hash_field(value.value("leaf_hash", json()), "leaf_hash", where);
    p.root = hash_field(value.value("root", json()), "root", where);
    p.path = path_field(value, where);
    return p;
  }
  if (kind == "consistency") {
    ConsistencyProof p;
    p.first_size = size_field(value, "first_size", where);
    p.second_size = size_field(value, "second_size", where);
    p.first_root = hash_field(value.value("first_root", json()), "first_root", where);
    p.second_root = hash_field(value.value("second_root", json()), "second_root", where);
    p.path = path_field(value, where);
    return p;
  }
  refuse(where, "proof: " + quote(kind.dump()) + " is not \"inclusion\" or \"consistency\"");
}

}  // namespace ledger

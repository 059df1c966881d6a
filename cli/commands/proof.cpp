// key, prove and check: what a reader needs to check one figure, or that a
// ledger only grew, without the ledger.
//
// `key generate` makes the Ed25519 key a publisher signs checkpoints with
// (`head --sign`); `prove` prints an inclusion or a consistency proof of the
// record log's Merkle tree (RFC 9162); `check` checks a signed checkpoint
// and a proof against it, from the files alone.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/context.hpp"
#include "ledger/audit/checkpoint.hpp"
#include "ledger/audit/proof.hpp"
#include "ledger/error.hpp"

namespace adledger::cli {
namespace {

constexpr std::size_t kKeyBytesMax = 4096;
constexpr std::size_t kCheckpointBytesMax = 65536;
// A record's line is at most 16 MiB, and escaped again inside the proof.
constexpr std::size_t kProofBytesMax = 40 << 20;

// Writes a new file with `mode`, refusing one that exists.
void write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    throw ledger::Error(ledger::ErrorKind::Input, "--out " + ledger::quote(path) + ": cannot be created (" +
                                                      std::strerror(errno) + ")" +
                                                      (errno == EEXIST ? "; a key is never overwritten" : ""));
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = errno;
      ::close(fd);
      ::unlink(path.c_str());
      throw ledger::Error(ledger::ErrorKind::Input, ledger::quote(path) + ": cannot be written (" +
                                                        std::strerror(error) + ")");
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  if (::close(fd) != 0 || !synced) {
    ::unlink(path.c_str());
    throw ledger::Error(ledger::ErrorKind::Input, ledger::quote(path) + ": cannot be written");
  }
}

struct KeyOptions {
  std::string name;
  std::string out;
};

void run_key_generate(const GlobalOptions& global, const KeyOptions& o) {
  require_simple_format(global);
  const std::string pub = o.out + ".pub";
  struct stat st {};
  if (::lstat(pub.c_str(), &st) == 0)
    throw ledger::Error(ledger::ErrorKind::Input,
                        "--out " + ledger::quote(o.out) + ": " + ledger::quote(pub) + " exists; a key is never overwritten");
  ledger::SigningKey key = ledger::generate_key(o.name);
  const std::string verifier = ledger::format_verifier_key(ledger::verifier_of(key));
  // The signing key first, readable by its owner alone; the verifier key
  // is public.
  write_new_file(o.out, ledger::format_signing_key(key) + "\n", 0600);
  try {
    write_new_file(pub, verifier + "\n", 0644);
  } catch (...) {
    ::unlink(o.out.c_str());
    throw;
  }
  if (wants_json(global)) {
    print_json(std::cout, {{"signing_key_file", o.out}, {"verifier_key_file", pub}, {"verifier_key", verifier}});
    return;
  }
  std::cout << "signing key: " << o.out << " (keep it secret: it signs checkpoints in the name " << key.name << ")\n"
            << "verifier key: " << pub << " (publish it: readers check your checkpoints with it)\n"
            << verifier << '\n';
}

struct ProveOptions {
  std::optional<std::int64_t> record;
  std::optional<std::int64_t> size;
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> to;
};

void run_prove(const GlobalOptions& global, const ProveOptions& o) {
  if (output_format(global) != Format::Table && output_format(global) != Format::Json)
    throw CLI::ValidationError("--format", global.format + ": a proof is JSON");
  for (const auto& [option, value] : {std::pair{"--table", &global.table}, std::pair{"--output", &global.output}})
    if (!value->empty()) throw CLI::ValidationError(option, *value + ": applies to --format csv of a report");
  if (!global.as_of.empty())
    throw CLI::ValidationError("--as-of", global.as_of + ": a proof is of the ledger as it is (--size N gives an "
                                                         "earlier tree)");
  if (o.record && (o.from || o.to))
    throw CLI::ValidationError("RECORD", "give a record (an inclusion proof) or --from (a consistency proof), not both");
  if (!o.record && !o.from)
    throw CLI::ValidationError("RECORD", "give a record number (an inclusion proof) or --from N (a consistency proof)");
  if (o.size && !o.record) throw CLI::ValidationError("--size", "applies to an inclusion proof (give a record)");
  OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
  const std::int64_t size = open.store->tree_head().size;
  if (size == 0) throw ledger::Error(ledger::ErrorKind::Input, "the ledger is empty: there is nothing to prove");
  if (o.record) {
    print_json(std::cout, ledger::to_json(ledger::prove_inclusion(*open.store, *o.record, o.size.value_or(size))));
    return;
  }
  print_json(std::cout, ledger::to_json(ledger::prove_consistency(*open.store, *o.from, o.to.value_or(size))));
}

// What a proof says of its record beside its line must be the line's own:
// the record's number, kind and ref are read from the bytes that are
// proven, or the proof names another record than it proves.
std::string line_disagrees(const ledger::InclusionProof& p) {
  nlohmann::json line = nlohmann::json::parse(p.line, nullptr, /*allow_exceptions=*/false);
  if (!line.is_object() || !line.contains("seq") || !line.contains("kind") || !line.contains("ref"))
    return "record.line is not a record's canonical line (adledger log prints them)";
  auto text = [](const nlohmann::json& v) { return ledger::quote(v.is_string() ? v.get<std::string>() : v.dump()); };
  if (line.at("seq") != p.record.seq)
    return "record.seq " + std::to_string(p.record.seq) + " is not the line's seq " + text(line.at("seq"));
  if (line.at("kind") != p.record.kind)
    return "record.kind " + ledger::quote(p.record.kind) + " is not the line's kind " + text(line.at("kind"));
  if (line.at("ref") != p.record.ref)
    return "record.ref " + ledger::quote(p.record.ref) + " is not the line's ref " + text(line.at("ref"));
  return "";
}

ledger::VerifierKey read_verifier(const std::string& key) {
  // A file holding the key, or the key itself.
  struct stat st {};
  if (::stat(key.c_str(), &st) != 0 && key.find('+') != std::string::npos)
    return ledger::parse_verifier_key(key, "--key");
  std::string text = read_small_file(key, "verifier key", kKeyBytesMax);
  return ledger::parse_verifier_key(text, "verifier key " + ledger::quote(key));
}

}  // namespace

// The checkpoint in `path`, its signature checked when a key is given.
ledger::SignedCheckpoint read_checkpoint(const std::string& path, const std::optional<std::string>& key,
                                         std::string& problem) {
  const std::string where = "checkpoint " + ledger::quote(path);
  ledger::SignedCheckpoint c =
      ledger::parse_checkpoint(read_small_file(path, "checkpoint", kCheckpointBytesMax), where);
  if (key) {
    ledger::VerifierKey verifier = read_verifier(*key);
    try {
      ledger::check_signature(c, verifier, where);
    } catch (const ledger::Error& e) {
      problem = e.what();
    }
  }
  return c;
}

namespace {

struct CheckOptions {
  std::string checkpoint;
  std::string proof;
  std::optional<std::string> key;
  std::optional<std::string> since;
};

int run_check(const GlobalOptions& global, const CheckOptions& o) {
  require_simple_format(global);
  std::vector<std::string> ok;
  std::string problem;
  ledger::SignedCheckpoint c = read_checkpoint(o.checkpoint, o.key, problem);
  const std::string name = c.checkpoint.origin + " at " + std::to_string(c.checkpoint.size) + " records";
  if (problem.empty())
    ok.push_back(o.key ? "checkpoint " + name + ", root " + ledger::to_hex(c.checkpoint.root) + ", signed by " +
                             read_verifier(*o.key).name
                       : "checkpoint " + name + ", root " + ledger::to_hex(c.checkpoint.root) +
                             " (its signature not checked: give --key)");
  std::optional<ledger::SignedCheckpoint> old;
  if (o.since) {
    if (o.proof.empty()) throw CLI::ValidationError("--since", "checks a consistency proof: give PROOF");
    std::string old_problem;
    old = read_checkpoint(*o.since, o.key, old_problem);
    if (problem.empty()) problem = old_problem;
  }
  if (problem.empty() && !o.proof.empty()) {
    const std::string where = "proof " + ledger::quote(o.proof);
    std::string text = read_small_file(o.proof, "proof", kProofBytesMax);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) throw ledger::Error(ledger::ErrorKind::Input, where + ": not JSON");
    auto proof = ledger::parse_proof(value, where);
    if (auto* inclusion = std::get_if<ledger::InclusionProof>(&proof)) {
      if (o.since) throw CLI::ValidationError("--since", "checks a consistency proof, and this is an inclusion proof");
      ledger::Hash leaf = ledger::leaf_hash(inclusion->line);
      std::optional<ledger::Hash> root =
          ledger::root_from_inclusion(inclusion->leaf_index, inclusion->tree_size, leaf, inclusion->path);
      const std::string line_problem = line_disagrees(*inclusion);
      if (!line_problem.empty())
        problem = where + ": " + line_problem;
      else if (leaf != inclusion->leaf)
        problem = where + ": record.line hashes to leaf " + ledger::to_hex(leaf) + ", not leaf_hash " +
                  ledger::to_hex(inclusion->leaf) + ": the record was altered";
      else if (inclusion->leaf_index >= inclusion->tree_size)
        problem = where + ": leaf_index " + std::to_string(inclusion->leaf_index) + " is not a leaf of a tree of " +
                  std::to_string(inclusion->tree_size) + " records";
      else if (inclusion->tree_size != c.checkpoint.size)
        problem = where + ": tree_size " + std::to_string(inclusion->tree_size) + " is not the checkpoint's size " +
                  std::to_string(c.checkpoint.size);
      else if (!root)
        problem = where + ": path has " + std::to_string(inclusion->path.size()) +
                  " hashes, which no inclusion proof of leaf " + std::to_string(inclusion->leaf_index) +
                  " in a tree of " + std::to_string(inclusion->tree_size) + " has";
      else if (*root != c.checkpoint.root)
        problem = where + ": the path gives root " + ledger::to_hex(*root) + ", not the checkpoint's root " +
                  ledger::to_hex(c.checkpoint.root) + ": the record is not in the ledger of the checkpoint";
      else
        ok.push_back("record " + std::to_string(inclusion->record.seq) + " (" + inclusion->record.kind + " " +
                     inclusion->record.ref + ") is in " + name);
    } else {
      auto& consistency = std::get<ledger::ConsistencyProof>(proof);
      std::optional<ledger::ConsistencyRoots> roots = ledger::roots_from_consistency(
          consistency.first_size, consistency.second_size, consistency.first_root, consistency.path);
      if (consistency.second_size != c.checkpoint.size)
        problem = where + ": second_size " + std::to_string(consistency.second_size) +
                  " is not the checkpoint's size " + std::to_string(c.checkpoint.size);
      else if (!roots)
        problem = where + ": path has " + std::to_string(consistency.path.size()) +
                  " hashes, which no consistency proof from " + std::to_string(consistency.first_size) + " to " +
                  std::to_string(consistency.second_size) + " records has";
      else if (roots->first != consistency.first_root)
        problem = where + ": the path gives first root " + ledger::to_hex(roots->first) + ", not first_root " +
                  ledger::to_hex(consistency.first_root) + ": the proof was altered";
      else if (roots->second != c.checkpoint.root)
        problem = where + ": the path gives root " + ledger::to_hex(roots->second) + ", not the checkpoint's root " +
                  ledger::to_hex(c.checkpoint.root) + ": the ledger of the checkpoint does not extend the earlier one";
      else if (old && (old->checkpoint.size != consistency.first_size || old->checkpoint.root != consistency.first_root))
        problem = "checkpoint " + ledger::quote(*o.since) + " (" + std::to_string(old->checkpoint.size) +
                  " records, root " + ledger::to_hex(old->checkpoint.root) + ") is not the earlier tree of the proof (" +
                  std::to_string(consistency.first_size) + " records, root " + ledger::to_hex(consistency.first_root) +
                  "): the ledger was rewritten or forked since";
      else if (old && old->checkpoint.origin != c.checkpoint.origin)
        problem = "checkpoint " + ledger::quote(*o.since) + " is of " + old->checkpoint.origin + ", not " +
                  c.checkpoint.origin;
      else
        ok.push_back(c.checkpoint.origin + " at " + std::to_string(consistency.first_size) +
                     " records (root " + ledger::to_hex(consistency.first_root) + ") is a prefix of " + name);
    }
  }
  if (wants_json(global)) {
    print_json(std::cout, {{"ok", problem.empty()},
                           {"origin", c.checkpoint.origin},
                           {"size", c.checkpoint.size},
                           {"root", ledger::to_hex(c.checkpoint.root)},
                           {"signature_checked", o.key.has_value()},
                           {"checked", ok},
                           {"problem", problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(problem)}});
  } else {
    for (const std::string& line : ok) std::cout << "ok     " << line << '\n';
  }
  if (problem.empty()) return kExitOk;
  std::cerr << "error: check failed: " << problem << '\n';
  return kExitVerifyFailed;
}

}  // namespace

void setup_proof(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* key = app.add_subcommand("key", "make the Ed25519 key that signs checkpoints (adledger head --sign)");
  key->require_subcommand(1);
  auto ko = std::make_shared<KeyOptions>();
  auto* generate = key->add_subcommand(
      "generate", "write a new signing key to FILE (mode 0600) and its verifier key to FILE.pub");
  generate->add_option("name", ko->name, "the key's name, usually the ledger's origin (example.org/adledger)")->required();
  generate->add_option("--out", ko->out, "the signing key's file; the verifier key goes to this name with .pub")->required();
  generate->callback([&global, ko] { run_key_generate(global, *ko); });

  auto po = std::make_shared<ProveOptions>();
  auto* prove = app.add_subcommand(
      "prove", "print an inclusion proof of a record, or a consistency proof between two sizes of the log (JSON)");
  prove->add_option("record", po->record, "the record's number in the log (adledger log shows it as seq)")
      ->check(CLI::Range(std::int64_t{0}, INT64_MAX));
  prove->add_option("--size", po->size, "the size of the tree the record is proven in (default: the whole log)")
      ->check(CLI::Range(std::int64_t{0}, INT64_MAX));
  prove->add_option("--from", po->from, "the earlier size of a consistency proof")
      ->check(CLI::Range(std::int64_t{0}, INT64_MAX));
  prove->add_option("--to", po->to, "the later size (default: the whole log)")
      ->check(CLI::Range(std::int64_t{0}, INT64_MAX));
  prove->callback([&global, po] { run_prove(global, *po); });

  auto co = std::make_shared<CheckOptions>();
  auto* check = app.add_subcommand(
      "check", "check a signed checkpoint, and a proof against it, without the ledger (exit 0 only when all holds)");
  check->add_option("checkpoint", co->checkpoint, "a signed checkpoint (adledger head --sign)")->required();
  check->add_option("proof", co->proof, "a proof (adledger prove) to check against it");
  check->add_option("--key", co->key, "the publisher's verifier key, or its file (KEY.pub)");
  check->add_option("--since", co->since, "an earlier checkpoint that a consistency proof must start from");
  check->callback([&global, &exit_code, co] { exit_code = run_check(global, *co); });
}

}  // namespace adledger::cli

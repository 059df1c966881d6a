// head and verify: what a reader needs to check a published report.
//
// `head` prints the number of records and the hash of the last, to publish
// beside a report; `verify` proves the ledger is intact and, given a head
// published earlier, that it only grew since.
#include <fstream>
#include <iostream>

#include "cli/context.hpp"
#include "ledger/report/answers.hpp"
#include "ledger/audit/checkpoint.hpp"
#include "ledger/audit/merkle.hpp"
#include "ledger/audit/verify.hpp"
#include "ledger/error.hpp"

namespace adledger::cli {
namespace {

struct HeadOptions {
  std::string sign;    // a signing key's file
  std::string origin;  // the checkpoint's origin (default: the key's name)
};

void run_head(const GlobalOptions& global, const HeadOptions& o) {
  if (!o.origin.empty() && o.sign.empty()) throw CLI::ValidationError("--origin", "names the log of a signed checkpoint: give --sign");
  std::optional<ledger::SigningKey> key;
  if (!o.sign.empty())
    key = ledger::parse_signing_key(read_small_file(o.sign, "signing key", 4096), "signing key " + ledger::quote(o.sign));
  OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
  // The head is the root of the Merkle tree of every record (RFC 9162).
  const ledger::HeadAnswer head = ledger::head_of(*open.store);
  const ledger::TreeHead& tree = head.tree;
  if (key) {
    // A signed checkpoint is text in its own format, whatever --format says.
    std::cout << ledger::sign_checkpoint({o.origin.empty() ? key->name : o.origin, tree.size, tree.root}, *key);
    return;
  }
  if (output_format(global) == Format::Json) {
    print_json(std::cout, ledger::to_json(head));
    return;
  }
  if (!head.recorded_at) {
    std::cout << "0 records: the ledger is empty\n";
    return;
  }
  std::cout << tree.size << " records, head " << ledger::to_hex(tree.root) << " (last recorded "
            << *head.recorded_at << ")\n";
}

struct LogCliOptions {
  std::int64_t from = 1;
  std::optional<std::int64_t> to;
};

// Every record's canonical line, the very bytes its leaf hash covers, one
// a line: what a reader needs to recompute the head without adledger.
void run_log(const GlobalOptions& global, const LogCliOptions& o) {
  OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
  open.store->each_log([&](const ledger::LogRecord& r) {
    if (r.seq < o.from || (o.to && r.seq > *o.to)) return;
    if (!r.row_problem.empty())
      throw ledger::Error(ledger::ErrorKind::Storage, "record " + std::to_string(r.seq) + " (" + r.kind + " " + r.ref +
                                                          "): " + r.row_problem + "; run adledger verify");
    std::cout << ledger::chain_line(r) << '\n';
  });
}

struct VerifyCliOptions {
  std::string head;
  std::optional<std::int64_t> count;
  std::string since;  // a signed checkpoint's file
  std::optional<std::string> key;
  std::string log;    // the log published with it
};

// The leaves of a published log (the lines of adledger log), which must
// be the tree the checkpoint signs.
std::vector<ledger::Hash> published_leaves(const std::string& path, const ledger::SignedCheckpoint& c) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ledger::Error(ledger::ErrorKind::Input, "--log " + ledger::quote(path) + ": cannot be read");
  std::vector<ledger::Hash> leaves;
  ledger::CompactRange tree;
  // A line is a record's canonical line: at most a record's 16 MiB and a
  // little more. Read a line at a time into a buffer of that size, and only
  // the checkpoint's records: the log is never held whole.
  constexpr std::streamsize kLineBytesMax = (std::streamsize{16} << 20) + 4096;
  std::vector<char> buffer(static_cast<std::size_t>(kLineBytesMax) + 2);
  while (tree.size() < c.checkpoint.size && in.getline(buffer.data(), kLineBytesMax + 1)) {
    std::string_view line(buffer.data(), static_cast<std::size_t>(in.gcount() - (in.eof() ? 0 : 1)));
    leaves.push_back(ledger::leaf_hash(line));
    tree.append(leaves.back());
  }
  if (in.fail() && !in.eof())
    throw ledger::Error(ledger::ErrorKind::Input, "--log " + ledger::quote(path) + ": line " +
                                                      std::to_string(leaves.size() + 1) +
                                                      " is longer than any record's line, or cannot be read");
  if (tree.size() == c.checkpoint.size && tree.root() != c.checkpoint.root)
    throw ledger::Error(ledger::ErrorKind::Input,
                        "--log " + ledger::quote(path) + ": its first " + std::to_string(c.checkpoint.size) +
                            " lines have root " + ledger::to_hex(tree.root()) +
                            ", not the checkpoint's: it is not the log published with that checkpoint");
  return leaves;
}

int run_verify(const GlobalOptions& global, const VerifyCliOptions& o) {
  ledger::VerifyOptions options;
  options.count = o.count;
  if (!o.head.empty()) options.head = ledger::parse_hash(o.head, "head");
  if (options.count.has_value() != options.head.has_value())
    throw CLI::ValidationError("--head", "give --head and --count together: the published head and its record count");
  if (o.since.empty() && (o.key || !o.log.empty()))
    throw CLI::ValidationError(o.key ? "--key" : "--log", "applies to --since CHECKPOINT");
  if (!o.since.empty()) {
    std::string problem;
    ledger::SignedCheckpoint c = read_checkpoint(o.since, o.key, problem);
    if (!problem.empty()) {
      std::cerr << "error: verify failed: " << problem << '\n';
      return kExitVerifyFailed;
    }
    options.since = ledger::SinceCheckpoint{c.checkpoint.origin, c.checkpoint.size, c.checkpoint.root, std::nullopt,
                                            o.key.has_value()};
    if (!o.log.empty()) options.since->published_leaves = published_leaves(o.log, c);
  }
  OpenLedger open = open_ledger(global, ledger::OpenMode::ReadExisting);
  ledger::VerifyResult r = ledger::verify_ledger(*open.store, options);
  if (output_format(global) == Format::Json) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : r.checks)
      checks.push_back({{"check", c.name}, {"ok", c.ok}, {"summary", c.summary}, {"problems", c.problems}});
    print_json(std::cout, {{"ok", r.ok()},
                           {"records", r.records},
                           {"head", r.head ? nlohmann::json(ledger::to_hex(*r.head)) : nlohmann::json(nullptr)},
                           {"checks", checks}});
  } else {
    for (const auto& c : r.checks) {
      std::cout << (c.ok ? "ok     " : "FAILED ") << c.name << ": " << c.summary << '\n';
      for (std::size_t i = 1; i < c.problems.size(); ++i) std::cout << "         also: " << c.problems[i] << '\n';
    }
    if (r.head) std::cout << "head: " << r.records << " records, " << ledger::to_hex(*r.head) << '\n';
  }
  if (r.ok()) return kExitOk;
  std::cerr << "error: verify failed: " << *r.first_problem() << '\n';
  return kExitVerifyFailed;
}

}  // namespace

void setup_audit(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto ho = std::make_shared<HeadOptions>();
  auto* head = app.add_subcommand("head", "print the number of records and the head hash, to publish with a report");
  head->add_option("--sign", ho->sign, "print a checkpoint signed with this key (adledger key generate)");
  head->add_option("--origin", ho->origin, "the checkpoint's origin, the log's name (default: the key's name)");
  head->callback([&global, ho] {
    require_simple_format(global);
    run_head(global, *ho);
  });

  auto lo = std::make_shared<LogCliOptions>();
  auto* log = app.add_subcommand("log", "print every record's canonical line, the bytes its leaf hash covers (JSON Lines)");
  log->add_option("--from", lo->from, "the first record to print (default 1)")->check(CLI::Range(std::int64_t{1}, INT64_MAX));
  log->add_option("--to", lo->to, "the last record to print (default the last)")->check(CLI::Range(std::int64_t{1}, INT64_MAX));
  log->callback([&global, lo] {
    require_simple_format(global);
    run_log(global, *lo);
  });

  auto o = std::make_shared<VerifyCliOptions>();
  auto* verify = app.add_subcommand(
      "verify", "check that nothing recorded was changed or lost (exit 0 only when every check holds)");
  verify->add_option("--head", o->head, "a head hash published earlier (64 hex digits)");
  verify->add_option("--count", o->count, "the record count published with it");
  verify->add_option("--since", o->since, "a signed checkpoint published earlier (adledger head --sign): the ledger must extend it");
  verify->add_option("--key", o->key, "the verifier key that signed it, or its file (KEY.pub)");
  verify->add_option("--log", o->log, "the log published with the checkpoint (adledger log): names the first record that differs");
  verify->callback([&global, &exit_code, o] {
    require_simple_format(global);
    exit_code = run_verify(global, *o);
  });
}

}  // namespace adledger::cli

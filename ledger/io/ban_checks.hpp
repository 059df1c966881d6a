// Batch ban checks: `adledger ban-status --batch FILE`.
//
// The input is text, one check a line: `advertiser,platform,YYYY-MM-DD`.
// Every line is a check: there is no header, and a blank line is an error.
// Lines end in LF or CRLF; the last may lack its line end. Fields are taken
// as they are: no quoting, no spaces around them. A line is at most
// kBanCheckLineMax bytes (the longest valid one, two 64-character ids and a
// date, is 140).
//
// The answers are CSV (RFC 4180, with a header) or JSON Lines, one per
// line of input and in its order. They are built in memory and given back
// only when every line has been answered: a bad line (wrong number of
// fields, an unknown advertiser or platform, a date that is not a day, a
// line too long) stops the batch with an error naming the file, the line,
// the field, the value and the reason, and then nothing is to be printed.
//
// Each check is answered by the index's BanTimeline::verdict, the rule
// Ledger::ban_status uses, so a batch answers as the single check does.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/policy/bans.hpp"
#include "ledger/records.hpp"

namespace ledger {

inline constexpr std::size_t kBanCheckLineMax = 256;

enum class BanChecksFormat {
  Csv,        // advertiser,platform,date,banned,ban,until,lifted_by
  JsonLines,  // the objects of `ban-status --format json`'s "platforms"
};

struct BanChecksLimits {
  std::size_t checks_max = 10'000'000;
  std::size_t output_bytes_max = std::size_t{2} << 30;  // 2 GiB of answers held in memory
};

// Text built in chunks of a few MiB, so that a large answer is never
// copied to grow, and memory holds little more than the text.
class ChunkedText {
 public:
  // Room for `bytes` more, contiguous: write them from the pointer
  // returned, then commit() where the writing ended.
  char* reserve(std::size_t bytes);
  void commit(const char* end);
  void append(std::string_view text);
  std::size_t size() const { return size_; }
  // Writes it all; false when the stream refuses some of it.
  bool write_to(std::FILE* out) const;
  std::string str() const;

 private:
  struct Chunk {
    std::unique_ptr<char[]> data;
    std::size_t used = 0;
    std::size_t capacity = 0;
  };
  std::vector<Chunk> chunks_;
  std::size_t size_ = 0;
};

struct BanChecksSummary {
  std::size_t checks = 0;
  std::size_t banned = 0;
};

class BanChecker {
 public:
  // `index`, `advertisers` and `platforms` are the ledger's; the checker
  // keeps pointers into `index`, which must outlive it.
  BanChecker(const BanIndex& index, const std::vector<Advertiser>& advertisers, const std::vector<Platform>& platforms,
             BanChecksFormat format, BanChecksLimits limits = {});

  // Answers every line of `in`, read to its end; `name` is the file as
  // messages name it. Appends the answers (CSV: the header first) to
  // `out`. Throws ledger::Error at the first bad line; `out` then holds a
  // part of the answers, which must not be printed.
  BanChecksSummary answer(std::FILE* in, std::string_view name, ChunkedText& out) const;
  // The same, for text already in memory.
  BanChecksSummary answer(std::string_view text, std::string_view name, ChunkedText& out) const;

 private:
  struct AdvertiserSlot {
    std::string id, csv, json;
    std::vector<std::pair<std::size_t, const BanTimeline*>> timelines;  // by platform slot
  };
  struct PlatformSlot {
    std::string id, csv, json;
  };
  struct ActionText {
    std::string csv;        // the id, as a CSV field
    std::string json;       // the id, as a JSON string
    std::string json_head;  // a ban: {"action":ID,"lifted_by":
    std::string json_tail;  // a ban: ,"reason":R,"since":"D","source":S,"until":
  };
  class Reader;

  void start(ChunkedText& out) const;
  // One line, without its line end; `number` counts from 1.
  void answer_line(std::string_view line, std::size_t number, std::string_view name, ChunkedText& out,
                   BanChecksSummary& summary) const;
  const ActionText& text_of(const PolicyAction* action) const;

  const BanIndex& index_;
  BanChecksFormat format_;
  BanChecksLimits limits_;
  std::vector<AdvertiserSlot> advertisers_;
  std::vector<PlatformSlot> platforms_;
  std::unordered_map<std::string_view, std::size_t> advertiser_of_;
  std::unordered_map<std::string_view, std::size_t> platform_of_;
  std::vector<ActionText> actions_;  // by place in index_.actions()
};

}  // namespace ledger

#include "ledger/io/ban_checks.hpp"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "ledger/error.hpp"
#include "ledger/io/json_output.hpp"
#include "ledger/render/document.hpp"
#include "ledger/time/period.hpp"

namespace ledger {
namespace {

constexpr std::size_t kChunkBytes = std::size_t{4} << 20;
constexpr std::size_t kReadBytes = std::size_t{1} << 20;
constexpr std::string_view kShape = "a check is advertiser,platform,YYYY-MM-DD";
constexpr std::string_view kCsvHeader = "advertiser,platform,date,banned,ban,until,lifted_by\r\n";
static_assert(kBanCheckLineMax >= 2 * kSlugMax + 2 + 10, "a line holds any two ids and a date");

// The JSON text of a string, escaped as `--format json` prints it.
std::string json_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

[[noreturn]] void fail(ErrorKind kind, std::string_view name, std::size_t number, std::string_view field,
                       std::string_view value, std::string_view reason) {
  throw Error(kind, std::string(name) + ":" + std::to_string(number) + ": " + std::string(field) + " " +
                        quote(value) + ": " + std::string(reason));
}

char* put(char* at, std::string_view text) {
  std::memcpy(at, text.data(), text.size());
  return at + text.size();
}

}  // namespace

char* ChunkedText::reserve(std::size_t bytes) {
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < bytes) {
    Chunk chunk;
    chunk.capacity = std::max(kChunkBytes, bytes);
    chunk.data = std::make_unique_for_overwrite<char[]>(chunk.capacity);
    chunks_.push_back(std::move(chunk));
  }
  return chunks_.back().data.get() + chunks_.back().used;
}

void ChunkedText::commit(const char* end) {
  Chunk& chunk = chunks_.back();
  auto used = static_cast<std::size_t>(end - chunk.data.get());
  assert(used >= chunk.used && used <= chunk.capacity && "commit() ends inside the room reserve() gave");
  size_ += used - chunk.used;
  chunk.used = used;
}

void ChunkedText::append(std::string_view text) { commit(put(reserve(text.size()), text)); }

bool ChunkedText::write_to(std::FILE* out) const {
  for (const Chunk& chunk : chunks_)
    if (std::fwrite(chunk.data.get(), 1, chunk.used, out) != chunk.used) return false;
  return std::fflush(out) == 0;
}

std::string ChunkedText::str() const {
  std::string text;
  text.reserve(size_);
  for (const Chunk& chunk : chunks_) text.append(chunk.data.get(), chunk.used);
  return text;
}

BanChecker::BanChecker(const BanIndex& index, const std::vector<Advertiser>& advertisers,
                       const std::vector<Platform>& platforms, BanChecksFormat format, BanChecksLimits limits)
    : index_(index), format_(format), limits_(limits) {
  // The text of every id and ban is made once here; a check only copies it.
  advertisers_.reserve(advertisers.size());
  for (const Advertiser& a : advertisers)
    advertisers_.push_back(AdvertiserSlot{a.id, render::csv_field(a.id), json_string(a.id), {}});
  platforms_.reserve(platforms.size());
  for (const Platform& p : platforms) platforms_.push_back(PlatformSlot{p.id, render::csv_field(p.id), json_string(p.id)});
  // The maps' keys point into the slots, which no longer move.
  for (std::size_t i = 0; i < advertisers_.size(); ++i) advertiser_of_.try_emplace(advertisers_[i].id, i);
  for (std::size_t i = 0; i < platforms_.size(); ++i) platform_of_.try_emplace(platforms_[i].id, i);
  for (const BanIndex::Pair& pair : index_.pairs()) {
    auto a = advertiser_of_.find(pair.advertiser);
    auto p = platform_of_.find(pair.platform);
    if (a == advertiser_of_.end() || p == platform_of_.end()) continue;  // never asked about
    advertisers_[a->second].timelines.emplace_back(p->second, &pair.timeline);
  }
  actions_.resize(index_.actions().size());
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const PolicyAction& action = index_.actions()[i];
    if (action.kind != PolicyKind::AdBan && action.kind != PolicyKind::BanLift) continue;
    ActionText& text = actions_[i];
    text.csv = render::csv_field(action.id);
    text.json = json_string(action.id);
    if (action.kind != PolicyKind::AdBan) continue;
    // The keys in the order nlohmann::json prints them (sorted), as
    // to_json(BanCheck) gives them.
    text.json_head = "{\"action\":" + text.json + ",\"lifted_by\":";
    text.json_tail = ",\"reason\":" + json_string(action.description) + ",\"since\":\"" + format_date(action.date) +
                     "\",\"source\":" + json_string(action.source) +
                     ",\"source_details\":" + source_details_json(action.source_details).dump() + ",\"until\":";
  }
}

const BanChecker::ActionText& BanChecker::text_of(const PolicyAction* action) const {
  return actions_[static_cast<std::size_t>(action - index_.actions().data())];
}

void BanChecker::start(ChunkedText& out) const {
  if (format_ == BanChecksFormat::Csv) out.append(kCsvHeader);
}

BanChecksSummary BanChecker::answer(std::string_view text, std::string_view name, ChunkedText& out) const {
  start(out);
  BanChecksSummary summary;
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    answer_line(text.substr(0, end), ++number, name, out, summary);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return summary;
}

BanChecksSummary BanChecker::answer(std::FILE* in, std::string_view name, ChunkedText& out) const {
  start(out);
  BanChecksSummary summary;
  std::size_t number = 0;
  // Read in blocks; a line cut by the end of a block is kept for the next.
  // It cannot be longer than a line may be (and its CR), so the buffer
  // never grows.
  std::vector<char> buffer(kReadBytes);
  std::size_t kept = 0;
  for (;;) {
    std::size_t got = std::fread(buffer.data() + kept, 1, buffer.size() - kept, in);
    if (got == 0) {
      if (std::ferror(in))
        throw Error(ErrorKind::Input, "file " + quote(name) + ": cannot be read: " + std::strerror(errno));
      break;
    }
    const char* at = buffer.data();
    const char* stop = at + kept + got;
    while (const void* found = std::memchr(at, '\n', static_cast<std::size_t>(stop - at))) {
      const char* line_end = static_cast<const char*>(found);
      answer_line(std::string_view(at, static_cast<std::size_t>(line_end - at)), ++number, name, out, summary);
      at = line_end + 1;
    }
    kept = static_cast<std::size_t>(stop - at);
    if (kept > kBanCheckLineMax + 1)  // too long already, whatever follows
      answer_line(std::string_view(at, kept), ++number, name, out, summary);
    std::memmove(buffer.data(), at, kept);
  }
  if (kept > 0) answer_line(std::string_view(buffer.data(), kept), ++number, name, out, summary);
  return summary;
}

void BanChecker::answer_line(std::string_view line, std::size_t number, std::string_view name, ChunkedText& out,
                             BanChecksSummary& summary) const {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kBanCheckLineMax)
    fail(ErrorKind::Input, name, number, "line", line,
         "longer than " + std::to_string(kBanCheckLineMax) + " bytes; " + std::string(kShape));
  if (number == 1 && line.starts_with("\xEF\xBB\xBF"))
    fail(ErrorKind::Input, name, number, "line", line,
         "starts with a byte order mark (U+FEFF); save the file without one");
  if (line.empty())
    fail(ErrorKind::Input, name, number, "line", line, "blank; every line is a check, and " + std::string(kShape));
  std::size_t comma1 = line.find(',');
  std::size_t comma2 = comma1 == std::string_view::npos ? comma1 : line.find(',', comma1 + 1);
  if (comma2 == std::string_view::npos || line.find(',', comma2 + 1) != std::string_view::npos) {
    auto fields = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    fail(ErrorKind::Input, name, number, "line", line,
         std::to_string(fields) + (fields == 1 ? " field" : " fields") + ", not 3; " + std::string(kShape));
  }
  if (summary.checks == limits_.checks_max)
    fail(ErrorKind::Input, name, number, "line", line,
         "more than " + std::to_string(limits_.checks_max) + " checks in one batch; split the file");

  std::string_view advertiser = line.substr(0, comma1);
  std::string_view platform = line.substr(comma1 + 1, comma2 - comma1 - 1);
  std::string_view day = line.substr(comma2 + 1);
  auto a = advertiser_of_.find(advertiser);
  if (a == advertiser_of_.end()) fail(ErrorKind::Rule, name, number, "advertiser", advertiser, "no such advertiser");
  auto p = platform_of_.find(platform);
  if (p == platform_of_.end()) fail(ErrorKind::Rule, name, number, "platform", platform, "no such platform");
  Date on;
  try {
    on = parse_date(day, "date");
  } catch (const Error& e) {
    throw Error(e.kind(), std::string(name) + ":" + std::to_string(number) + ": " + e.what(), e.reason());
  }

  const AdvertiserSlot& as = advertisers_[a->second];
  const PlatformSlot& ps = platforms_[p->second];
  BanVerdict verdict;
  for (const auto& [platform_slot, timeline] : as.timelines) {
    if (platform_slot != p->second) continue;
    verdict = timeline->verdict(on);
    break;
  }
  ++summary.checks;
  if (verdict.banned()) ++summary.banned;

  const ActionText* ban = verdict.ban ? &text_of(verdict.ban) : nullptr;
  const ActionText* lift = verdict.lifted_by ? &text_of(verdict.lifted_by) : nullptr;
  if (format_ == BanChecksFormat::Csv) {
    // advertiser,platform,date,banned,ban,until,lifted_by; `-` for none.
    std::size_t bytes = as.csv.size() + ps.csv.size() + (ban ? ban->csv.size() : 1) + (lift ? lift->csv.size() : 1) +
                        10 + 5 + 10 + 8;
    char* at = out.reserve(bytes);
    at = put(at, as.csv);
    *at++ = ',';
    at = put(at, ps.csv);
    *at++ = ',';
    at = put(at, day);
    at = put(at, verdict.banned() ? ",true," : ",false,");
    at = put(at, ban ? std::string_view(ban->csv) : "-");
    *at++ = ',';
    at = put(at, verdict.until ? format_date(*verdict.until) : "-");
    *at++ = ',';
    at = put(at, lift ? std::string_view(lift->csv) : "-");
    at = put(at, "\r\n");
    out.commit(at);
  } else {
    // {"advertiser":A,"ban":null|{...},"banned":B,"on":"D","platform":P}
    std::size_t bytes = as.json.size() + ps.json.size() + 80;
    if (ban) bytes += ban->json_head.size() + ban->json_tail.size() + (lift ? lift->json.size() : 4) + 13;
    char* at = out.reserve(bytes);
    at = put(at, "{\"advertiser\":");
    at = put(at, as.json);
    at = put(at, ",\"ban\":");
    if (ban) {
      at = put(at, ban->json_head);
      at = put(at, lift ? std::string_view(lift->json) : "null");
      at = put(at, ban->json_tail);
      if (verdict.until) {
        *at++ = '"';
        at = put(at, format_date(*verdict.until));
        *at++ = '"';
      } else {
        at = put(at, "null");
      }
      *at++ = '}';
    } else {
      at = put(at, "null");
    }
    at = put(at, verdict.banned() ? ",\"banned\":true,\"on\":\"" : ",\"banned\":false,\"on\":\"");
    at = put(at, day);
    at = put(at, "\",\"platform\":");
    at = put(at, ps.json);
    at = put(at, "}\n");
    out.commit(at);
  }
  if (out.size() > limits_.output_bytes_max)
    fail(ErrorKind::Input, name, number, "line", line,
         "the answers pass " + std::to_string(limits_.output_bytes_max) + " bytes; split the file");
}

}  // namespace ledger

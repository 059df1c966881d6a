// Micro-benchmarks, Google Benchmark: the amount and period
// parsers, pro-rata allocation, and the ban lookup (spans, index, verdict).
// Built by tests/bench/CMakeLists.txt as adledger_micro; run it as
//   adledger_micro [--benchmark_filter=REGEX] [--benchmark_min_time=0.1]

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/money/currency.hpp"
#include "ledger/money/money.hpp"
#include "ledger/policy/bans.hpp"
#include "ledger/records.hpp"
#include "ledger/report/allocation.hpp"
#include "ledger/time/period.hpp"

namespace {

using ledger::Date;
using ledger::Granularity;
using ledger::Period;

void BM_MoneyParsePositive(benchmark::State& state) {
  const auto usd = ledger::Currency::from_code("USD");
  const std::vector<std::string> inputs = {"274100", "274100.00", "274,100.00", "0.01", "1,900,000.00",
                                           "92233720368547758.07"};
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ledger::Money::parse_positive(inputs[i], usd));
    i = (i + 1) % inputs.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MoneyParsePositive);

void BM_PeriodParse(benchmark::State& state, std::vector<std::string> inputs) {
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Period::parse(inputs[i]));
    i = (i + 1) % inputs.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_PeriodParse, day, std::vector<std::string>{"2016-10-26", "2019-02-28"});
BENCHMARK_CAPTURE(BM_PeriodParse, month, std::vector<std::string>{"2016-10", "2019-02"});
BENCHMARK_CAPTURE(BM_PeriodParse, quarter, std::vector<std::string>{"2016-Q4", "2019-Q1"});
BENCHMARK_CAPTURE(BM_PeriodParse, year, std::vector<std::string>{"2016", "2019"});
BENCHMARK_CAPTURE(BM_PeriodParse, week, std::vector<std::string>{"2016-W05", "2019-W52"});
BENCHMARK_CAPTURE(BM_PeriodParse, range, std::vector<std::string>{"2016-01-01..2016-06-30", "2015-06..2017-05"});

void BM_AllocateLargestRemainder(benchmark::State& state) {
  // The days of each month of a year as weights: a year's spend by month.
  std::vector<std::int64_t> weights(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = 28 + static_cast<std::int64_t>(i % 4);
  for (auto _ : state) benchmark::DoNotOptimize(ledger::allocate_largest_remainder(27'410'001, weights));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AllocateLargestRemainder)->Arg(12)->Arg(52)->Arg(365);

// An entry split into the buckets of a report (`report advertiser --by ...`).
void BM_SplitEntry(benchmark::State& state, const char* period, std::optional<Granularity> by, bool clipped) {
  const Period p = Period::parse(period);
  std::optional<Period> range;
  if (clipped) range = Period::parse("2016-03-15..2016-09-15");
  for (auto _ : state) benchmark::DoNotOptimize(ledger::split_entry(p, 27'410'000, 1823, by, range));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_SplitEntry, day_by_month, "2016-10-26", Granularity::Month, false);
BENCHMARK_CAPTURE(BM_SplitEntry, year_whole, "2016", std::nullopt, false);
BENCHMARK_CAPTURE(BM_SplitEntry, year_by_quarter, "2016", Granularity::Quarter, false);
BENCHMARK_CAPTURE(BM_SplitEntry, year_by_month, "2016", Granularity::Month, false);
BENCHMARK_CAPTURE(BM_SplitEntry, year_by_week, "2016", Granularity::Week, false);
BENCHMARK_CAPTURE(BM_SplitEntry, year_by_month_clipped, "2016", Granularity::Month, true);
BENCHMARK_CAPTURE(BM_SplitEntry, two_years_by_month, "2015-06..2017-05", Granularity::Month, false);

// The ban lookup over a platform's history of `range(0)` bans, each naming
// the advertiser for 30 days, one every 60 days, every other one lifted.
std::vector<ledger::PolicyAction> ban_history(std::int64_t bans) {
  std::vector<ledger::PolicyAction> actions;
  const Date start(2000, 1, 1);
  for (std::int64_t i = 0; i < bans; ++i) {
    ledger::PolicyAction ban;
    ban.id = "ban-" + std::to_string(i);
    ban.kind = ledger::PolicyKind::AdBan;
    ban.platform_id = "twitter";
    ban.advertiser_ids = {"adv-0000"};
    ban.date = start + boost::gregorian::days(60 * i);
    if (i % 2 == 0) ban.end_date = ban.date + boost::gregorian::days(30);
    ban.description = "synthetic";
    ban.source = "synthetic";
    actions.push_back(ban);
    if (i % 2 == 1) {
      ledger::PolicyAction lift = ban;
      lift.id = "lift-" + std::to_string(i);
      lift.kind = ledger::PolicyKind::BanLift;
      lift.date = ban.date + boost::gregorian::days(30);
      lift.lifts_action_id = ban.id;
      actions.push_back(lift);
    }
  }
  return actions;
}

void BM_BanSpans(benchmark::State& state) {
  const auto actions = ban_history(state.range(0));
  const std::string advertiser = "adv-0000";
  const std::string platform = "twitter";
  for (auto _ : state) benchmark::DoNotOptimize(ledger::ban_spans(actions, advertiser, platform));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BanSpans)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

void BM_FirstBanOverlapping(benchmark::State& state) {
  const auto actions = ban_history(state.range(0));
  const auto spans = ledger::ban_spans(actions, "adv-0000", "twitter");
  // A month after the last ban: the lookup has to pass every span.
  const Date after = Date(2000, 1, 1) + boost::gregorian::days(60 * state.range(0) + 31);
  const Period month(after, after + boost::gregorian::days(27));
  for (auto _ : state) benchmark::DoNotOptimize(ledger::first_ban_overlapping(spans, month));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FirstBanOverlapping)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

void BM_BanOn(benchmark::State& state) {
  const auto actions = ban_history(state.range(0));
  const auto spans = ledger::ban_spans(actions, "adv-0000", "twitter");
  const Date inside_last = Date(2000, 1, 1) + boost::gregorian::days(60 * (state.range(0) - 1) + 10);
  for (auto _ : state) benchmark::DoNotOptimize(ledger::ban_on(spans, inside_last));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BanOn)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// What `ban-status --batch` builds once: the index of every advertiser's
// spans on every platform.
void BM_BanIndexBuild(benchmark::State& state) {
  const auto actions = ban_history(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(ledger::BanIndex(actions));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BanIndexBuild)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// What it does per check: the pair's timeline, then the verdict on a day
// (inside the last ban, which Ledger::ban_status's old linear scan found
// last).
void BM_BanVerdict(benchmark::State& state) {
  const ledger::BanIndex index(ban_history(state.range(0)));
  const Date inside_last = Date(2000, 1, 1) + boost::gregorian::days(60 * (state.range(0) - 1) + 10);
  for (auto _ : state) benchmark::DoNotOptimize(index.timeline("adv-0000", "twitter").verdict(inside_last));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BanVerdict)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();

// The ad-library importers: a Meta report's file name, Google's spend
// buckets, the Graph API's pages read from a stream, ads and rows without
// spend, and Google's regions and markets.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "ledger/io/adlib_import.hpp"
#include "test_support.hpp"

namespace {

using adledger_test::TempLedger;
using ledger::ErrorKind;

std::string range_of(const std::string& name) {
  std::optional<ledger::MetaReportName> n = ledger::parse_meta_report_name(name);
  return n ? n->period.to_string() + " " + n->market : "none";
}

TEST(MetaReportName, TheDateIsTheLastDayAndTheWindowCountsBackFromIt) {
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2024-06-08_FR_last_7_days_advertisers.csv"), "2024-06-02..2024-06-08 FR");
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2019-06-06_DK_last_30_days_advertisers.csv"),
            "2019-05-08..2019-06-06 DK");
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2024-03-31_DE_last_90_days_advertisers.csv"),
            "2024-01-02..2024-03-31 DE");
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2024-06-08_NL_yesterday_advertisers.csv"), "2024-06-08 NL");
}

TEST(MetaReportName, AWindowAcrossTheEndOfALeapYearFebruary) {
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2024-03-01_FR_last_7_days_advertisers.csv"),
            "2024-02-24..2024-03-01 FR");
}

TEST(MetaReportName, LifelongStartsWithMetasArchive) {
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2021-09-10_DE_lifelong_advertisers.csv"), "2018-05-07..2021-09-10 DE");
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2021-09-10_DE_lifetime_advertisers.csv"), "2018-05-07..2021-09-10 DE");
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2018-05-07_US_lifelong_advertisers.csv"), "2018-05-07 US");
  EXPECT_EQ(range_of("FacebookAdLibraryReport_2018-05-06_US_lifelong_advertisers.csv"), "none");
}

TEST(MetaReportName, TheDirectoryIsIgnored) {
  EXPECT_EQ(range_of("/tmp/x_last_7_days/FacebookAdLibraryReport_2024-06-08_FR_last_7_days_advertisers.csv"),
            "2024-06-02..2024-06-08 FR");
}

TEST(MetaReportName, OtherNamesGiveNothing) {
  for (const char* name : {"meta-ad-library-report.csv", "FacebookAdLibraryReport_2024-06-08_FR_last_week_advertisers.csv",
                           "FacebookAdLibraryReport_2024-02-30_FR_last_7_days_advertisers.csv",
                           "FacebookAdLibraryReport_2024-06-08_fr_last_7_days_advertisers.csv",
                           "FacebookAdLibraryReport_2024-06-08_FR_last_7_days_locations.csv",
                           "FacebookAdLibraryReport_2024-06-08_FR_last_7_days.zip",
                           "FacebookAdLibraryReport_1400-01-03_FR_last_7_days_advertisers.csv"})
    EXPECT_EQ(range_of(name), "none") << name;
}

std::string bucket(const char* text) {
  auto [lower, upper] = ledger::parse_spend_bucket(text, "Spend_USD");
  return lower + ".." + (upper ? *upper : "open");
}

TEST(SpendBucket, GooglesBucketsAreWholeUnits) {
  EXPECT_EQ(bucket("0-100"), "0..100");
  EXPECT_EQ(bucket("100-1k"), "100..1000");
  EXPECT_EQ(bucket("1k-50k"), "1000..50000");
  EXPECT_EQ(bucket("50k\u2013100k"), "50000..100000");
  EXPECT_EQ(bucket("1M-10M"), "1000000..10000000");
  EXPECT_EQ(bucket("\u2265 100k"), "100000..open");
  EXPECT_EQ(bucket("> 100k"), "100000..open");
  EXPECT_EQ(bucket("100k+"), "100000..open");
  EXPECT_EQ(bucket("\u2264 100"), "0..100");
}

TEST(SpendBucket, RefusesWhatIsNotABucket) {
  for (const char* text : {"", "abc", "1.5k-2k", "100", "-100", "1e3-1e4", "100-", "1000000000000000-2"})
    EXPECT_ERROR(ErrorKind::Input, "Spend_USD", ledger::parse_spend_bucket(text, "Spend_USD")) << text;
}

struct AdLibraryTest : ::testing::Test {
  TempLedger t;
  ledger::AdLibraryOptions options = [] {
    ledger::AdLibraryOptions o;
    o.source = "f.json";
    o.market = "FR";
    return o;
  }();

  ledger::AdLibraryCounts meta_api(const std::string& text) {
    std::istringstream in(text);
    ledger::WriteTransaction txn(*t.store);
    ledger::AdLibraryCounts c = ledger::import_meta_api(t.ledger, in, "f.json", options);
    txn.commit();
    return c;
  }
  std::string meta_api_error(const std::string& text) {
    std::string message = ERROR_MESSAGE(meta_api(text));
    EXPECT_TRUE(t.store->spend({}).empty()) << "the import left entries behind";
    return message;
  }
};

std::string ad(const char* id, const char* extra = R"("currency": "EUR", "spend": {"lower_bound": "100", "upper_bound": "199"})") {
  return std::string(R"({"id": ")") + id +
         R"(", "page_id": "1", "bylines": "Payer", "ad_delivery_start_time": "2024-06-01", "ad_delivery_stop_time": "2024-06-02", )" +
         extra + "}";
}

TEST_F(AdLibraryTest, PagesPrettyPrintedAndCompactConcatenated) {
  std::string text = "{\n  \"data\": [\n    " + ad("11") + ",\n    " + ad("12") +
                     "\n  ],\n  \"paging\": {\"next\": \"https://graph.facebook.com/x\"}\n}\n" + "{\"data\":[" +
                     ad("13") + "]}{\"data\":[]}\n";
  ledger::AdLibraryCounts c = meta_api(text);
  EXPECT_EQ(c.spend, 3u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].source, "f.json, line 3");
  EXPECT_EQ(entries[1].source, "f.json, line 4");
  EXPECT_EQ(entries[2].source, "f.json, line 8");
}

TEST_F(AdLibraryTest, OneAdALineAndAnArrayOfAds) {
  EXPECT_EQ(meta_api(ad("21") + "\n\n" + ad("22") + "\n[" + ad("23") + ",\n" + ad("24") + "]").spend, 4u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1].source, "f.json, line 3");
  EXPECT_EQ(entries[3].source, "f.json, line 5");
}

TEST_F(AdLibraryTest, AnAdWithoutSpendIsSkippedAndCounted) {
  ledger::AdLibraryCounts c = meta_api("{\"data\": [" + ad("31", R"("eu_total_reach": 100)") + ", " + ad("32") + "]}");
  EXPECT_EQ(c.spend, 1u);
  EXPECT_EQ(c.without_spend, 1u);
}

TEST_F(AdLibraryTest, ASpendWithoutCurrencyIsRefused) {
  EXPECT_EQ(meta_api_error(ad("33", R"("spend": {"lower_bound": "0", "upper_bound": "99"})")),
            "f.json:1: currency: is required: the ad has a spend");
}

TEST_F(AdLibraryTest, AnErrorNamesTheLineOfTheAdInAPage) {
  std::string text = "{\n  \"data\": [\n    " + ad("41") + ",\n    " +
                     ad("42", R"("currency": "EUR", "spend": {"lower_bound": "ten"})") + "\n  ]\n}\n";
  EXPECT_EQ(meta_api_error(text), "f.json:4: spend.lower_bound: \"\\\"ten\\\"\": expected a whole number");
}

TEST_F(AdLibraryTest, AMalformedPageNamesItsLine) {
  EXPECT_EQ(meta_api_error("{\n  \"data\": [\n    {\"id\": 1,}\n  ]\n}\n").substr(0, 29),
            "f.json:3: malformed JSON: syn");
}

TEST_F(AdLibraryTest, AFileCutShortInsideAPageIsRefused) {
  EXPECT_EQ(meta_api_error("\n{\"data\": [" + ad("51") + ",\n"),
            "f.json:3: malformed JSON: the file ends inside the value begun on line 2 (a page saved in part?)");
}

TEST_F(AdLibraryTest, AnErrorResponseIsNamed) {
  EXPECT_EQ(meta_api_error(R"({"error": {"message": "Invalid OAuth access token", "code": 190}})"),
            "f.json:1: the Graph API's response is an error, not ads: \"Invalid OAuth access token\"");
}

TEST_F(AdLibraryTest, TextThatIsNotAnObjectIsRefused) {
  EXPECT_EQ(meta_api_error("\n\nnull\n"),
            "f.json:3: malformed JSON: expected an ad ({...}) or a page of the Graph API's response ({\"data\": [...]})");
  EXPECT_EQ(meta_api_error(R"({"data": {"id": "1"}})"), "f.json:1: data: must be an array of ads, as the Graph API gives it");
}

TEST_F(AdLibraryTest, TheSameAdInTwoFilesIsRefused) {
  std::istringstream a("{\"data\": [" + ad("61") + "]}"), b("{\"data\": [\n" + ad("61") + "]}");
  auto e = adledger_test::error_of([&] {
    ledger::WriteTransaction txn(*t.store);
    ledger::import_meta_api(t.ledger, {{&a, "p1.json", "p1.json"}, {&b, "p2.json", "p2.json"}}, options);
    txn.commit();
  });
  ASSERT_TRUE(e);
  EXPECT_STREQ(e->what(), "p2.json:2: the row of p1.json:1 again (id \"meta-api:61\"): a payment appears once in an export");
}

TEST_F(AdLibraryTest, AReportRowOfZeroIsSkippedAndCounted) {
  std::istringstream in(
      "Page ID,Page name,Disclaimer,Amount spent (EUR),Number of ads in Library\n1,P,Payer,0,2\n2,Q,Other,120,1\n");
  options.market.clear();
  ledger::WriteTransaction txn(*t.store);
  ledger::AdLibraryCounts c = ledger::import_meta_report(
      t.ledger, in, "dir/FacebookAdLibraryReport_2024-06-08_FR_last_7_days_advertisers.csv", options);
  txn.commit();
  EXPECT_EQ(c.spend, 1u);
  EXPECT_EQ(c.without_spend, 1u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].period.to_string(), "2024-06-02..2024-06-08");
  EXPECT_EQ(entries[0].market, "FR");
}

// Only an amount that reads as zero is no spend: one that is no number at
// all is refused, as any other.
TEST_F(AdLibraryTest, AReportZeroMustBeANumber) {
  options.period = ledger::Period::parse("2024-06-02..2024-06-08");
  for (const char* amount : {"0.0.0", ".0", "00,,"}) {
    std::istringstream in(std::string("Page ID,Page name,Disclaimer,Amount spent (EUR),Number of ads in Library\n"
                                      "1,P,Payer,\"") + amount + "\",2\n");
    EXPECT_ERROR(ErrorKind::Input, std::string("report.csv:2: Amount spent (EUR) \"") + amount + "\": ", [&] {
      ledger::WriteTransaction txn(*t.store);
      ledger::import_meta_report(t.ledger, in, "report.csv", options);
    }());
  }
}

TEST_F(AdLibraryTest, AReportNamedOtherwiseNeedsItsRange) {
  std::istringstream in("Page ID,Page name,Disclaimer,Amount spent (EUR),Number of ads in Library\n");
  options.market.clear();
  EXPECT_ERROR(ErrorKind::Input, "from, to, market: required: the file name \"report.csv\" is not a Meta report's",
               ledger::import_meta_report(t.ledger, in, "report.csv", options));
}

ledger::AdLibraryCounts google(TempLedger& t, const std::string& text, const ledger::AdLibraryOptions& o,
                               ledger::AdLibraryCounts (*import)(ledger::Ledger&, std::istream&, const std::string&,
                                                                 const ledger::AdLibraryOptions&,
                                                                 const ledger::ImportProgress&)) {
  std::istringstream in(text);
  ledger::WriteTransaction txn(*t.store);
  ledger::AdLibraryCounts c = import(t.ledger, in, "g.csv", o, {});
  txn.commit();
  return c;
}

TEST_F(AdLibraryTest, GoogleWeeklyMarketsComeFromTheGeoFileOrAreUnknown) {
  std::istringstream geo(
      "Advertiser_ID,Advertiser_Name,Country,Country_Subdivision_Primary,Spend_USD,Spend_EUR\n"
      "AR1,A,US,US-CA,100,0\nAR1,A,US,US-NY,200,0\nAR1,A,DE,,0,300\nAR1,A,FR,,0,400\n");
  options.market.clear();
  options.countries = ledger::read_advertiser_countries(geo, "geo.csv");
  google(t,
         "Advertiser_ID,Advertiser_Name,Week_Start_Date,Spend_USD,Spend_EUR,Spend_INR\n"
         "AR1,A,2019-03-03,100,300,0\nAR2,B,2019-03-03,0,0,700\n",
         options, &ledger::import_google_weekly);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].market, "US");       // USD: only the US
  EXPECT_EQ(entries[1].market, "unknown");  // EUR: Germany and France
  EXPECT_EQ(entries[2].market, "unknown");  // AR2: not in the geo file
}

TEST_F(AdLibraryTest, GoogleCreativeOneRegionIsTheAdsRangeSeveralShareItsUpperBound) {
  options.market.clear();
  ledger::AdLibraryCounts c = google(
      t,
      "Ad_ID,Advertiser_ID,Advertiser_Name,Regions,Date_Range_Start,Date_Range_End,Spend_USD,Spend_Range_Min_EUR,"
      "Spend_Range_Max_EUR\n"
      "CR1,AR1,A,FR,2019-05-01,2019-05-02,,500,25000\n"
      "CR2,AR1,A,\"DE, FR\",2019-05-01,2019-05-20,,500,25000\n"
      "CR3,AR1,A,US,2019-05-01,2019-05-01,\u2265 100k,,\n"
      "CR4,AR1,A,US,2019-05-01,2019-05-01,,,\n",
      options, &ledger::import_google_creative);
  EXPECT_EQ(c.spend, 4u);
  EXPECT_EQ(c.without_spend, 1u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].amount.minor(), 50000);
  EXPECT_EQ(entries[0].upper->minor(), 2500000);
  EXPECT_EQ(entries[0].items, 1);
  for (std::size_t i : {1u, 2u}) {
    EXPECT_EQ(entries[i].amount.minor(), 0);
    EXPECT_EQ(entries[i].upper->minor(), 2500000);
    EXPECT_FALSE(entries[i].items);
  }
  EXPECT_EQ(entries[1].market, "DE");
  EXPECT_EQ(entries[2].market, "FR");
  EXPECT_EQ(entries[3].amount.minor(), 10000000);
  EXPECT_FALSE(entries[3].upper);
}

TEST_F(AdLibraryTest, GoogleCreativeRefusesAMinimumAboveTheMaximum) {
  options.market.clear();
  EXPECT_ERROR(ErrorKind::Input, "g.csv:2: Spend_Range_Max_EUR \"100\": less than Spend_Range_Min_EUR \"500\"",
               google(t,
                      "Ad_ID,Advertiser_ID,Regions,Date_Range_Start,Date_Range_End,Spend_Range_Min_EUR,"
                      "Spend_Range_Max_EUR\nCR1,AR1,FR,2019-05-01,2019-05-02,500,100\n",
                      options, &ledger::import_google_creative));
}

// Google fills every currency's range columns for every ad, with 0 and its
// lowest bucket where the ad did not run: an ad's spend is read in its
// region's currency only.
TEST_F(AdLibraryTest, GoogleCreativeReadsTheRegionsCurrencyNotThePlaceholders) {
  options.market.clear();
  ledger::AdLibraryCounts c = google(
      t,
      "Ad_ID,Advertiser_ID,Regions,Date_Range_Start,Date_Range_End,Spend_Range_Min_USD,Spend_Range_Max_USD,"
      "Spend_Range_Min_EUR,Spend_Range_Max_EUR,Spend_Range_Min_INR,Spend_Range_Max_INR,Spend_Range_Min_HRK,"
      "Spend_Range_Max_HRK\n"
      "CR1,AR1,US,2019-05-01,2019-05-02,1000,50000,0,50,0,250,0,50\n"
      "CR2,AR1,IN,2019-05-01,2019-05-02,0,100,0,50,7000,350000,0,50\n"
      "CR3,AR1,HR,2022-12-01,2022-12-02,0,100,0,50,0,250,1000,2000\n"
      "CR4,AR1,HR,2023-01-01,2023-01-02,0,100,3000,4000,0,250,0,50\n"
      "CR5,AR1,CA,2019-05-01,2019-05-02,100,1000,0,50,0,250,0,50\n",
      options, &ledger::import_google_creative);
  EXPECT_EQ(c.spend, 5u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 5u);
  std::map<std::string, std::int64_t> lower_by_id;
  for (const ledger::SpendEntry& e : entries) lower_by_id[*e.external_id] = e.amount.minor();
  EXPECT_EQ(lower_by_id, (std::map<std::string, std::int64_t>{{"google-ad:CR1:US:USD", 100000},
                                                               {"google-ad:CR2:IN:INR", 700000},
                                                               {"google-ad:CR3:HR:HRK", 100000},
                                                               {"google-ad:CR4:HR:EUR", 300000},
                                                               {"google-ad:CR5:CA:USD", 10000}}));  // CA: no column
}

TEST_F(AdLibraryTest, GoogleCreativeRefusesHalfARange) {
  options.market.clear();
  EXPECT_ERROR(ErrorKind::Input,
               "g.csv:1: header: column \"Spend_Range_Min_EUR\": no Spend_Range_Max_EUR beside it; a range needs both",
               google(t,
                      "Ad_ID,Advertiser_ID,Regions,Date_Range_Start,Date_Range_End,Spend_Range_Min_EUR\n"
                      "CR1,AR1,FR,2019-05-01,2019-05-02,500\n",
                      options, &ledger::import_google_creative));
}

// The advertiser geo file's rows are running totals of the money the weekly
// file itemises: each advertiser's total in a currency, summed over its
// regions, is a disclosed total, never spend.
TEST_F(AdLibraryTest, GoogleAdvertiserGeoIsADisclosedTotalPerAdvertiserAndCurrency) {
  options.market.clear();
  options.period = ledger::Period::parse("2018-05-31..2019-06-01");
  const std::string header = "Advertiser_ID,Advertiser_Name,Country,Country_Subdivision_Primary,Spend_USD,Spend_EUR\n";
  ledger::AdLibraryCounts c = google(t,
                                     header + "AR1,A,US,US-CA,1800,0\nAR1,A,US,US-NY,900,0\nAR1,A,DE,,0,1300\n"
                                              "AR2,B,GB,,100,0\n",
                                     options, &ledger::import_google_advertiser_geo);
  EXPECT_EQ(c.spend, 0u);
  EXPECT_EQ(c.disclosures, 3u);
  std::vector<ledger::DisclosedTotal> totals = t.store->disclosed_totals(std::nullopt, std::nullopt);
  ASSERT_EQ(totals.size(), 3u);
  std::map<std::string, std::int64_t> by;
  for (const ledger::DisclosedTotal& d : totals) by[d.advertiser_id + " " + d.amount.currency().code()] = d.amount.minor();
  EXPECT_EQ(by["google-ar1 USD"], 270000);
  EXPECT_EQ(by["google-ar1 EUR"], 130000);
  EXPECT_EQ(by["google-ar2 USD"], 10000);

  EXPECT_ERROR(ErrorKind::Input, "g.csv:3: the row of line 2 again (advertiser AR3, US-CA)",
               google(t, header + "AR3,C,US,US-CA,100,0\nAR3,C,US,US-CA,100,0\n", options,
                      &ledger::import_google_advertiser_geo));
}

TEST_F(AdLibraryTest, GoogleGeoFilesNeedTheirRange) {
  options.market.clear();
  EXPECT_ERROR(ErrorKind::Input, "from, to: required: Google's geo spend file holds totals with no dates",
               google(t, "Country,Spend_USD\nUS,100\n", options, &ledger::import_google_geo));
  options.period = ledger::Period::parse("2018-05-31..2019-06-01");
  ledger::AdLibraryCounts c =
      google(t, "Country,Country_Subdivision_Primary,Spend_USD\nUS,US-CA,100\nUS,US-NY,0\n", options,
             &ledger::import_google_geo);
  EXPECT_EQ(c.disclosures, 1u);
  EXPECT_EQ(c.spend, 0u);
}
// Google's creative stats give each ad's spend to the last day it ran: an
// ad still running is downloaded again later with a later last day and a
// higher range, under the same id. The later figure supersedes the
// ledger's; an earlier download changes nothing.
TEST_F(AdLibraryTest, GoogleCreativeDownloadedAgainSupersedesTheEarlierFigure) {
  options.market.clear();
  const std::string header = "Ad_ID,Advertiser_ID,Regions,Date_Range_Start,Date_Range_End,Spend_Range_Min_USD,"
                             "Spend_Range_Max_USD\n";
  auto download = [&](const std::string& rows) {
    return google(t, header + rows, options, &ledger::import_google_creative);
  };
  auto live = [&] {
    std::map<std::string, std::string> out;  // external id -> period lower..upper, of the entries not reversed
    for (const ledger::SpendEntry& e : t.store->spend({}))
      if (!e.reversal)
        out[*e.external_id] = e.period.to_string() + " " + e.amount.format() + ".." + e.upper->format();
    return out;
  };
  const std::string may10 = "CR1,AR1,US,2019-05-01,2019-05-10,100,1000\nCR2,AR1,US,2019-05-01,2019-05-03,0,100\n";
  const std::string may20 = "CR1,AR1,US,2019-05-01,2019-05-20,1000,50000\nCR2,AR1,US,2019-05-01,2019-05-03,0,100\n"
                            "CR3,AR1,US,2019-05-15,2019-05-20,0,100\n";
  ledger::AdLibraryCounts c = download(may10);
  EXPECT_EQ(c.spend, 2u);

  c = download(may20);
  EXPECT_EQ(c.spend, 3u);
  EXPECT_EQ(c.unchanged, 1u);  // CR2 ended before the first download
  EXPECT_EQ(c.superseded, 1u);
  EXPECT_EQ(c.spend_reversals, 0u);
  const std::map<std::string, std::string> after_may20 = {
      {"google-ad:CR1:US:USD@2019-05-20", "2019-05-01..2019-05-20 1000.00..50000.00"},
      {"google-ad:CR2:US:USD", "2019-05-01..2019-05-03 0.00..100.00"},
      {"google-ad:CR3:US:USD", "2019-05-15..2019-05-20 0.00..100.00"}};
  EXPECT_EQ(live(), after_may20);
  std::optional<ledger::SpendEntry> first = t.store->find_spend_by_external_id("google-ad:CR1:US:USD");
  ASSERT_TRUE(first && first->reversal);
  EXPECT_EQ(first->reversal->reason,
            "superseded by a later download, which gives the ad's spend to 2019-05-20 (id "
            "google-ad:CR1:US:USD@2019-05-20)");
  EXPECT_EQ(first->reversal->source, "f.json, line 2");  // the later download, as cited
  EXPECT_EQ(t.store->account_balance("expenses:ads:google-ar1:google", "USD"), 100000);

  // Each download again, and one older than both: nothing changes.
  auto tree = [&] {
    ledger::TreeHead h = t.store->tree_head();
    return std::to_string(h.size) + " " + ledger::to_hex(h.root);
  };
  const std::string head = tree();
  c = download(may20);
  EXPECT_EQ(c.unchanged, 3u);
  EXPECT_EQ(c.superseded, 0u);
  c = download(may10);
  EXPECT_EQ(c.unchanged, 2u);
  c = download("CR1,AR1,US,2019-05-01,2019-05-05,0,100\n");
  EXPECT_EQ(c.spend, 0u);
  EXPECT_EQ(c.older_skipped, 1u);
  EXPECT_EQ(tree(), head);
  EXPECT_EQ(live(), after_may20);

  // A figure for a day already recorded must be the same.
  EXPECT_ERROR(ErrorKind::Rule, "g.csv:2: id \"google-ad:CR1:US:USD@2019-05-20\"",
               download("CR1,AR1,US,2019-05-01,2019-05-20,1000,100000\n"));
  EXPECT_EQ(tree(), head);

  // A later download keeps an ad's first day.
  EXPECT_ERROR(ErrorKind::Rule,
               "g.csv:2: id \"google-ad:CR1:US:USD@2019-05-20\": spend entry #3 starts on 2019-05-01, this later "
               "download's figure on 2019-05-02: a later download of an ad keeps its first day",
               download("CR1,AR1,US,2019-05-02,2019-05-25,1000,100000\n"));
  EXPECT_EQ(tree(), head);

  // Reversed by hand, an ad stays reversed whatever a later download says.
  t.write([&] {
    t.ledger.reverse_spend(t.store->find_spend_by_external_id("google-ad:CR1:US:USD@2019-05-20")->entry_id,
                           "not a political ad", "our review");
  });
  c = download("CR1,AR1,US,2019-05-01,2019-05-31,1000,100000\n");
  EXPECT_EQ(c.reversed_skipped, 1u);
  EXPECT_EQ(c.spend, 0u);
  EXPECT_EQ(live().count("google-ad:CR1:US:USD@2019-05-31"), 0u);
}



// A stream that cannot seek, as a pipe: the import reads and records on one
// thread. Over a string, so that the same text can be given both ways.
class PipeBuf : public std::streambuf {
 public:
  explicit PipeBuf(std::string text) : text_(std::move(text)) { setg(text_.data(), text_.data(), text_.data() + text_.size()); }

 private:
  std::string text_;
};

// Ads enough for the rows to be read many batches ahead of their recording.
std::string many_ads(int n, int first = 1000) {
  std::string text;
  for (int i = 0; i < n; ++i) text += ad(std::to_string(first + i).c_str()) + "\n";
  return text;
}

struct AdLibraryStreams : AdLibraryTest, ::testing::WithParamInterface<bool> {
  // The import of `text` from a file (read ahead on a second thread) or
  // from a pipe (read and recorded in turn), as the parameter says.
  ledger::AdLibraryCounts import(const std::string& text, const ledger::AdLibraryOptions& o) {
    std::istringstream file(text);
    PipeBuf pipe_buf(text);
    std::istream pipe(&pipe_buf);
    ledger::WriteTransaction txn(*t.store);
    ledger::AdLibraryCounts c = ledger::import_meta_api(t.ledger, GetParam() ? static_cast<std::istream&>(pipe) : file,
                                                        "f.json", o);
    txn.commit();
    return c;
  }
};

TEST_P(AdLibraryStreams, EveryRowIsRecordedInTheFilesOrder) {
  ledger::AdLibraryCounts c = import(many_ads(5000) + ad("9", R"("eu_total_reach": 1)"), options);
  EXPECT_EQ(c.spend, 5000u);
  EXPECT_EQ(c.without_spend, 1u);
  EXPECT_EQ(c.advertisers, 1u);
  std::vector<ledger::SpendEntry> entries = t.store->spend({});
  ASSERT_EQ(entries.size(), 5000u);
  EXPECT_EQ(entries.front().source, "f.json, line 1");
  EXPECT_EQ(*entries.back().external_id, "meta-api:5999");
  EXPECT_EQ(entries.back().source, "f.json, line 5000");
}

TEST_P(AdLibraryStreams, AMalformedRowFarAheadLeavesNothing) {
  std::string message = ERROR_MESSAGE(import(many_ads(5000) + "{\"id\": 1,}\n", options));
  EXPECT_EQ(message.substr(0, 38), "f.json:5001: malformed JSON: syntax er");
  EXPECT_TRUE(t.store->spend({}).empty());
}

// A row the ledger refuses is refused first, although a row after it that
// is malformed was read before the refusal was known.
TEST_P(AdLibraryStreams, TheFirstRowRefusedIsNamedWhicheverThreadSawIt) {
  ledger::AdLibraryOptions o = options;
  o.platform = "nosuch";
  std::string message = ERROR_MESSAGE(import(many_ads(3000) + "{\"id\": 1,}\n", o));
  EXPECT_EQ(message.substr(0, 9), "f.json:1:") << message;
  EXPECT_NE(message.find("nosuch"), std::string::npos) << message;
  EXPECT_TRUE(t.store->spend({}).empty());
}

TEST_P(AdLibraryStreams, TheSameAdTwiceIsNamedAtItsSecondLine) {
  std::string message = ERROR_MESSAGE(import(many_ads(3000) + ad("1500") + "\n", options));
  EXPECT_EQ(message, "f.json:3001: the row of line 501 again (id \"meta-api:1500\"): a payment appears once in an export");
  EXPECT_TRUE(t.store->spend({}).empty());
}

INSTANTIATE_TEST_SUITE_P(FileAndPipe, AdLibraryStreams, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "Pipe" : "File"; });

}  // namespace

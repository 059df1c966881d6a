// Importers for the exports of platforms' ad libraries, as researchers
// download them:
//
// - Meta Ad Library report CSV (`Page ID,Page name,Disclaimer,Amount spent
//   (CUR),Number of ads in Library`): one row a page and payer for the
//   report's date range, which the file's name gives
//   (`FacebookAdLibraryReport_2024-06-08_FR_last_7_days_advertisers.csv`:
//   the report's last day, its country and its window) or the caller.
// - Meta Ad Library API ads: the Graph API's response as saved (pages
//   `{"data": [...], "paging": {...}}`, pretty-printed or not, one or several
//   in a file or in several files), or one ad a line as Meta's own script
//   saves them (`id`, `page_id`, `page_name`, `bylines`, `currency`, `spend`
//   and `impressions` as bounds, `ad_delivery_start_time` and `_stop_time`,
//   `publisher_platforms`). Nothing is fetched: `paging.next` is not
//   followed.
// - Google political ads, advertiser weekly spend CSV (`Advertiser_ID`,
//   `Advertiser_Name`, `Week_Start_Date`, a `Spend_CUR` column per
//   currency): one entry a row and currency.
// - Google political ads, creative stats CSV (`Ad_ID`, `Advertiser_ID`,
//   `Regions`, `Date_Range_Start`, `Date_Range_End`, `Spend_Range_Min_CUR`
//   and `Spend_Range_Max_CUR`, or the older bucket `Spend_USD`): one range an
//   ad, region and currency.
// - Google political ads, advertiser geo spend CSV (`Advertiser_ID`,
//   `Country`, `Country_Subdivision_Primary`, `Spend_CUR`): one entry an
//   advertiser, region and currency; and geo spend CSV (`Country`,
//   `Country_Subdivision_Primary`, `Country_Subdivision_Secondary`,
//   `Spend_CUR`), which names no advertiser: one disclosed total of all of
//   Google's political advertisers a region and currency.
//
// Each row becomes a spend entry of the payer (an advertiser made from the
// source's payer unless a mapping names an existing one), with the source's
// ids as its external id, so that importing a newer export adds only what is
// new, and the row itself in its note, as the citation. A file whose header
// is not the format's is refused, naming the columns expected. A row or ad
// that says it spent nothing (an EU ad that is not political, a report row
// of 0) is skipped and counted, never refused. The caller runs the import in
// one WriteTransaction, as for every import.
#pragma once

#include <cstddef>
#include <istream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ledger/io/import.hpp"

namespace ledger {

// The market of an entry whose file does not say where the ads ran (Google's
// weekly spend without its advertiser geo file): never a guessed country.
inline constexpr std::string_view kUnknownMarket = "unknown";

// Google's advertiser geo file read for the markets of the weekly file:
// (Advertiser_ID, currency) -> the countries where the advertiser spent in
// that currency.
using AdvertiserCountries = std::map<std::pair<std::string, std::string>, std::set<std::string>>;

struct AdLibraryOptions {
  std::string source;                                // the export as cited (the CLI: the file's name unless given)
  std::string market;                                // the country the export covers; empty: see each format
  std::optional<std::string> platform;               // facebook (Meta) or google unless given
  std::optional<Period> period;                      // Meta report (unless its name gives it), Google geo files
  std::map<std::string, std::string> advertiser_of;  // payer (or page:ID, or Google id) -> advertiser id
  std::optional<AdvertiserCountries> countries;      // Google weekly: the markets, from the advertiser geo file
};

struct AdLibraryCounts : ImportCounts {
  // Meta API ads with no spend (EU ads that are not political), Meta report
  // rows of 0, Google ads with no spend range: skipped, not refused.
  std::size_t without_spend = 0;
  // Google creative stats downloaded again (import_google_creative): the
  // ledger's figures of ads that a later download extends, reversed and
  // superseded; the rows of an earlier download than the ledger's, and of
  // ads whose entries were all reversed, skipped.
  std::size_t superseded = 0;
  std::size_t older_skipped = 0;
  std::size_t reversed_skipped = 0;
};

// What a Meta report's file name says: the report's range and country.
// `FacebookAdLibraryReport_<DATE>_<CC>_<WINDOW>_advertisers.csv`, DATE the
// report's last day, WINDOW `yesterday` (that day), `last_7_days`,
// `last_30_days`, `last_90_days` (that many days ending with it) or
// `lifelong` (also `lifetime`: from 2018-05-07, the first day of Meta's
// archive of ads about social issues, elections or politics). None when the
// name is not such a name. The directory part is ignored.
struct MetaReportName {
  Period period;
  std::string market;
};
std::optional<MetaReportName> parse_meta_report_name(std::string_view file_name);

AdLibraryCounts import_meta_report(Ledger& ledger, std::istream& in, const std::string& file_name,
                                   const AdLibraryOptions& options, const ImportProgress& progress = {});

// One file of Meta API ads, with the name its errors give and the source its
// entries cite.
struct AdLibraryInput {
  std::istream* in;
  std::string file_name;
  std::string source;
};
// An ad without a stop time is still running: its spend is still growing,
// and recorded now it would conflict with the final figure of a later
// export. It is not recorded, and counted in ImportCounts::running. An ad
// with no spend is counted in without_spend. The same ad twice, in one file
// or in two, is refused.
AdLibraryCounts import_meta_api(Ledger& ledger, const std::vector<AdLibraryInput>& inputs,
                                const AdLibraryOptions& options, const ImportProgress& progress = {});
AdLibraryCounts import_meta_api(Ledger& ledger, std::istream& in, const std::string& file_name,
                                const AdLibraryOptions& options, const ImportProgress& progress = {});

// The market: options.market if given, else the one country the advertiser
// geo file (options.countries) gives for the advertiser and currency, else
// kUnknownMarket.
AdLibraryCounts import_google_weekly(Ledger& ledger, std::istream& in, const std::string& file_name,
                                     const AdLibraryOptions& options, const ImportProgress& progress = {});
// An ad's spend in each of its regions, in the region's currency (USD
// where Google has no column for it); an ad of several regions spent 0 to
// its upper bound in each, tagged shared-regions. Each row gives an ad's
// spend from its first day to the last it ran: a later download of an ad
// still running gives a later last day, and maybe a higher range, under
// the same id (google-ad:AD:REGION:CURRENCY). That figure supersedes the
// ledger's: the entry recorded is reversed, citing the later download, and
// the later figure recorded as ID@LAST-DAY (AdLibraryCounts::superseded).
// A row of an earlier download than the ledger's is skipped
// (older_skipped), as is an ad whose entries were all reversed
// (reversed_skipped); a row with the last day of an entry recorded must
// give its figures.
AdLibraryCounts import_google_creative(Ledger& ledger, std::istream& in, const std::string& file_name,
                                       const AdLibraryOptions& options, const ImportProgress& progress = {});
// Each row and currency is a disclosed total of the advertiser over
// options.period: the money the weekly file itemises, never added to it.
AdLibraryCounts import_google_advertiser_geo(Ledger& ledger, std::istream& in, const std::string& file_name,
                                             const AdLibraryOptions& options, const ImportProgress& progress = {});
AdLibraryCounts import_google_geo(Ledger& ledger, std::istream& in, const std::string& file_name,
                                  const AdLibraryOptions& options, const ImportProgress& progress = {});

// Any import format by its name: json, jsonl, csv, or an ad library's
// (kAdLibraryFormats). Every format but meta-api reads the first input
// only. The caller holds the write transaction, as for each import.
inline constexpr const char* kAdLibraryFormats[] = {"meta-report",     "meta-api",   "google-weekly",
                                                    "google-creative", "google-geo", "google-advertiser-geo"};
bool is_ad_library_format(std::string_view format);
AdLibraryCounts import_format(Ledger& ledger, const std::string& format, const std::vector<AdLibraryInput>& inputs,
                              const AdLibraryOptions& options, const ImportProgress& progress = {});

// What an import did, as `import --format json` prints it and the server
// answers (schemas/import-result.schema.json): `file` names what was read.
nlohmann::json import_result_json(const std::string& file, const AdLibraryCounts& counts, bool ad_library);

// Google's advertiser geo file, for the weekly file's markets.
AdvertiserCountries read_advertiser_countries(std::istream& in, const std::string& file_name);

// A spend bucket as Google writes it (`100-1k`, `1k–50k`, `≥ 100k`,
// `≤ 100`): whole units, `k` a thousand, `M` a million; the bounds as
// decimal digits, the upper none when open. Throws an input error naming
// `field` and the value otherwise.
std::pair<std::string, std::optional<std::string>> parse_spend_bucket(std::string_view text, std::string_view field);

// A mapping file: CSV with the header `source,advertiser`, one payer (as
// the source spells it; `page:ID` for a Meta page without a payer; a
// Google advertiser id) and the id of an advertiser of the ledger a row.
std::map<std::string, std::string> read_advertiser_map(std::istream& in, const std::string& file_name);

// The advertiser id made for a payer the mapping does not name:
// `meta-<words>-<8 hex of SHA-256 of the payer>` (stable, and distinct for
// payers that differ only in case or punctuation), `meta-page-<page id>`
// for a page whose ads name no payer, `google-<advertiser id>`.
std::string meta_payer_id(const std::string& payer);

}  // namespace ledger

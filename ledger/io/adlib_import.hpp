// Importers for the exports of platforms' ad libraries, as researchers
// download them:
//
// - Meta Ad Library report CSV (`Page ID,Page name,Disclaimer,Amount spent
//   (CUR),Number of ads in Library`): one row a page and payer for the
//   report's date range, which the file does not hold (give it).
// - Meta Ad Library API records, one JSON object a line as Meta's own
//   script saves them (`id`, `page_id`, `page_name`, `bylines`, `currency`,
//   `spend` and `impressions` as bounds, `ad_delivery_start_time` and
//   `_stop_time`, `publisher_platforms`).
// - Google political ads advertiser weekly spend CSV (`Advertiser_ID`,
//   `Advertiser_Name`, `Week_Start_Date`, a `Spend_CUR` column per
//   currency): one entry a row and currency.
//
// Each row becomes a spend entry of the payer (an advertiser made from the
// source's payer unless a mapping names an existing one), with the source's
// ids as its external id, so that importing a newer export adds only what is
// new, and the row itself in its note, as the citation. A file whose header
// is not the format's is refused, naming the columns expected. The caller
// runs the import in one WriteTransaction, as for every import.
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <string>

#include "ledger/io/import.hpp"

namespace ledger {

struct AdLibraryOptions {
  std::string source;                                // the export as cited (the CLI: the file's name unless given)
  std::string market;                                // required: the country a report or query covers
  std::optional<std::string> platform;               // facebook (Meta) or google unless given
  std::optional<Period> period;                      // Meta report only, required: the report's range
  std::map<std::string, std::string> advertiser_of;  // payer (or page:ID, or Google id) -> advertiser id
};

ImportCounts import_meta_report(Ledger& ledger, std::istream& in, const std::string& file_name,
                                const AdLibraryOptions& options, const ImportProgress& progress = {});
// An ad without a stop time is still running: its spend is still growing,
// and recorded now it would conflict with the final figure of a later
// export. It is not recorded, and counted in ImportCounts::running.
ImportCounts import_meta_api(Ledger& ledger, std::istream& in, const std::string& file_name,
                             const AdLibraryOptions& options, const ImportProgress& progress = {});
ImportCounts import_google_weekly(Ledger& ledger, std::istream& in, const std::string& file_name,
                                  const AdLibraryOptions& options, const ImportProgress& progress = {});

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

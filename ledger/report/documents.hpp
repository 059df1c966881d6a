// Each report as a printable document (render/document.hpp): the same
// sections, in the same order, in every format but JSON.
#pragma once

#include "ledger/render/document.hpp"
#include "ledger/report/advertiser_report.hpp"
#include "ledger/report/other_reports.hpp"

namespace ledger {

render::Document to_document(const AdvertiserReport& report);
render::Document to_document(const PlatformReport& report);
render::Document to_document(const PolicyTimeline& timeline);
render::Document to_document(const PledgesReport& report);
render::Document to_document(const Register& reg);
render::Document to_document(const BalanceReport& report);

}  // namespace ledger

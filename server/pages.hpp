// The website's pages: the report pages are the HTML reports of the command
// line (render/html.cpp) with a navigation bar and a footer that names the
// ledger's head; the home page, search and the ban-status form work without
// JavaScript (the pages carry none).
#pragma once

#include <optional>
#include <string>

#include "ledger/render/document.hpp"
#include "ledger/storage/store.hpp"
#include "server/service.hpp"

namespace adledger::server {

struct PageContext {
  ledger::Store& store;
  ledger::Date today;
};

Response home_page(PageContext& context);
Response search_page(PageContext& context, const std::string& text);
Response ban_status_page(PageContext& context, const std::optional<std::string>& advertiser,
                         const std::optional<std::string>& platform, const std::optional<std::string>& on);
Response report_page(PageContext& context, const ledger::render::Document& doc);
// An error as a page: its status, its phrase and the command line's message.
Response page_problem(int status, const std::string& title, const std::string& detail);

// A problem document (RFC 9457) for the API.
Response problem(int status, const std::string& detail, const char* kind);

}  // namespace adledger::server

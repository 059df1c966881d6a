#include "server/pages.hpp"

#include "ledger/audit/chain.hpp"
#include "ledger/error.hpp"
#include "ledger/ledger.hpp"
#include "ledger/report/answers.hpp"

namespace adledger::server {
namespace {

using ledger::render::html_escape;

// The text of a link's query value (RFC 3986: everything but the unreserved
// characters percent-encoded).
std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

const char* kNav =
    "<a href=\"/\">adledger</a><a href=\"/ban-status\">Ban status</a><a href=\"/policies\">Policy timeline</a>"
    "<a href=\"/pledges\">Pledges</a><a href=\"/api/v1/openapi.json\">API</a>";

// The footer names the ledger's head the page was built from, so that a
// reader can check it against a published checkpoint.
std::string footer(ledger::Store& store) {
  ledger::HeadAnswer head = ledger::head_of(store);
  std::string out = "Built by adledger at " + html_escape(ledger::utc_now()) + " from the ledger at ";
  if (!head.recorded_at) return out + "0 records (empty).";
  return out + std::to_string(head.tree.size) + " records, head <code>" + ledger::to_hex(head.tree.root) +
         "</code> (last recorded " + html_escape(*head.recorded_at) +
         "). Every figure is traceable to the ledger's entries and the sources listed; the same answers are at "
         "<a href=\"/api/v1/openapi.json\">/api/v1/</a>.";
}

Response html(int status, const std::string& title, const std::string& main_html, const std::string& footer_html) {
  return Response{status, "text/html; charset=utf-8",
                  ledger::render::render_html_page({title, kNav, main_html, footer_html}), {}};
}

std::string link(const std::string& href, const std::string& text) {
  return "<a href=\"" + html_escape(href) + "\">" + html_escape(text) + "</a>";
}

std::string ban_status_form(ledger::Store& store, const std::string& advertiser, const std::string& platform,
                            const std::string& on) {
  std::string out =
      "<form method=\"get\" action=\"/ban-status\">\n<label>Advertiser <input name=\"advertiser\" required "
      "list=\"advertisers\" value=\"" +
      html_escape(advertiser) + "\"></label>\n<label>Platform <select name=\"platform\"><option value=\"\">every platform</option>";
  for (const auto& p : store.platforms())
    out += "<option value=\"" + html_escape(p.id) + "\"" + (p.id == platform ? " selected" : "") + ">" +
           html_escape(p.name) + "</option>";
  out += "</select></label>\n<label>On <input name=\"on\" type=\"date\" value=\"" + html_escape(on) +
         "\"></label>\n<button type=\"submit\">Check</button>\n</form>\n<datalist id=\"advertisers\">";
  for (const auto& a : store.advertisers())
    out += "<option value=\"" + html_escape(a.id) + "\">" + html_escape(a.name) + "</option>";
  return out + "</datalist>\n";
}

}  // namespace

Response home_page(PageContext& context) {
  ledger::Store& store = context.store;
  std::string main =
      "<h1>adledger</h1>\n<p>An ad-transparency ledger: who paid which platform how much for sponsored content, "
      "over which period; what the platforms did about it; and whether an advertiser is banned on a platform on a "
      "day.</p>\n<form method=\"get\" action=\"/search\"><label>Search <input name=\"q\" type=\"search\" "
      "placeholder=\"an advertiser, a source, a note\"></label> <button type=\"submit\">Search</button></form>\n"
      "<h2>Is an advertiser banned?</h2>\n" +
      ban_status_form(store, "", "", ledger::format_date(context.today));
  main += "<h2>Advertisers</h2>\n";
  std::vector<ledger::Advertiser> advertisers = store.advertisers();
  if (advertisers.empty()) main += "<p class=\"empty\">none recorded</p>\n";
  else {
    main += "<div class=\"scroll\"><table><thead><tr><th>id</th><th>name</th><th>country</th><th>state-affiliated</th>"
            "</tr></thead><tbody>\n";
    for (const auto& a : advertisers)
      main += "<tr><td>" + link("/advertisers/" + url_encode(a.id), a.id) + "</td><td>" + html_escape(a.name) +
              "</td><td>" + html_escape(a.country.value_or("")) + "</td><td>" + (a.state_affiliated ? "yes" : "no") +
              "</td></tr>\n";
    main += "</tbody></table></div>\n";
  }
  main += "<h2>Platforms</h2>\n";
  std::vector<ledger::Platform> platforms = store.platforms();
  if (platforms.empty()) main += "<p class=\"empty\">none recorded</p>\n";
  else {
    main += "<ul>\n";
    for (const auto& p : platforms)
      main += "<li>" + link("/platforms/" + url_encode(p.id), p.name) + " (" + html_escape(p.id) + ")</li>\n";
    main += "</ul>\n";
  }
  return html(200, "adledger", main, footer(store));
}

Response search_page(PageContext& context, const std::string& text) {
  ledger::Store& store = context.store;
  std::string main = "<h1>Search</h1>\n<form method=\"get\" action=\"/search\"><label>Search <input name=\"q\" "
                     "type=\"search\" value=\"" +
                     html_escape(text) + "\"></label> <button type=\"submit\">Search</button></form>\n";
  if (text.empty()) return html(200, "Search", main, footer(store));
  ledger::SpendFilter filter;
  filter.search = text;
  filter.limit = 50;
  ledger::check_spend_filter(filter);
  auto holds = [&](const std::string& hay) { return ledger::holds_text(hay, text); };
  main += "<h2>Advertisers</h2>\n";
  std::string found;
  for (const auto& a : store.advertisers())
    if (holds(a.id) || holds(a.name)) found += "<li>" + link("/advertisers/" + url_encode(a.id), a.name) + " (" + html_escape(a.id) + ")</li>\n";
  main += found.empty() ? "<p class=\"empty\">none matches</p>\n" : "<ul>\n" + found + "</ul>\n";
  main += "<h2>Spend entries whose source, note or id holds it</h2>\n";
  ledger::Ledger ledger(store);
  ledger::SpendPage page = ledger::list_spend(ledger, filter);
  if (page.entries.empty()) main += "<p class=\"empty\">none matches</p>\n";
  else {
    main += "<div class=\"scroll\"><table><thead><tr><th>entry</th><th>period</th><th>advertiser</th><th>platform</th>"
            "<th class=\"num\">amount</th><th>source</th></tr></thead><tbody>\n";
    for (const auto& e : page.entries)
      main += "<tr><td class=\"nw\">#" + std::to_string(e.entry_id) + "</td><td class=\"nw\">" +
              html_escape(e.period.to_string()) + "</td><td>" +
              link("/advertisers/" + url_encode(e.advertiser_id), e.advertiser_id) + "</td><td>" +
              link("/platforms/" + url_encode(e.platform_id), e.platform_id) + "</td><td class=\"num\">" +
              html_escape(e.amount.format()) + "</td><td>" + html_escape(e.source) + "</td></tr>\n";
    main += "</tbody></table></div>\n";
    if (page.more)
      main += "<p class=\"note\">More entries match; the API lists them all: " +
              link("/api/v1/spend?search=" + url_encode(text), "/api/v1/spend?search=…") + "</p>\n";
  }
  return html(200, "Search: " + text, main, footer(store));
}

Response ban_status_page(PageContext& context, const std::optional<std::string>& advertiser,
                         const std::optional<std::string>& platform, const std::optional<std::string>& on) {
  ledger::Store& store = context.store;
  ledger::Date day = on ? ledger::parse_date(*on, "on") : context.today;
  std::string main = "<h1>Is an advertiser banned?</h1>\n" +
                     ban_status_form(store, advertiser.value_or(""), platform.value_or(""), ledger::format_date(day));
  if (advertiser) {
    ledger::Ledger ledger(store);
    ledger::BanStatusAnswer answer = ledger::ban_status_of(ledger, *advertiser, platform, day);
    main += "<h2>" + html_escape(*advertiser) + " on " + ledger::format_date(day) + "</h2>\n";
    if (answer.checks.empty()) main += "<p class=\"empty\">the ledger has no platforms</p>\n";
    for (const auto& c : answer.checks) {
      main += "<p class=\"answer\">" + html_escape(c.platform_id) + ": " + (c.banned ? "banned" : "not banned") + "</p>\n";
      if (!c.banned) continue;
      std::string since = "Banned since " + ledger::format_date(c.ban->date) +
                          (c.until ? " until " + ledger::format_date(*c.until) +
                                         (c.lifted_by ? " (lifted by " + c.lifted_by->id + ")" : "")
                                   : ", no end date") +
                          ", by " + c.ban->id + ".";
      main += "<p>" + html_escape(since) + "</p>\n<p>Reason: " + html_escape(c.ban->description) +
              "</p>\n<p>Source: " + html_escape(c.ban->source) + "</p>\n";
    }
  }
  return html(200, "Ban status", main, footer(store));
}

Response report_page(PageContext& context, const ledger::render::Document& doc) {
  return html(200, doc.title, ledger::render::render_html_main(doc), footer(context.store));
}

Response page_problem(int status, const std::string& title, const std::string& detail) {
  return html(status, title,
              "<h1>" + html_escape(title) + "</h1>\n<p>" + html_escape(detail) + "</p>\n<p>" + link("/", "Home") +
                  "</p>\n",
              "adledger");
}

}  // namespace adledger::server

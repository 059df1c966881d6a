#!/usr/bin/python3
"""Writes N ad-library rows in each format, and the same N spend entries as
JSON Lines, for timing `import` of each (docs/ad-libraries.md, Performance).

  generate_adlib.py N OUT_DIR

OUT_DIR/meta-api-pages.json (pages of 1,000 ads, pretty-printed),
meta-api.jsonl (one ad a line), google-weekly.csv (one USD spend a row),
google-creative.csv (one region and one range an ad) and spend.jsonl
(platforms, advertisers, then N spend entries). 500 payers; deterministic.
"""
import json
import os
import sys
import datetime


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    day0 = datetime.date(2019, 1, 6)
    ads = []
    for i in range(n):
        start = day0 + datetime.timedelta(days=i % 700)
        ads.append({"id": str(900000000000000 + i), "page_id": str(100000000000000 + i % 500),
                    "page_name": f"Page {i % 500}", "bylines": f"Payer {i % 500}", "currency": "EUR",
                    "ad_delivery_start_time": start.isoformat(),
                    "ad_delivery_stop_time": (start + datetime.timedelta(days=i % 9)).isoformat(),
                    "publisher_platforms": ["facebook", "instagram"],
                    "spend": {"lower_bound": str(100 * (i % 50)), "upper_bound": str(100 * (i % 50) + 99)}})
    with open(os.path.join(out, "meta-api.jsonl"), "w") as f:
        for ad in ads:
            f.write(json.dumps(ad) + "\n")
    with open(os.path.join(out, "meta-api-pages.json"), "w") as f:
        for p in range(0, n, 1000):
            f.write(json.dumps({"data": ads[p:p + 1000], "paging": {"cursors": {"after": str(p)}}}, indent=2) + "\n")
    with open(os.path.join(out, "google-weekly.csv"), "w") as f:
        f.write("Advertiser_ID,Advertiser_Name,Election_Cycle,Week_Start_Date,Spend_USD,Spend_EUR\n")
        for i in range(n):
            week = day0 + datetime.timedelta(weeks=i // 500)
            f.write(f"AR{i % 500:020d},Advertiser {i % 500},,{week.isoformat()},{100 * (1 + i % 40)},0\n")
    with open(os.path.join(out, "google-creative.csv"), "w") as f:
        f.write("Ad_ID,Advertiser_ID,Advertiser_Name,Regions,Date_Range_Start,Date_Range_End,Spend_USD,"
                "Spend_Range_Min_USD,Spend_Range_Max_USD\n")
        for i in range(n):
            start = day0 + datetime.timedelta(days=i % 700)
            f.write(f"CR{i:020d},AR{i % 500:020d},Advertiser {i % 500},US,{start.isoformat()},"
                    f"{(start + datetime.timedelta(days=i % 9)).isoformat()},1k-50k,1000,50000\n")
    with open(os.path.join(out, "spend.jsonl"), "w") as f:
        f.write(json.dumps({"type": "platform", "id": "meta", "name": "Meta"}) + "\n")
        for a in range(500):
            f.write(json.dumps({"type": "advertiser", "id": f"payer-{a}", "name": f"Payer {a}"}) + "\n")
        for i, ad in enumerate(ads):
            f.write(json.dumps({"type": "spend", "id": f"meta-api:{ad['id']}", "advertiser": f"payer-{i % 500}",
                                "platform": "meta", "amount": ad["spend"]["lower_bound"],
                                "upper": ad["spend"]["upper_bound"], "precision": "range", "currency": "EUR",
                                "period": ad["ad_delivery_start_time"] + ".." + ad["ad_delivery_stop_time"],
                                "items": 1, "market": "FR", "tags": ["meta-api", f"page:{ad['page_id']}"],
                                "source": f"meta-api.jsonl, line {i + 1}"}) + "\n")


if __name__ == "__main__":
    main()

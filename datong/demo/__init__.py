"""The demo world: a synthetic O2O retailer (禾木 HEMU) loaded through the ingestion path.

- the fixed shape: `world` (sizes, stores, staff, sources), `catalogue` (products)
- the people: `identities` (names, phones, WeChat and device ids), `people` (personas)
- the year: `seasons` (calendar), `activities` (the table), `basket` (products, coupons,
  totals), `behaviour` (the vectorised simulation)
- the messages: `compose` (numbering and timing), `contexts` (what each client sends),
  `online` and `offline` (Segment messages per activity), `generate` (world → chunks)
- the store: `setup` (stores, staff, sources, token), `loader` (split_messages + log.append
  per chunk), `credentials` (the sign-in sheet)

See docs/demo.md.
"""

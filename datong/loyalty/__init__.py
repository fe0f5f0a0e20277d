"""Omnichannel membership: enrolment anywhere, tiers on cross-channel spend, one points ledger.

Modules: `program` (the configuration), `tables`, `ledger` (the append-only ledger, lots and
the materialised balances), `earning` (orders → points, refunds → reversals), `redeem`
(spending and holds), `enrol`, `codes` (rotating member codes, signed enrolment links),
`tiers`, `jobs` (expiry, maturing, tier recalculation), `merge` (following persons),
`statement`, `service` (the public face other domains call), `routes`.
"""

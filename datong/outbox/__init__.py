"""Domain events: what the platform itself did (Member Enrolled, Coupon Redeemed, Person Merged)."""

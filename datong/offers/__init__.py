"""O2O offers: coupons claimed online and redeemed in store (线上领券·线下核销), referral
(分享裂变) and reservations for in-store experiences (预约到店)."""

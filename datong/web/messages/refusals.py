"""Why an offer or a membership action was refused: one headline per error code raised by
offers and loyalty, and `errdetail.<code>` with the specifics the error carries."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # Coupons
    "error.unknown_coupon": {
        "zh-CN": "没有找到这张券，请核对券码。",
        "en": "There is no coupon with this code; please check it.",
    },
    "error.bad_code": {
        "zh-CN": "码有误，可能输错了，请核对后重新输入（不含 0/O、1/I/L）。",
        "en": "That code does not add up, probably a typo; please check it (no 0/O, 1/I/L).",
    },
    "error.forged_qr": {
        "zh-CN": "二维码无效或被篡改。",
        "en": "This QR code is not valid or was altered.",
    },
    "error.already_redeemed": {
        "zh-CN": "这张券已被核销。",
        "en": "This coupon has been redeemed already.",
    },
    "errdetail.already_redeemed": {
        "zh-CN": "核销于 {redeemed_at}（{place}）。",
        "en": "Redeemed {redeemed_at} ({place}).",
    },
    "error.expired": {"zh-CN": "这张券已过期。", "en": "This coupon has expired."},
    "errdetail.expired": {"zh-CN": "有效期至 {until_at}。", "en": "It was valid until {until_at}."},
    "error.not_yet_valid": {
        "zh-CN": "这张券还没到可用时间。",
        "en": "This coupon cannot be used yet.",
    },
    "errdetail.not_yet_valid": {"zh-CN": "{from_at} 起可用。", "en": "Valid from {from_at}."},
    "error.wrong_channel": {
        "zh-CN": "这张券不能在这个渠道使用。",
        "en": "This coupon cannot be used in this channel.",
    },
    "errdetail.wrong_channel": {"zh-CN": "仅限{channel}使用。", "en": "Only: {channel}."},
    "error.store_not_allowed": {
        "zh-CN": "这张券不能在本店使用。",
        "en": "This coupon cannot be used in this store.",
    },
    "errdetail.store_not_allowed": {
        "zh-CN": "仅限门店 {stores} 使用。",
        "en": "Only in the stores {stores}.",
    },
    "error.below_min_spend": {
        "zh-CN": "订单金额未达到使用门槛。",
        "en": "The order is below the coupon's minimum spend.",
    },
    "errdetail.below_min_spend": {
        "zh-CN": "需满 {min_fen}，本单 {amount_fen}。",
        "en": "It needs {min_fen}; this order is {amount_fen}.",
    },
    "error.does_not_stack": {
        "zh-CN": "这张券不能与本单已用的券叠加使用。",
        "en": "This coupon cannot be combined with the coupon already used on this order.",
    },
    "error.idempotency_key_reused": {
        "zh-CN": "这次提交与之前的一次操作冲突，请刷新页面后重试。",
        "en": "This clashes with an earlier request; reload the page and try again.",
    },
    "error.template_inactive": {
        "zh-CN": "这个优惠券活动当前不能领取。",
        "en": "This coupon cannot be claimed now.",
    },
    "errdetail.template_inactive": {"zh-CN": "活动状态：{status}。", "en": "Status: {status}."},
    "error.template_ended": {
        "zh-CN": "这个优惠券活动已结束。",
        "en": "This coupon offer has ended.",
    },
    "errdetail.template_ended": {"zh-CN": "结束于 {until_at}。", "en": "It ended {until_at}."},
    "error.out_of_stock": {"zh-CN": "券已领完。", "en": "All of these coupons are gone."},
    "error.limit_reached": {
        "zh-CN": "已达到每人限领数量。",
        "en": "The customer holds as many of these as allowed.",
    },
    "errdetail.limit_reached": {"zh-CN": "每人限领 {limit} 张。", "en": "{limit} per person."},
    "error.not_eligible": {
        "zh-CN": "该顾客的会员等级不能领取这张券。",
        "en": "The customer's membership tier cannot claim this coupon.",
    },
    "error.not_for_points": {
        "zh-CN": "这张券不能用积分兑换。",
        "en": "This coupon cannot be exchanged for points.",
    },
    "error.wrong_store": {
        "zh-CN": "这属于其他门店，本店不能办理。",
        "en": "This belongs to another store; it cannot be done here.",
    },
    "errdetail.wrong_store": {
        "zh-CN": "这是门店 {store} 的预约。",
        "en": "The booking is for store {store}.",
    },
    # Referrals
    "error.unknown_code": {"zh-CN": "没有这个推荐码。", "en": "There is no such share code."},
    "error.self_referral": {"zh-CN": "不能推荐自己。", "en": "A customer cannot refer themselves."},
    "error.already_referred": {
        "zh-CN": "这位顾客已经被推荐过了。",
        "en": "This customer was referred already.",
    },
    # Reservations
    "error.unknown_booking": {
        "zh-CN": "没有找到这个预约，请核对预约码。",
        "en": "There is no such booking; please check the code.",
    },
    "error.slot_started": {
        "zh-CN": "这个时段已经开始，不能再预约或取消。",
        "en": "This slot has started; it can no longer be booked or cancelled.",
    },
    "error.slot_full": {"zh-CN": "这个时段已约满。", "en": "This slot is full."},
    "errdetail.slot_full": {"zh-CN": "剩余名额 {left} 个。", "en": "{left} seats left."},
    "error.already_booked": {
        "zh-CN": "该顾客已预约过这个时段。",
        "en": "The customer has booked this slot already.",
    },
    "error.not_booked": {
        "zh-CN": "这个预约现在不能签到或取消。",
        "en": "This booking cannot be checked in or cancelled now.",
    },
    "errdetail.not_booked": {"zh-CN": "预约状态：{status}。", "en": "It is {status}."},
    "error.too_early": {"zh-CN": "还没到签到时间。", "en": "Check-in has not opened yet."},
    "errdetail.too_early": {
        "zh-CN": "开始前 {minutes} 分钟开放签到，即 {opens_at} 起。",
        "en": "Check-in opens {minutes} minutes before the slot, at {opens_at}.",
    },
    "error.slot_over": {"zh-CN": "这个时段已结束。", "en": "This slot is over."},
    # Membership and points
    "error.other_store": {
        "zh-CN": "导购只能为本店操作。",
        "en": "A clerk can act for their own store only.",
    },
    "error.already_a_member": {
        "zh-CN": "该顾客已是会员。",
        "en": "This customer is a member already.",
    },
    "errdetail.already_a_member": {
        "zh-CN": "会员号 {member_no}，{enrolled_at} 在{place}入会。",
        "en": "Member number {member_no}, enrolled {enrolled_at} ({place}).",
    },
    "error.not_a_member": {"zh-CN": "该顾客还不是会员。", "en": "This customer is not a member."},
    "error.insufficient_points": {"zh-CN": "积分不足。", "en": "Not enough points."},
    "errdetail.insufficient_points": {
        "zh-CN": "可用 {spendable} 分，本次需要 {wanted} 分。",
        "en": "{spendable} points to spend; this needs {wanted}.",
    },
    "error.member_merged": {
        "zh-CN": "这个会员号已并入另一个会员，请使用合并后的会员号。",
        "en": "This member was merged into another; use the other member number.",
    },
    "errdetail.member_merged": {"zh-CN": "原会员号 {member_no}。", "en": "It was {member_no}."},
    "error.member_code_expired": {
        "zh-CN": "会员码已过期或无效，请让顾客在 App 里刷新后再出示。",
        "en": "The member code has expired or is not valid; ask the customer to refresh it.",
    },
    "error.order_taken": {
        "zh-CN": "这笔订单已经给其他会员积过分了。",
        "en": "This order earned points for another member already.",
    },
    "errdetail.order_taken": {"zh-CN": "订单号 {order_id}。", "en": "Order {order_id}."},
    "error.bad_enrol_link": {
        "zh-CN": "入会二维码无效（可能被改动过）。",
        "en": "This enrolment link is not valid (it may have been altered).",
    },
    "error.enrol_link_expired": {
        "zh-CN": "入会二维码已过期，请向门店索取新的二维码。",
        "en": "This enrolment link has expired; ask the store for a new QR code.",
    },
    # Point holds (raised as hold_<status>)
    "error.hold_expired": {"zh-CN": "积分冻结已过期。", "en": "The points hold has expired."},
    "error.hold_captured": {
        "zh-CN": "这笔冻结积分已经扣除。",
        "en": "These held points were taken already.",
    },
    "error.hold_released": {
        "zh-CN": "这笔冻结积分已经释放。",
        "en": "These held points were released already.",
    },
}

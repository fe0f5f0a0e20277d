"""Coupons and points as the console shows them: template and coupon states, the points
statement's entry kinds, causes and notes, and the coupon-template forms."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "tplstatus.active": {"zh-CN": "进行中", "en": "active"},
    "tplstatus.paused": {"zh-CN": "已暂停", "en": "paused"},
    "tplstatus.ended": {"zh-CN": "已结束", "en": "ended"},
    # Kinds of points-ledger entries.
    "entry.earn": {"zh-CN": "获得", "en": "earned"},
    "entry.release": {"zh-CN": "生效", "en": "released"},
    "entry.bonus": {"zh-CN": "奖励", "en": "bonus"},
    "entry.redeem": {"zh-CN": "使用", "en": "redeemed"},
    "entry.expire": {"zh-CN": "过期", "en": "expired"},
    "entry.reverse": {"zh-CN": "退款扣回", "en": "reversed"},
    "entry.repay": {"zh-CN": "偿还欠分", "en": "debt repaid"},
    "entry.adjust": {"zh-CN": "人工调整", "en": "adjusted"},
    "entry.merge": {"zh-CN": "会员合并", "en": "merged"},
    "entry.split": {"zh-CN": "会员拆分", "en": "split"},
    # Why points moved; {ref} is the order, the members or the reason it names.
    "cause.order": {"zh-CN": "订单 {ref}", "en": "order {ref}"},
    "cause.refund": {"zh-CN": "订单 {ref} 退款", "en": "refund of order {ref}"},
    "cause.payment": {"zh-CN": "积分抵现，订单 {ref}", "en": "paid with points, order {ref}"},
    "cause.coupon": {"zh-CN": "兑换优惠券 {ref}", "en": "exchanged for coupon {ref}"},
    "cause.expiry": {"zh-CN": "积分到期", "en": "points reached their expiry"},
    "cause.birthday": {"zh-CN": "{ref} 年生日礼", "en": "birthday bonus {ref}"},
    "cause.debt": {
        "zh-CN": "用新积分偿还欠分，订单 {ref}",
        "en": "repays owed points, order {ref}",
    },
    "cause.merge": {"zh-CN": "并入会员 {ref}", "en": "members {ref} merged in"},
    "cause.split": {
        "zh-CN": "拆分：合并期间由 {ref} 使用的积分",
        "en": "split: points {ref} spent while merged",
    },
    "cause.split_settlement": {
        "zh-CN": "拆分：合并期间另一位会员使用的积分",
        "en": "split: points the other member spent while merged",
    },
    "cause.admin": {"zh-CN": "调整原因：{ref}", "en": "adjusted: {ref}"},
    "statement.note_debt": {
        "zh-CN": "有 {points} 积分在使用后因退款被扣回，记为欠分，将从之后获得的积分中抵扣。",
        "en": ("{points} points were reversed by refunds after they had been spent; they are "
               "owed and will be repaid from future earnings."),
    },
    "statement.note_pending": {
        "zh-CN": "有 {points} 积分待生效，订单退货期结束后即可使用。",
        "en": "{points} points are pending until the return window of their orders closes.",
    },
}

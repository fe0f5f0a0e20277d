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
    # The coupon-template forms.
    "tplform.name": {"zh-CN": "券名称", "en": "Coupon name"},
    "tplform.name_hint": {"zh-CN": "例如 满300减50", "en": "e.g. ¥50 off ¥300"},
    "tplform.kind": {"zh-CN": "券类型", "en": "Kind"},
    "tplform.kind_amount_off": {"zh-CN": "立减（固定金额）", "en": "Amount off"},
    "tplform.kind_percent_off": {"zh-CN": "折扣（可设封顶）", "en": "Percent off, with a cap"},
    "tplform.kind_threshold": {"zh-CN": "满减（分档）", "en": "Spend tiers (满减)"},
    "tplform.kind_free_gift": {"zh-CN": "赠品", "en": "Free gift"},
    "tplform.kind_points_exchange": {
        "zh-CN": "积分兑换（立减）",
        "en": "Points exchange (amount off)",
    },
    "tplform.benefit": {"zh-CN": "优惠内容", "en": "What it gives"},
    "tplform.amount_off": {"zh-CN": "减免金额（元）", "en": "Amount off (¥)"},
    "tplform.percent_off": {
        "zh-CN": "折扣力度（%，20 即减 20%、八折）",
        "en": "Percent off (20 = 20 % off)",
    },
    "tplform.max_discount": {
        "zh-CN": "最多优惠（元，可不填）",
        "en": "Largest discount (¥, optional)",
    },
    "tplform.tier_spend": {"zh-CN": "第 {n} 档：满（元）", "en": "Tier {n}: spend (¥)"},
    "tplform.tier_off": {"zh-CN": "第 {n} 档：减（元）", "en": "Tier {n}: off (¥)"},
    "tplform.gift": {"zh-CN": "赠品（名称或货号）", "en": "Gift (name or SKU)"},
    "tplform.points_cost": {
        "zh-CN": "兑换所需积分（积分兑换券必填，其他可不填）",
        "en": "Points to exchange it for (required for points exchange)",
    },
    "tplform.min_spend": {
        "zh-CN": "最低消费（元，不填为无门槛）",
        "en": "Minimum spend (¥, empty for none)",
    },
    "tplform.validity": {"zh-CN": "有效期", "en": "Validity"},
    "tplform.by_days": {"zh-CN": "领取后若干天内有效", "en": "Days after it is claimed"},
    "tplform.valid_days": {"zh-CN": "领取后有效天数", "en": "Days valid after claim"},
    "tplform.by_dates": {"zh-CN": "固定日期", "en": "Fixed dates"},
    "tplform.valid_from": {"zh-CN": "开始日期（不填为立即）", "en": "From (empty: now)"},
    "tplform.valid_until": {"zh-CN": "结束日期（含当天）", "en": "Until (inclusive)"},
    "tplform.where": {"zh-CN": "使用范围", "en": "Where it can be used"},
    "tplform.channels": {"zh-CN": "使用渠道", "en": "Channels"},
    "tplform.channels_both": {"zh-CN": "线上和门店均可", "en": "Online and in store"},
    "tplform.channels_online": {"zh-CN": "仅线上", "en": "Online only"},
    "tplform.channels_offline": {"zh-CN": "仅门店", "en": "In store only"},
    "tplform.stores": {
        "zh-CN": "可用门店（不选即全部门店；可多选）",
        "en": "Stores (none selected: every store)",
    },
    "tplform.rules": {"zh-CN": "发放规则", "en": "Issuing rules"},
    "tplform.per_person": {"zh-CN": "每人限领（张）", "en": "Per person"},
    "tplform.per_person_short": {"zh-CN": "每人限领", "en": "Per person"},
    "tplform.stock": {"zh-CN": "库存（张，不填为不限）", "en": "Stock (empty: unlimited)"},
    "tplform.stock_edit": {"zh-CN": "库存（不填为不限）", "en": "Stock (empty: unlimited)"},
    "tplform.eligible_tiers": {
        "zh-CN": "可领会员等级（不选即所有人）",
        "en": "Member tiers that may claim (none selected: anyone)",
    },
    "tplform.stacks": {
        "zh-CN": "可与同一订单的其他券叠加使用",
        "en": "Can be combined with other coupons on one order",
    },
    "tplform.restore_on_refund": {
        "zh-CN": "订单退款后退还这张券",
        "en": "Give the coupon back when the order is refunded",
    },
    "tplform.save": {"zh-CN": "保存修改", "en": "Save"},
    "tplform.err_required": {"zh-CN": "请填写此项。", "en": "Fill this in."},
    "tplform.err_amount": {
        "zh-CN": "请输入大于 0 的金额（元），最多两位小数，例如 50 或 49.90。",
        "en": "Give an amount in yuan above 0 with at most two decimals, e.g. 49.90.",
    },
    "tplform.err_whole": {"zh-CN": "请输入正整数。", "en": "Give a whole number above 0."},
    "tplform.err_limit": {
        "zh-CN": "请输入 1 到 1000 之间的整数。",
        "en": "Give a whole number from 1 to 1000.",
    },
    "tplform.err_percent": {
        "zh-CN": "请输入 1 到 99 之间的整数（20 表示减 20%，即八折）。",
        "en": "Give a whole percent from 1 to 99.",
    },
    "tplform.err_days": {
        "zh-CN": "请输入 1 到 3660 之间的天数。",
        "en": "Give a number of days from 1 to 3660.",
    },
    "tplform.err_date": {"zh-CN": "请选择日期。", "en": "Pick a date."},
    "tplform.err_dates_order": {
        "zh-CN": "结束日期不能早于开始日期。",
        "en": "The last day cannot be before the first.",
    },
    "tplform.err_tier_off": {
        "zh-CN": "这一档的减免金额必须低于门槛金额。",
        "en": "This tier's discount must be below its spend.",
    },
    "tplform.err_tiers_none": {
        "zh-CN": "请至少填写一档“满多少、减多少”。",
        "en": "Give at least one tier: spend and off.",
    },
    "tplform.err_above_min_spend": {
        "zh-CN": "减免金额不能高于最低消费。",
        "en": "The amount off cannot be above the minimum spend.",
    },
    "tplform.err_choice": {
        "zh-CN": "请从列表中选择。",
        "en": "Choose from the list.",
    },
    "tplform.err_terms": {
        "zh-CN": "这些设置不能同时使用，请检查后重试。",
        "en": "These settings do not go together; please check them.",
    },
}

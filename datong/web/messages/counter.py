"""The clerk's counter page."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "counter.title": {"zh-CN": "柜台", "en": "Counter"},
    "counter.lookup": {"zh-CN": "查找顾客", "en": "Find the customer"},
    "counter.lookup_label": {"zh-CN": "手机号或会员码", "en": "Phone or member code"},
    "counter.lookup_hint": {"zh-CN": "输入或扫描", "en": "Type or scan"},
    "counter.find": {"zh-CN": "查找", "en": "Find"},
    "counter.not_found": {
        "zh-CN": "没有找到“{q}”对应的顾客，请核对号码。",
        "en": "No customer found for “{q}”; please check the number.",
    },
    "counter.here": {"zh-CN": "本店", "en": "This store"},
    "counter.here_line": {
        "zh-CN": "{orders} 单 · 到店 {visits} 次",
        "en": "{orders} orders · {visits} visits",
    },
    "counter.channel_line": {"zh-CN": "{orders} 单 · {spend}", "en": "{orders} orders · {spend}"},
    "counter.interest": {
        "zh-CN": "近 {days} 天线上关注",
        "en": "Online interest, last {days} days",
    },
    "counter.recommend": {
        "zh-CN": "推荐方向：{categories}（线上买过或看过的同类商品）",
        "en": "Recommend: {categories} (what they bought or looked at online)",
    },
    "counter.no_interest": {
        "zh-CN": "近期没有线上浏览、加购或购买。",
        "en": "No recent online views, carts or orders.",
    },
    "counter.enrol": {"zh-CN": "注册会员", "en": "Enrol a member"},
    "counter.coupon": {
        "zh-CN": "核销优惠券（扫码或输入券码）",
        "en": "Redeem a coupon (scan or type the code)",
    },
    "counter.reservation": {"zh-CN": "预约签到", "en": "Check in a reservation"},
    "interest.viewed": {"zh-CN": "浏览 {n} 次", "en": "viewed {n}×"},
    "interest.carted": {"zh-CN": "加购 {n} 次", "en": "carted {n}×"},
    "interest.bought": {"zh-CN": "购买 {n} 次", "en": "bought {n}×"},
    "counter.member": {"zh-CN": "会员", "en": "Member"},
    "counter.tier": {"zh-CN": "等级", "en": "Tier"},
    "counter.pending": {"zh-CN": "待生效积分", "en": "Pending points"},
    "counter.order": {"zh-CN": "门店消费积分", "en": "Points for a store order"},
    "counter.order_id": {"zh-CN": "POS 单号", "en": "POS order number"},
    "counter.amount": {"zh-CN": "订单金额（元）", "en": "Order amount (¥)"},
    "counter.order_submit": {"zh-CN": "记录订单并积分", "en": "Record the order and add points"},
    "counter.order_recorded": {
        "zh-CN": "订单已记录：积分 +{earned}（其中待生效 {pending}）。",
        "en": "Order recorded: +{earned} points ({pending} pending).",
    },
    "counter.pay": {"zh-CN": "积分抵现", "en": "Pay with points"},
    "counter.points_to_pay": {"zh-CN": "使用积分", "en": "Points to use"},
    "counter.pay_submit": {"zh-CN": "确认积分支付", "en": "Pay with these points"},
    "counter.pay_confirm": {"zh-CN": "确定用积分支付吗？", "en": "Pay with these points?"},
    "counter.paid_points": {
        "zh-CN": "积分支付成功，剩余可用积分 {balance}。",
        "en": "Paid with points; {balance} points left.",
    },
    "counter.enrol_help": {
        "zh-CN": "在{store}注册，导购与门店会被记录。",
        "en": "Enrolled at {store}; you and the store are recorded.",
    },
    "counter.enrol_submit": {"zh-CN": "注册为会员", "en": "Enrol as a member"},
    "counter.enrolled": {
        "zh-CN": "注册成功，会员号 {member_no}。",
        "en": "Enrolled: member number {member_no}.",
    },
    "counter.coupon_code": {"zh-CN": "券码或扫码", "en": "Coupon code or scan"},
    "counter.coupon_check": {"zh-CN": "查看优惠", "en": "Show the discount"},
    "counter.coupon_confirm": {"zh-CN": "确认核销", "en": "Redeem now"},
    "counter.coupon_redeemed": {
        "zh-CN": "已核销“{name}”：优惠 {discount}，应付 {payable}。",
        "en": "Redeemed “{name}”: {discount} off, {payable} to pay.",
    },
    "counter.discount": {"zh-CN": "优惠", "en": "Discount"},
    "counter.payable": {"zh-CN": "应付", "en": "To pay"},
    "counter.gift": {"zh-CN": "赠品", "en": "Gift"},
    "counter.claimed_via": {"zh-CN": "{channel}领取", "en": "claimed {channel}"},
    "counter.valid_until": {"zh-CN": "有效期至 {at}", "en": "valid until {at}"},
    "counter.booking_code": {"zh-CN": "预约码或扫码", "en": "Booking code or scan"},
    "counter.checkin_submit": {"zh-CN": "签到", "en": "Check in"},
    "counter.checked_in": {"zh-CN": "已签到：{name}（{at}）。", "en": "Checked in: {name} ({at})."},
    "counter.balance": {"zh-CN": "可用积分", "en": "Points to spend"},
}

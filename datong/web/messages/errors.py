"""Error headlines, one per error code, and their details with parameters."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "error.generic": {"zh-CN": "操作未能完成。", "en": "That did not work."},
    "error.detail": {"zh-CN": "原因：", "en": "Reason: "},
    "error.home": {"zh-CN": "返回首页", "en": "Back to the start page"},
    "error.back": {"zh-CN": "返回", "en": "Back"},
    "error.invalid": {
        "zh-CN": "输入有误，请检查后重试。",
        "en": "Something in the input is not right; please check it.",
    },
    "error.unauthorized": {"zh-CN": "用户名或密码错误。", "en": "Wrong username or password."},
    "error.locked": {
        "zh-CN": "登录失败次数过多，账号已暂时锁定，请 15 分钟后再试。",
        "en": (
            "Too many failed sign-ins: the account is locked for a while; try again in 15 minutes"
            "."
        ),
    },
    "error.forbidden": {"zh-CN": "你的角色无权进行此操作。", "en": "Your role may not do this."},
    "error.counter_only": {
        "zh-CN": "柜台页面供门店导购和店长使用。",
        "en": "The counter page is for the clerks and managers of a store.",
    },
    "error.csrf": {
        "zh-CN": "表单已过期或并非来自本控制台，请刷新页面后重试。",
        "en": (
            "The form has expired or did not come from this console; reload the page and try agai"
            "n."
        ),
    },
    "error.not_found": {"zh-CN": "没有找到你要的内容。", "en": "We could not find that."},
    "error.conflict": {
        "zh-CN": "与现有数据冲突。",
        "en": "That conflicts with what is there already.",
    },
    "error.method_not_allowed": {
        "zh-CN": "不支持这种操作方式。",
        "en": "That kind of request is not supported here.",
    },
    "error.internal": {
        "zh-CN": "服务器出了点问题，已记录，请稍后再试。",
        "en": "Something went wrong on our side; it has been logged. Please try again.",
    },
    "error.unavailable": {
        "zh-CN": "系统繁忙，请稍后再试。",
        "en": "The system is busy; please try again shortly.",
    },
    "error.http_error": {"zh-CN": "请求未能完成。", "en": "The request could not be completed."},
    "error.other_store": {
        "zh-CN": "导购只能为本店操作。",
        "en": "A clerk can act for their own store only.",
    },
    "error.already_a_member": {
        "zh-CN": "该顾客已是会员。",
        "en": "This customer is a member already.",
    },
    "error.not_a_member": {"zh-CN": "该顾客还不是会员。", "en": "This customer is not a member."},
    "error.insufficient_points": {"zh-CN": "积分不足。", "en": "Not enough points."},
    "error.unknown_coupon": {"zh-CN": "没有这张券。", "en": "No such coupon."},
    "error.forged_qr": {
        "zh-CN": "二维码无效或被篡改。",
        "en": "This QR code is not valid or was altered.",
    },
    "error.already_redeemed": {
        "zh-CN": "这张券已被核销。",
        "en": "This coupon has been redeemed already.",
    },
    "error.wrong_store": {
        "zh-CN": "这不是本店的预约。",
        "en": "This booking is for another store.",
    },
    "error.not_booked": {"zh-CN": "该预约不可签到。", "en": "This booking cannot be checked in."},
    "error.too_early": {"zh-CN": "还未到签到时间。", "en": "Check-in has not opened yet."},
    "error.slot_over": {"zh-CN": "该时段已结束。", "en": "This slot is over."},
}

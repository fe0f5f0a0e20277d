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
    "error.check_field": {"zh-CN": "请检查：{field}。", "en": "Please check: {field}."},
    "error.place_store": {"zh-CN": "门店 {store}", "en": "store {store}"},
    "error.config": {
        "zh-CN": "系统配置有误，请联系管理员。",
        "en": "The system is not configured correctly; please tell the administrator.",
    },
    "error.sign_in": {"zh-CN": "请先登录。", "en": "Please sign in first."},
    "error.overloaded": {
        "zh-CN": "系统繁忙，请稍后再试。",
        "en": "The system is overloaded; please try again shortly.",
    },
    "error.busy": {
        "zh-CN": "同一时间有另一项操作在处理，请再试一次。",
        "en": "Another operation was being handled at the same moment; please try again.",
    },
    "error.store_unavailable": {
        "zh-CN": "数据暂时无法保存，请稍后再试。",
        "en": "The data could not be saved just now; please try again shortly.",
    },
    "error.too_large": {"zh-CN": "提交的内容太大。", "en": "What was sent is too large."},
    "error.bad_encoding": {
        "zh-CN": "数据的压缩格式不受支持（请用 gzip）。",
        "en": "The data's compression is not supported (use gzip).",
    },
    "error.invalid_json": {"zh-CN": "数据不是有效的 JSON。", "en": "The data is not valid JSON."},
    "error.invalid_batch": {
        "zh-CN": "批量数据格式有误：batch 应是消息列表。",
        "en": "The batch is not right: batch must be a list of messages.",
    },
    "error.bad_auth": {"zh-CN": "写入密钥的格式不对。", "en": "The write key is not well formed."},
    "error.not_pending": {
        "zh-CN": "这条建议已经处理过了。",
        "en": "This suggestion has been decided already.",
    },
    "error.stale": {
        "zh-CN": "这条建议已失效：其中一位客户已被合并，请重新计算。",
        "en": "This suggestion is out of date: one of the customers was merged; score again.",
    },
    # Raised by the console's own forms.
    "error.bad_amount": {
        "zh-CN": "金额格式不对：请输入大于 0、最多两位小数的金额，例如 399 或 399.50。",
        "en": "That is not an amount: give yuan above 0 with at most two decimals, e.g. 399.50.",
    },
    "error.order_id_missing": {"zh-CN": "请填写 POS 单号。", "en": "Give the POS order number."},
    "error.bad_points": {
        "zh-CN": "积分须为大于 0 的整数。",
        "en": "Points must be a whole number above 0.",
    },
    "error.no_persons": {
        "zh-CN": "请填写要发券的客户，每行一位。",
        "en": "List the customers to issue to, one a line.",
    },
    "error.bad_capacity": {"zh-CN": "名额须为整数。", "en": "The capacity must be a whole number."},
    "error.bad_datetime": {
        "zh-CN": "日期时间格式不对，例如 2026-12-05 14:00。",
        "en": "That is not a date and time like 2026-12-05 14:00.",
    },
    "error.bad_status": {"zh-CN": "没有这种状态。", "en": "There is no such status."},
    "error.bad_edge": {"zh-CN": "关联编号须为数字。", "en": "The link number must be a number."},
    "error.bad_source_type": {
        "zh-CN": "没有这种 userId 类型。",
        "en": "There is no such userId type.",
    },
    "error.bad_template": {
        "zh-CN": "优惠券模板有误，请按提示修改。",
        "en": "The coupon template is not right; see the fields marked below.",
    },
    "error.store_required": {
        "zh-CN": "导购和店长必须选择所属门店。",
        "en": "Clerks and store managers must be given their store.",
    },
    "error.store_not_for_role": {
        "zh-CN": "只有导购和店长属于某个门店，请不要为这个角色选择门店。",
        "en": "Only clerks and store managers belong to a store; leave the store empty.",
    },
    "error.password_too_short": {"zh-CN": "密码太短。", "en": "The password is too short."},
    "errdetail.password_too_short": {
        "zh-CN": "至少需要 {min} 个字符。",
        "en": "It needs at least {min} characters.",
    },
    "error.username_taken": {"zh-CN": "用户名已被占用。", "en": "That username is taken."},
    "errdetail.username_taken": {
        "zh-CN": "已有员工账号“{username}”。",
        "en": "There is a staff account “{username}” already.",
    },
    "error.consent": {
        "zh-CN": "请先勾选同意条款。", "en": "Please tick the consent box first.",
    },
    "error.no_link": {
        "zh-CN": "这个链接无效，请重新扫描门店的二维码。",
        "en": "This link is not valid; please scan the store's QR code again.",
    },
    "error.bad_phone": {"zh-CN": "手机号不对。", "en": "That is not a mobile number."},
    "errdetail.bad_phone": {
        "zh-CN": "“{phone}”不是可用的手机号，请核对。",
        "en": "“{phone}” is not a usable mobile number; please check it.",
    },
    "error.bad_stock": {
        "zh-CN": "库存须为正整数（不填为不限）。",
        "en": "The stock must be a whole number above 0 (empty: unlimited).",
    },
    "error.bad_limit": {
        "zh-CN": "每人限领须为 1 到 1000 之间的整数。",
        "en": "The per-person limit must be a whole number from 1 to 1000.",
    },
    "error.stock_below_issued": {
        "zh-CN": "库存不能低于已发放的数量。",
        "en": "The stock cannot go below what was issued.",
    },
    "errdetail.stock_below_issued": {
        "zh-CN": "已发放 {issued} 张。",
        "en": "{issued} have been issued.",
    },
    "error.bad_role": {"zh-CN": "没有这种角色。", "en": "There is no such role."},
    # Field names, for "please check: …" when an error names no more than its field.
    "field.phone": {"zh-CN": "手机号", "en": "phone"},
    "field.name": {"zh-CN": "名称", "en": "name"},
    "field.amount": {"zh-CN": "金额", "en": "amount"},
    "field.order_id": {"zh-CN": "订单号", "en": "order number"},
    "field.points": {"zh-CN": "积分", "en": "points"},
    "field.qr": {"zh-CN": "二维码", "en": "QR code"},
    "field.store": {"zh-CN": "门店", "en": "store"},
    "field.member": {"zh-CN": "会员", "en": "member"},
    "field.clerk": {"zh-CN": "导购", "en": "clerk"},
    "field.tag": {"zh-CN": "标签", "en": "tag"},
    "field.stock": {"zh-CN": "库存", "en": "stock"},
    "field.persons": {"zh-CN": "发券对象", "en": "customers"},
    "field.capacity": {"zh-CN": "名额", "en": "capacity"},
    "field.hours": {"zh-CN": "营业时间", "en": "opening hours"},
    "field.username": {"zh-CN": "用户名", "en": "username"},
    "field.password": {"zh-CN": "密码", "en": "password"},
    "field.timezone": {"zh-CN": "时区", "en": "time zone"},
    "field.identifier": {"zh-CN": "身份标识", "en": "identifier"},
    "field.edge_id": {"zh-CN": "关联", "en": "link"},
    "field.template_id": {"zh-CN": "优惠券模板", "en": "coupon template"},
    "field.suggestion_id": {"zh-CN": "建议", "en": "suggestion"},
}

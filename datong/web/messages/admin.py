"""The admin pages: sources, tokens, stores, staff, quarantine, program, coupons, slots."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "admin.name": {"zh-CN": "名称", "en": "Name"},
    "admin.user_id_type": {"zh-CN": "userId 类型", "en": "userId type"},
    "admin.key_prefix": {"zh-CN": "密钥前缀", "en": "Key prefix"},
    "admin.created": {"zh-CN": "创建时间", "en": "Created"},
    "admin.new_source": {"zh-CN": "新建数据源", "en": "New source"},
    "admin.create": {"zh-CN": "创建", "en": "Create"},
    "admin.secret_once": {
        "zh-CN": "请立即复制保存，此密钥只显示这一次：",
        "en": "Copy it now; this secret is shown only once:",
    },
    "admin.role": {"zh-CN": "角色", "en": "Role"},
    "admin.state": {"zh-CN": "状态", "en": "State"},
    "admin.revoked_at": {"zh-CN": "已于 {at} 吊销", "en": "revoked {at}"},
    "admin.revoke": {"zh-CN": "吊销", "en": "Revoke"},
    "admin.revoke_confirm": {"zh-CN": "确定吊销令牌 {name} 吗？", "en": "Revoke the token {name}?"},
    "admin.token_revoked": {"zh-CN": "令牌 {name} 已吊销。", "en": "Token {name} revoked."},
    "admin.new_token": {"zh-CN": "新建 API 令牌", "en": "New API token"},
    "admin.store_for_role": {
        "zh-CN": "所属门店（导购与店长必填）",
        "en": "Store (required for clerks and store managers)",
    },
    "admin.no_store": {"zh-CN": "无", "en": "none"},
    "admin.code": {"zh-CN": "编码", "en": "Code"},
    "admin.city": {"zh-CN": "城市", "en": "City"},
    "admin.address": {"zh-CN": "地址", "en": "Address"},
    "admin.timezone": {"zh-CN": "时区", "en": "Time zone"},
    "admin.hours": {"zh-CN": "营业时间", "en": "Opening hours"},
    "admin.hours_help": {
        "zh-CN": "每天相同：10:00-22:00；或分天：mon-fri=10:00-22:00,sat-sun=09:00-23:00",
        "en": "Every day: 10:00-22:00; or per day: mon-fri=10:00-22:00,sat-sun=09:00-23:00",
    },
    "admin.new_store": {"zh-CN": "新建门店", "en": "New store"},
    "admin.store_created": {"zh-CN": "门店 {code} 已创建。", "en": "Store {code} created."},
    "admin.display_name": {"zh-CN": "显示名", "en": "Display name"},
    "admin.disabled": {"zh-CN": "已停用", "en": "disabled"},
    "admin.locked_until": {"zh-CN": "锁定至 {at}", "en": "locked until {at}"},
    "admin.active": {"zh-CN": "正常", "en": "active"},
    "admin.new_staff": {"zh-CN": "新建员工账号", "en": "New staff account"},
    "admin.staff_created": {
        "zh-CN": "员工账号 {username} 已创建。",
        "en": "Staff account {username} created.",
    },
    "admin.quarantine_intro": {
        "zh-CN": "未通过校验的消息保存在这里，附原因；修正后可重放入库，或丢弃。",
        "en": (
            "Messages that failed validation wait here with their reason; fix and replay them, or"
            " discard them."
        ),
    },
    "admin.received": {"zh-CN": "接收时间", "en": "Received"},
    "admin.source": {"zh-CN": "数据源", "en": "Source"},
    "admin.reason": {"zh-CN": "原因", "en": "Reason"},
    "admin.quarantined": {"zh-CN": "隔离消息 #{id}", "en": "Quarantined message #{id}"},
    "admin.event_id": {"zh-CN": "事件 #{id}", "en": "event #{id}"},
    "admin.replay": {"zh-CN": "重放", "en": "Replay"},
    "admin.fixed_message": {
        "zh-CN": "消息（可先修正再重放）",
        "en": "Message (fix it before replaying if needed)",
    },
    "admin.discard": {"zh-CN": "丢弃", "en": "Discard"},
    "admin.discard_confirm": {"zh-CN": "确定丢弃这条消息吗？", "en": "Discard this message?"},
    "admin.replayed": {
        "zh-CN": "已重放，存为事件 #{event}。",
        "en": "Replayed: stored as event #{event}.",
    },
    "admin.discarded": {"zh-CN": "已丢弃。", "en": "Discarded."},
    "admin.message": {"zh-CN": "消息内容", "en": "Message"},
    "quarantine.pending": {"zh-CN": "待处理", "en": "pending"},
    "quarantine.replayed": {"zh-CN": "已重放", "en": "replayed"},
    "quarantine.discarded": {"zh-CN": "已丢弃", "en": "discarded"},
    "admin.tiers": {"zh-CN": "等级", "en": "Tiers"},
    "admin.threshold": {"zh-CN": "门槛（近 12 个月消费）", "en": "Threshold (12-month spend)"},
    "admin.program": {"zh-CN": "计划配置", "en": "Program"},
    "admin.program_toml": {
        "zh-CN": "计划（TOML：积分规则、等级、权益、有效期）",
        "en": "Program (TOML: earning, tiers, benefits, expiry)",
    },
    "admin.save": {"zh-CN": "保存", "en": "Save"},
    "admin.program_saved": {
        "zh-CN": "会员计划已保存（第 {version} 版）。",
        "en": "Loyalty program saved (version {version}).",
    },
    "admin.stock": {"zh-CN": "已发 / 库存", "en": "Issued / stock"},
    "admin.issue": {"zh-CN": "发券", "en": "Issue"},
    "admin.issue_to": {
        "zh-CN": "发给（每行一位：123 或 phone:138…）",
        "en": "Issue to (one a line: 123 or phone:138…)",
    },
    "admin.issued": {
        "zh-CN": "已发放 {issued} 张，{refused} 位未发放。",
        "en": "{issued} issued, {refused} refused.",
    },
    "admin.new_template": {"zh-CN": "新建优惠券模板", "en": "New coupon template"},
    "admin.template_saved": {
        "zh-CN": "模板“{name}”已保存（{status}）。",
        "en": "Template “{name}” saved ({status}).",
    },
    "admin.template_created": {
        "zh-CN": "模板“{name}”已创建（#{id}）。",
        "en": "Template “{name}” created (#{id}).",
    },
    "admin.starts": {"zh-CN": "开始", "en": "Starts"},
    "admin.ends": {"zh-CN": "结束", "en": "Ends"},
    "admin.capacity": {"zh-CN": "名额", "en": "Capacity"},
    "admin.add_slot": {"zh-CN": "添加时段", "en": "Add a slot"},
    "admin.new_experience": {"zh-CN": "新建到店体验", "en": "New in-store experience"},
    "admin.description": {"zh-CN": "说明", "en": "Description"},
    "admin.experience_created": {
        "zh-CN": "体验“{name}”已创建。",
        "en": "Experience “{name}” created.",
    },
    "admin.slot_added": {"zh-CN": "已添加 {n} 个时段。", "en": "{n} slots added."},
}

"""Console strings in zh-CN (default) and English."""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"zh-CN": "打通 · 全渠道客户数据平台", "en": "datong · omnichannel customer data"},
    "welcome": {
        "zh-CN": "线上线下，一个客户、一个会员、一套数据。",
        "en": "Online and in store: one customer, one membership, one set of facts.",
    },
    "status": {"zh-CN": "运行状态", "en": "Status"},
    "events": {"zh-CN": "事件", "en": "Events"},
    "stores": {"zh-CN": "门店", "en": "Stores"},
    "sources": {"zh-CN": "数据源", "en": "Sources"},
    "api_docs": {"zh-CN": "接口文档", "en": "API reference"},
    "health": {"zh-CN": "健康检查", "en": "Health check"},
    "console_soon": {
        "zh-CN": "完整的营销控制台与导购柜台页即将上线。",
        "en": "The full marketing console and the clerk's counter page are coming.",
    },
    "switch": {"zh-CN": "English", "en": "中文"},
}


def pick_language(query: str | None, accept: str | None) -> str:
    if query in LANGUAGES:
        return query
    if query == "zh":
        return "zh-CN"
    if accept and accept.lower().startswith("en"):
        return "en"
    return "zh-CN"


def translator(lang: str) -> dict[str, str]:
    return {key: texts[lang] for key, texts in MESSAGES.items()}

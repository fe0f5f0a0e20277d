"""What the landing pages say, in zh-CN (the default) and English, and picking the language."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh-CN", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "title.join": ("加入会员", "Join the membership"),
    "title.referral": ("好友邀请你加入会员", "A friend invited you to join"),
    "title.welcome": ("欢迎加入！", "Welcome!"),
    "title.refused": ("暂时无法加入", "We could not sign you up"),
    "lang.switch": ("English", "中文"),
    "join.store": ("门店：{store}", "Store: {store}"),
    "join.clerk": ("为您服务的导购：{clerk}", "Your adviser: {clerk}"),
    "join.lead": ("一个会员，线上线下通用：积分、会员价和优惠券在App和每家门店都有效。",
                  "One membership online and in store: points, member prices and coupons "
                  "work in the app and in every store."),
    "referral.lead": ("填写手机号即可加入，成为会员后在App和门店都能使用。",
                      "Join with your mobile number; the membership works in the app and "
                      "in every store."),
    "offer.intro": ("加入即得：{name}", "Join and get: {name}"),
    "offer.amount_off": ("立减 {amount}", "{amount} off"),
    "offer.percent_off": ("{percent}% 折扣", "{percent}% off"),
    "offer.threshold": ("满 {spend} 减 {off}", "{off} off orders from {spend}"),
    "offer.free_gift": ("赠品：{gift}", "Free gift: {gift}"),
    "offer.min_spend": ("满 {amount} 可用", "on orders from {amount}"),
    "offer.valid_days": ("领取后 {days} 天内有效", "valid for {days} days"),
    "form.phone": ("手机号", "Mobile number"),
    "form.name": ("称呼（选填）", "Name (optional)"),
    "form.consent": ("我同意加入会员，并同意品牌依照会员章程和隐私政策使用我的手机号。",
                     "I agree to join and to the brand using my mobile number under the "
                     "membership terms and privacy policy."),
    "form.submit": ("立即加入", "Join now"),
    "note.join": ("本页不发送短信验证码：请在店员面前填写，店员会当面核对您的手机号。",
                  "This page sends no SMS code: fill it in with the clerk, who checks "
                  "your number in person."),
    "note.referral": ("本页不发送短信验证码：品牌会在您首次到店或下单时核对手机号。",
                      "This page sends no SMS code: the brand confirms your number at your "
                      "first visit or order."),
    "welcome.member_no": ("您的会员号", "Your member number"),
    "welcome.tier": ("会员等级：{tier}", "Tier: {tier}"),
    "welcome.how": ("结账时报手机号或出示会员号即可积分。",
                    "Give your number or show this member number at the till to earn "
                    "points."),
    "reward.granted": ("新人礼「{name}」已放入您的账户。",
                       "Your welcome gift “{name}” is in your account."),
    "reward.pending": ("完成首单后，新人礼会放入您的账户。",
                       "Your welcome gift arrives with your first order."),
    "error.bad_enrol_link": ("这个二维码不是本品牌生成的，或已被改动。请向店员索取新的二维码。",
                             "This QR code was not made by the brand, or it was altered. "
                             "Ask the clerk for a new one."),
    "error.enrol_link_expired": ("这个二维码已过期。请向店员索取新的二维码。",
                                 "This QR code has expired. Ask the clerk for a new one."),
    "error.no_link": ("缺少二维码信息。请重新扫描门店的会员二维码。",
                      "The link is incomplete. Scan the store's membership QR code again."),
    "error.bad_code": ("这个邀请链接不完整或有误，请向好友确认。",
                       "This invitation link is incomplete or mistyped; check it with your "
                       "friend."),
    "error.unknown_code": ("这个邀请链接无效，请向好友确认。",
                           "This invitation link is not valid; check it with your friend."),
    "error.already_a_member": ("这个手机号已经是会员了。请在App中出示会员码，或请店员帮您查询。",
                               "This number is already a member. Show your member code in "
                               "the app, or ask a clerk to look you up."),
    "error.phone": ("请填写正确的手机号。", "Please enter a valid mobile number."),
    "error.consent": ("请先勾选同意，再加入会员。", "Please tick the agreement to join."),
    "error.too_many": ("尝试次数太多，请稍后再试。", "Too many tries; please try again later."),
    "error.generic": ("暂时无法完成，请稍后再试或联系店员。",
                      "This could not be done now; try again later or ask a clerk."),
}


def pick_language(query: str | None, accept: str | None) -> str:
    """`?lang=` first, then the browser's Accept-Language; zh-CN otherwise."""
    if query in LANGUAGES:
        return query
    if query is None and accept and accept.lower().startswith("en"):
        return "en"
    return LANGUAGES[0]


class Text:
    """`t("key", name=…)`: the message in the page's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._index = LANGUAGES.index(lang)

    def __call__(self, key: str, **values: Any) -> str:
        pair = _TEXT.get(key) or _TEXT["error.generic"]
        return pair[self._index].format(**values)

    def has(self, key: str) -> bool:
        return key in _TEXT

    def other(self) -> str:
        return LANGUAGES[1 - self._index]


def yuan(fen: int) -> str:
    """¥ and the amount, without needless decimals (¥30, ¥29.90)."""
    whole, cents = divmod(int(fen), 100)
    return f"¥{whole:,}" if cents == 0 else f"¥{whole:,}.{cents:02d}"


def describe_offer(t: Text, terms: dict[str, Any]) -> list[str]:
    """A coupon's terms as a visitor reads them, one line each."""
    kind = terms.get("kind")
    lines = []
    if kind in ("amount_off", "points_exchange") and terms.get("amount_off"):
        lines.append(t("offer.amount_off", amount=yuan(terms["amount_off"])))
    elif kind == "percent_off":
        lines.append(t("offer.percent_off", percent=terms.get("percent_off")))
    elif kind == "threshold":
        lines += [t("offer.threshold", spend=yuan(tier["spend"]), off=yuan(tier["off"]))
                  for tier in terms.get("tiers", [])]
    elif kind == "free_gift":
        lines.append(t("offer.free_gift", gift=terms.get("gift")))
    if terms.get("min_spend") and kind != "threshold":
        lines.append(t("offer.min_spend", amount=yuan(terms["min_spend"])))
    if terms.get("valid_days"):
        lines.append(t("offer.valid_days", days=terms["valid_days"]))
    return lines

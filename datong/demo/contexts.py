"""What each client library puts around an event: context objects and identify traits.

Each source has its own habits, as real ones do: the app sends E.164 phone numbers, the
mini-program WeChat's bare 11 digits, the web shop whatever the customer typed, the POS
what the clerk typed (and sometimes a placeholder such as 13800000000).
"""

from __future__ import annotations

import hashlib
from typing import Any

from datong.demo.activities import CAMPAIGNS
from datong.demo.identities import JUNK_PHONES, format_phone
from datong.demo.people import APP, DEVICE_MODELS, MINI, People
from datong.demo.world import TIMEZONE

_APP_VERSIONS = ("5.0.2", "5.1.0", "5.2.1", "5.3.0")  # one per quarter of the year
_MINI_SCENES = (1001, 1089, 1007, 1011)  # discover, recent, shared card, scanned QR
_UA = {
    "iOS": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Android": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/124.0.0.0 Mobile Safari/537.36",
    "HarmonyOS": "Mozilla/5.0 (Linux; Android 12; HarmonyOS) AppleWebKit/537.36 (KHTML, like "
                 "Gecko) Chrome/114.0.0.0 Mobile Safari/537.36",
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
               "Gecko) Chrome/126.0.0.0 Safari/537.36",
}


def campaign(index: int, staff: str | None = None) -> dict[str, str]:
    source, medium, name = CAMPAIGNS[index]
    found = {"source": source, "medium": medium, "name": name}
    if staff:
        found["content"] = staff  # the clerk whose QR code was scanned
    return found


def app_context(people: People, person: int, device: int, quarter: int,
                campaign_: dict[str, str] | None) -> dict[str, Any]:
    maker, model, os_name, os_version = DEVICE_MODELS[people.model[person]]
    version = _APP_VERSIONS[min(quarter, 3)]
    ctx: dict[str, Any] = {
        "app": {"name": "禾木", "version": version, "build": version.replace(".", "")},
        "device": {"id": people.device_id[person][device], "manufacturer": maker, "model": model,
                   "type": "ios" if os_name == "iOS" else "android"},
        "os": {"name": os_name, "version": os_version},
        "library": {"name": "analytics-ios" if os_name == "iOS" else "analytics-android",
                    "version": "4.1.8" if os_name == "iOS" else "4.11.3"},
        "locale": "zh-CN", "timezone": TIMEZONE,
    }
    if campaign_:
        ctx["campaign"] = campaign_
    return ctx


def mini_context(people: People, person: int, scene: int,
                 campaign_: dict[str, str] | None) -> dict[str, Any]:
    maker, model, os_name, os_version = DEVICE_MODELS[people.model[person]]
    ctx: dict[str, Any] = {
        "app": {"name": "禾木会员商城", "version": "2.8.1"},
        "library": {"name": "analytics-wechat-miniprogram", "version": "1.4.0"},
        "device": {"manufacturer": maker, "model": model},
        "os": {"name": os_name, "version": os_version},
        "wechat": {"scene": 1011 if campaign_ and campaign_["source"] == "store_qr"
                   else _MINI_SCENES[scene % 3]},
        "locale": "zh_CN", "timezone": TIMEZONE,
    }
    if campaign_:
        ctx["campaign"] = campaign_
    return ctx


def web_context(people: People, person: int, campaign_: dict[str, str] | None) -> dict[str, Any]:
    os_name = DEVICE_MODELS[people.model[person]][2]
    desktop = people.model[person] % 3 == 0
    ctx: dict[str, Any] = {
        "library": {"name": "analytics.js", "version": "next-1.72.0"},
        "userAgent": _UA["desktop" if desktop else os_name],
        "locale": "zh-CN", "timezone": TIMEZONE,
    }
    if campaign_:
        ctx["campaign"] = campaign_
    return ctx


def tablet_context(store_code: str) -> dict[str, Any]:
    return {
        "app": {"name": "禾木", "version": "5.3.0", "build": "530"},
        "device": {"id": tablet_device(store_code), "manufacturer": "HUAWEI",
                   "model": "MatePad Pro 13.2", "type": "android"},
        "os": {"name": "HarmonyOS", "version": "4.2.0"},
        "library": {"name": "analytics-android", "version": "4.11.3"},
        "locale": "zh-CN", "timezone": TIMEZONE,
    }


def tablet_device(store_code: str) -> str:
    """The anonymousId of a store's shared tablet: one device id, many customers."""
    h = hashlib.sha256(f"hemu-tablet-{store_code}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def online_traits(people: People, person: int, platform: int, junk: bool) -> dict[str, Any]:
    """Traits sent when a person signs in online, in the platform's own phone format."""
    number = int(people.phone[person])
    if junk:
        phone = JUNK_PHONES[number % len(JUNK_PHONES)]
    elif platform == APP:
        phone = format_phone(number, 1)
    elif platform == MINI:
        phone = format_phone(number, 0)
    else:
        phone = format_phone(number, int(people.phone_style[person]))
    traits: dict[str, Any] = {"phone": phone, **_person(people, person)}
    if platform == MINI:
        traits["wechat_openid"] = people.openid[person]
        traits["wechat_unionid"] = people.unionid[person]
    if people.email[person] and platform != MINI:
        traits["email"] = people.email[person]
    return traits


def store_traits(people: People, person: int, store_code: str, clerk: str) -> dict[str, Any]:
    """Traits a clerk enters when enrolling a member at the till."""
    number = int(people.phone[person])
    return {
        "phone": format_phone(number, 4 if number % 10 == 0 else 0),
        **_person(people, person),
        "enrolled_store": store_code,
        "enrolled_by": clerk,
    }


def _person(people: People, person: int) -> dict[str, Any]:
    traits: dict[str, Any] = {
        "name": people.name[person],
        "gender": "female" if people.female[person] else "male",
        "birthday": people.birthday[person],
        "city": people.city[person],
        "marketing_opt_in": bool(people.opt_in[person]),
    }
    if people.member_id[person]:
        traits["member_id"] = people.member_id[person]
    return traits


def till_phone(people: People, person: int) -> str:
    """The number a clerk types at the POS for a non-member."""
    number = int(people.phone[person])
    return format_phone(number, 2 if number % 7 == 0 else 0)

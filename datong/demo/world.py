"""The fixed shape of the demo world: sizes, the brand's stores, staff and event sources.

Nothing here depends on the seed: re-running the demo with another seed reuses the same
stores, staff accounts and sources and only adds behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from datong.stores.schemas import DAYS

BRAND = "禾木 HEMU"
DEMO_PASSWORD = "hemu-demo-2026"
ADMIN_TOKEN_NAME = "demo-admin"
TIMEZONE = "Asia/Shanghai"
UTC_OFFSET_HOURS = 8  # every demo store is in China: no daylight saving to care about
DAYS_SIMULATED = 365


@dataclass(frozen=True)
class Size:
    """How big a world to make; `activity` scales every customer's session and visit rates."""

    name: str
    customers: int
    visitors: int  # anonymous browsers and walk-ins who never identify
    stores: int
    products: int
    activity: float


SIZES: dict[str, Size] = {
    "tiny": Size("tiny", 40, 16, 2, 48, 1.0),
    "small": Size("small", 300, 120, 6, 96, 1.35),
    "medium": Size("medium", 20_000, 8_000, 12, 240, 0.65),
    "large": Size("large", 140_000, 56_000, 20, 480, 0.65),
}


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    city: str
    address: str
    latitude: float
    longitude: float
    hours: tuple[tuple[str, str], tuple[str, str]]  # (mon-thu, fri-sun)

    def opening_hours(self) -> dict[str, tuple[str, str]]:
        weekday, weekend = self.hours
        return {d: (weekday if i < 4 else weekend) for i, d in enumerate(DAYS)}


_MALL = (("10:00", "22:00"), ("10:00", "22:30"))
_STREET = (("09:30", "21:30"), ("09:30", "22:00"))

# Ordered so that every size's first N stores spread over several cities; the city is the
# address's first two characters.
_STORE_ROWS = (
    ("SH01", "上海静安店", "上海市静安区南京西路1618号L2", 31.2286, 121.4487, _MALL),
    ("BJ01", "北京三里屯店", "北京市朝阳区三里屯路19号南区S7", 39.9339, 116.4540, _MALL),
    ("HZ01", "杭州湖滨店", "杭州市上城区延安路258号", 30.2592, 120.1632, _STREET),
    ("CD01", "成都春熙路店", "成都市锦江区春熙路16号", 30.6556, 104.0807, _STREET),
    ("SZ01", "深圳万象城店", "深圳市罗湖区宝安南路1881号L3", 22.5390, 114.1130, _MALL),
    ("SH02", "上海徐汇店", "上海市徐汇区漕溪北路88号B1", 31.1947, 121.4376, _MALL),
    ("BJ02", "北京西单店", "北京市西城区西单北大街131号", 39.9123, 116.3741, _STREET),
    ("GZ01", "广州天河店", "广州市天河区天河路208号L1", 23.1325, 113.3240, _MALL),
    ("HZ02", "杭州滨江店", "杭州市滨江区江南大道228号", 30.2084, 120.2107, _MALL),
    ("CD02", "成都太古里店", "成都市锦江区中纱帽街8号", 30.6535, 104.0840, _MALL),
    ("SH03", "上海陆家嘴店", "上海市浦东新区世纪大道8号L1", 31.2363, 121.5023, _MALL),
    ("NJ01", "南京新街口店", "南京市秦淮区中山南路1号", 32.0418, 118.7847, _MALL),
    ("SZ02", "深圳南山店", "深圳市南山区科苑南路2700号", 22.5184, 113.9468, _MALL),
    ("WH01", "武汉江汉路店", "武汉市江汉区江汉路118号", 30.5799, 114.2868, _STREET),
    ("BJ03", "北京望京店", "北京市朝阳区望京街9号", 39.9935, 116.4810, _MALL),
    ("GZ02", "广州北京路店", "广州市越秀区北京路168号", 23.1247, 113.2696, _STREET),
    ("XA01", "西安小寨店", "西安市雁塔区长安中路88号", 34.2237, 108.9469, _MALL),
    ("SU01", "苏州观前街店", "苏州市姑苏区观前街245号", 31.3102, 120.6247, _STREET),
    ("CQ01", "重庆解放碑店", "重庆市渝中区民权路28号", 29.5577, 106.5775, _STREET),
    ("TJ01", "天津滨江道店", "天津市和平区滨江道208号", 39.1223, 117.1994, _STREET),
)
STORES: tuple[StoreSpec, ...] = tuple(
    StoreSpec(code, name, address[:2], address, lat, lon, hours)
    for code, name, address, lat, lon, hours in _STORE_ROWS
)

# Cities where online-only customers live although the brand has no store there.
ONLINE_CITIES = ("郑州", "长沙", "厦门", "青岛", "合肥", "昆明", "大连", "宁波")

# (name, channel, what it stands for)
# name, channel, description; the offline systems know customers by member number.
SOURCES: tuple[tuple[str, str, str], ...] = (
    ("app", "online", "the brand's iOS/Android app"),
    ("mini-program", "online", "the WeChat mini-program shop"),
    ("web", "online", "the web shop"),
    ("pos", "offline", "the stores' POS: orders, refunds, member enrolment"),
    ("store-sensors", "offline", "door counters and Wi-Fi check-in: store visits and dwell time"),
)

_STAFF_NAMES = (
    "王芳", "李娜", "张敏", "刘洋", "陈静", "杨丽", "赵磊", "黄婷", "周杰", "吴倩", "徐慧",
    "孙浩", "马琳", "朱颖", "胡斌", "郭佳", "何雪", "高翔", "林晓", "罗欣", "梁爽", "宋雨",
    "郑凯", "谢宁", "韩梅", "唐宇", "冯洁", "于婧", "董鹏", "萧然", "程诺", "曹璐",
)


@dataclass(frozen=True)
class StaffSpec:
    username: str
    role: str
    display_name: str
    store_code: str | None = None


def stores_for(size: Size) -> tuple[StoreSpec, ...]:
    return STORES[: size.stores]


def clerk_count(store_index: int) -> int:
    """Two or three clerks per store, alternating, so the roster does not depend on the seed."""
    return 2 + store_index % 2


def staff_roster(stores: tuple[StoreSpec, ...]) -> list[StaffSpec]:
    """An admin, a marketer, and per store a manager and its clerks (导购)."""
    roster = [
        StaffSpec("admin", "admin", "系统管理员"),
        StaffSpec("marketer", "marketer", "市场部 · 林悦"),
    ]
    names = iter(_STAFF_NAMES * 4)
    for i, store in enumerate(stores):
        prefix = store.code.lower()
        roster.append(StaffSpec(f"{prefix}-manager", "store_manager", f"{next(names)}（店长）",
                                store.code))
        for n in range(1, clerk_count(i) + 1):
            roster.append(StaffSpec(f"{prefix}-clerk{n}", "clerk", next(names), store.code))
    return roster


def clerk_usernames(stores: tuple[StoreSpec, ...]) -> list[list[str]]:
    """Per store (in order), the usernames of its clerks; POS orders name them as staff_id."""
    return [
        [f"{s.code.lower()}-clerk{n}" for n in range(1, clerk_count(i) + 1)]
        for i, s in enumerate(stores)
    ]

"""The brand's catalogue: apparel and beauty SKUs with Chinese names and prices in fen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from datong.demo.world import BRAND

# Seasonal profiles: a multiplier per month (Jan..Dec) on how often a category is looked at.
_FLAT = (1.0,) * 12
_SUMMER = (0.4, 0.5, 0.8, 1.1, 1.6, 1.9, 1.9, 1.6, 1.0, 0.6, 0.4, 0.4)
_WINTER = (1.9, 1.4, 0.8, 0.4, 0.2, 0.1, 0.1, 0.2, 0.5, 1.2, 2.2, 2.4)
_SHOULDER = (0.7, 0.9, 1.4, 1.5, 1.0, 0.6, 0.5, 0.8, 1.4, 1.6, 1.1, 0.7)


@dataclass(frozen=True)
class Category:
    code: str
    path: str  # "女装/连衣裙"
    item: str  # the noun ending each product name
    styles: tuple[str, ...]
    yuan: tuple[int, int]  # price range in yuan
    season: tuple[float, ...]
    share: float  # relative demand
    search_terms: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("DR", "女装/连衣裙", "连衣裙", ("法式碎花", "醋酸缎面", "真丝印花", "方领泡泡袖",
             "针织吊带", "小黑裙·通勤", "波点茶歇", "亚麻衬衫式"), (199, 699), _SUMMER, 1.6,
             ("连衣裙", "碎花裙", "茶歇裙", "小黑裙")),
    Category("KN", "女装/针织衫", "针织衫", ("羊绒圆领", "马海毛开衫式", "冰丝短袖", "半高领",
             "麻花纹", "V领羊毛"), (159, 899), _WINTER, 1.2, ("针织衫", "羊绒", "开衫")),
    Category("BL", "女装/衬衫", "衬衫", ("真丝", "oversize 条纹", "飘带", "天丝", "牛津纺"),
             (129, 459), _SHOULDER, 0.9, ("衬衫", "真丝衬衫")),
    Category("TS", "男装/T恤", "T恤", ("纯棉圆领", "重磅华夫格", "凉感速干", "印花", "长绒棉 Polo"),
             (79, 229), _SUMMER, 1.1, ("T恤", "短袖", "polo")),
    Category("JK", "男装/夹克", "夹克", ("工装", "飞行员", "防泼水连帽", "灯芯绒", "牛仔"),
             (299, 899), _SHOULDER, 0.7, ("夹克", "外套 男")),
    Category("DJ", "外套/羽绒服", "羽绒服", ("鹅绒长款", "轻薄短款", "面包服", "连帽派克",
             "三防户外"), (599, 1899), _WINTER, 1.0, ("羽绒服", "鹅绒", "面包服")),
    Category("JE", "裤装/牛仔裤", "牛仔裤", ("高腰直筒", "阔腿", "微喇", "锥形", "烟管"),
             (199, 499), _FLAT, 1.0, ("牛仔裤", "阔腿裤")),
    Category("SN", "鞋履/运动鞋", "运动鞋", ("复古跑", "小白鞋", "厚底老爹", "轻量缓震", "帆布"),
             (299, 899), _FLAT, 0.8, ("运动鞋", "小白鞋", "老爹鞋")),
    Category("BG", "配饰/包袋", "包", ("通勤托特", "链条斜挎", "腋下", "帆布", "迷你水桶"),
             (199, 1299), _FLAT, 0.7, ("包包", "托特包", "斜挎包")),
    Category("SK", "美妆/护肤", "", ("玻尿酸精华液 30ml", "烟酰胺身体乳 250ml",
             "氨基酸洁面乳 120g", "防晒霜 SPF50+ 50ml", "修护面霜 50g", "眼霜 15ml"),
             (89, 699), _FLAT, 1.3, ("精华", "防晒", "面霜", "洁面")),
    Category("MU", "美妆/彩妆", "", ("丝绒雾面口红", "持妆粉底液 30ml", "四色眼影盘", "定妆散粉",
             "染唇液"), (69, 329), _FLAT, 1.0, ("口红", "粉底液", "眼影")),
    Category("FR", "香氛/香水", "", ("白茶淡香水 50ml", "雪松木质香 30ml", "桂花香氛蜡烛",
             "无花果香氛喷雾"), (199, 899), _FLAT, 0.6, ("香水", "香氛", "蜡烛")),
)

_COLOURS = ("黑色", "米白", "雾霾蓝", "燕麦色", "酒红", "墨绿", "浅灰", "卡其", "奶咖")


@dataclass(frozen=True)
class Catalogue:
    """Products as parallel arrays; `payloads` are the Segment product fields of each."""

    category: np.ndarray  # int index into CATEGORIES
    price: np.ndarray  # int64 fen
    popularity: np.ndarray  # float, sums to 1
    payloads: list[dict[str, Any]]
    by_category: list[np.ndarray]  # product indices of each category

    def __len__(self) -> int:
        return len(self.payloads)

    def season_weights(self, month: int) -> np.ndarray:
        """Per product: popularity × the category's seasonal multiplier for month (1..12)."""
        factor = np.array([c.season[month - 1] for c in CATEGORIES])[self.category]
        weights = self.popularity * factor
        return np.asarray(weights / weights.sum())


def build_catalogue(count: int) -> Catalogue:
    """`count` products spread over the categories by demand; the same for every seed."""
    rng = np.random.default_rng(20261111)
    shares = np.array([c.share for c in CATEGORIES])
    per_cat = np.maximum(2, np.round(shares / shares.sum() * count).astype(int))
    category = np.repeat(np.arange(len(CATEGORIES)), per_cat)
    payloads: list[dict[str, Any]] = []
    prices = np.empty(len(category), dtype=np.int64)
    counters = [0] * len(CATEGORIES)
    for i, c in enumerate(category):
        cat = CATEGORIES[c]
        n = counters[c]
        counters[c] += 1
        style = cat.styles[n % len(cat.styles)]
        colour = _COLOURS[(n * 7 + c) % len(_COLOURS)] if cat.item else ""
        name = f"{style}{cat.item}" + (f" {colour}" if colour else "")
        if n >= len(cat.styles):
            name = f"{name} · {('经典款', '升级款', '联名款', '限定款')[n // len(cat.styles) % 4]}"
        low, high = cat.yuan
        yuan = int(rng.integers(low // 10, high // 10 + 1)) * 10 - 1  # ¥299-style prices
        prices[i] = yuan * 100
        product_id = f"{cat.code}{n + 1:03d}"
        payloads.append({
            "product_id": product_id,
            "sku": f"HM-{product_id}" + (f"-{_colour_code(colour)}" if colour else ""),
            "name": name,
            "category": cat.path,
            "brand": BRAND,
            **({"variant": colour} if colour else {}),
            "price": int(prices[i]),
            "url": f"https://shop.hemu.example/p/{product_id}",
            "image_url": f"https://img.hemu.example/{product_id}.jpg",
        })
    popularity = rng.lognormal(0.0, 0.9, len(category)) * shares[category] / per_cat[category]
    return Catalogue(
        category=category,
        price=prices,
        popularity=popularity / popularity.sum(),
        payloads=payloads,
        by_category=[np.flatnonzero(category == c) for c in range(len(CATEGORIES))],
    )


def _colour_code(colour: str) -> str:
    return f"C{_COLOURS.index(colour) + 1:02d}"

"""Realistic identifiers: Chinese names, CN mobile numbers as clients type them, e-mails,
WeChat openid/unionid, device and anonymous ids — all drawn from one numpy Generator."""

from __future__ import annotations

import numpy as np

# Weighted by how common the surnames are.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
)
_FEMALE = "芳娜敏静丽婷雪慧颖琳晶洁佳欣怡萱雯倩蕾璐瑶媛梦楠露晓玥诗涵悦思琪妍"
_MALE = "伟强磊军洋勇杰涛明超斌浩鹏宇辉峰晨阳凯翔博文轩睿航昊俊哲铭一"
_PINYIN = ("xiao", "li", "wang", "mei", "jun", "yu", "chen", "ling", "hao", "jing", "tian",
           "xin", "yan", "ming", "qing", "zhi", "rui", "an", "lan", "feng")
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "foxmail.com",
                 "icloud.com")
_MAIL_WEIGHTS = np.array([0.38, 0.2, 0.08, 0.08, 0.08, 0.1, 0.08])

# Mobile prefixes in use by China Mobile, Unicom, Telecom and Broadnet.
MOBILE_PREFIXES = np.array([
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158,
    159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191,
    195, 198, 199,
])

# What clerks and careless forms type when the customer will not give a number.
JUNK_PHONES = ("13800000000", "13800138000", "13888888888", "18888888888", "13900000000")

_B64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                     dtype=np.uint8)


def chinese_names(rng: np.random.Generator, female: np.ndarray) -> list[str]:
    """Surname + one or two given characters from a pool matching the gender."""
    n = len(female)
    ranks = np.arange(1, len(_SURNAMES) + 1)
    weights = 1 / ranks**0.8
    surname = rng.choice(len(_SURNAMES), n, p=weights / weights.sum())
    two = rng.random(n) < 0.78
    first = rng.integers(0, 1 << 30, n)
    second = rng.integers(0, 1 << 30, n)
    names = []
    for i in range(n):
        pool = _FEMALE if female[i] else _MALE
        given = pool[first[i] % len(pool)] + (pool[second[i] % len(pool)] if two[i] else "")
        names.append(_SURNAMES[surname[i]] + given)
    return names


def mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` distinct valid CN mobile numbers as 11-digit integers, none of them junk."""
    space = len(MOBILE_PREFIXES) * 10**8
    picks = rng.choice(space, size=n, replace=False)
    subscriber = picks % 10**8
    # Numbers like 138 0000 0000 belong to the junk list, not to a person.
    subscriber = np.where(subscriber < 10**6, subscriber + 12_345_678, subscriber)
    return np.asarray(MOBILE_PREFIXES[picks // 10**8] * 10**8 + subscriber, dtype=np.int64)


def format_phone(number: int, style: int) -> str:
    """The ways clients send a number: 0 bare, 1 E.164, 2 spaced, 3 dashed, 4 +86 spaced."""
    s = str(number)
    if style == 1:
        return f"+86{s}"
    if style == 2:
        return f"{s[:3]} {s[3:7]} {s[7:]}"
    if style == 3:
        return f"{s[:3]}-{s[3:7]}-{s[7:]}"
    if style == 4:
        return f"+86 {s[:3]} {s[3:7]} {s[7:]}"
    return s


def emails(rng: np.random.Generator, n: int) -> list[str]:
    domain = rng.choice(len(_MAIL_DOMAINS), n, p=_MAIL_WEIGHTS / _MAIL_WEIGHTS.sum())
    qq = rng.integers(10**6, 3 * 10**9, n)
    syllables = rng.integers(0, len(_PINYIN), (n, 2))
    digits = rng.integers(0, 10_000, n)
    out = []
    for i in range(n):
        name = _MAIL_DOMAINS[domain[i]]
        if name == "qq.com":
            out.append(f"{qq[i]}@qq.com")
        else:
            a, b = syllables[i]
            out.append(f"{_PINYIN[a]}{_PINYIN[b]}{digits[i]}@{name}")
    return out


def uuids(rng: np.random.Generator, n: int, upper: bool = False) -> list[str]:
    """Version-4 UUID strings (iOS identifierForVendor is upper case, SDK anonymousIds lower)."""
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    out = []
    for row in raw:
        h = row.tobytes().hex()
        text = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        out.append(text.upper() if upper else text)
    return out


def wechat_ids(rng: np.random.Generator, n: int) -> list[str]:
    """28-character ids starting with `o`, shaped like WeChat openids and unionids."""
    chars = _B64[rng.integers(0, 64, (n, 27))]
    return ["o" + row.tobytes().decode() for row in chars]


def hex_ids(rng: np.random.Generator, n: int, nbytes: int, prefix: str = "") -> list[str]:
    raw = rng.integers(0, 256, (n, nbytes), dtype=np.uint8)
    return [prefix + row.tobytes().hex() for row in raw]


def coded_ids(rng: np.random.Generator, n: int, prefix: str, digits: int) -> list[str]:
    """Distinct ids such as member numbers `HM04518273`, in random order."""
    numbers = rng.choice(10**digits, size=n, replace=False)
    return [f"{prefix}{x:0{digits}d}" for x in numbers]

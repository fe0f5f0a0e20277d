"""Mapping files: the committed examples load, and every mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from datong.errors import Invalid
from datong.ingest.importer import load_mapping
from datong.ingest.importer.mapping import KEYS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MINIMAL = """
[event]
name = "Order Completed"
[identity]
user_id = "member"
[timestamp]
column = "paid_at"
"""


def mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["online_retail.toml", "pos_export.toml"])
def test_the_examples_load(name: str) -> None:
    loaded = load_mapping(EXAMPLES / name)
    assert loaded.order is not None and loaded.order.computes_total
    assert loaded.money.currency in ("GBP", "CNY") and loaded.money.exponent == 2


def test_defaults_of_a_minimal_mapping(tmp_path: Path) -> None:
    loaded = load_mapping(mapping(tmp_path, MINIMAL), default_timezone="Asia/Shanghai")
    assert loaded.type == "track" and loaded.event == "Order Completed"
    assert loaded.timestamp.timezone == "Asia/Shanghai"
    assert loaded.user_id is not None and loaded.user_id.column == "member"
    assert loaded.columns() == {"member", "paid_at"}


def test_templates_constants_and_product_types(tmp_path: Path) -> None:
    loaded = load_mapping(mapping(tmp_path, MINIMAL + """
[money]
currency = "JPY"
[order]
group_by = ["store", "receipt"]
id = { template = "{store}-{receipt}" }
[order.products]
quantity = "qty"
price = "price"
category = { value = "服装" }
[properties]
channel = { value = "store" }
"""))
    assert loaded.money.exponent == 0
    assert loaded.order is not None and loaded.order.group_by == ("store", "receipt")
    assert loaded.order.id is not None and loaded.order.id.columns == ("store", "receipt")
    products = loaded.order.products
    assert (products["quantity"].type, products["price"].type) == ("integer", "money")
    assert products["quantity"].required and products["category"].value == "服装"
    assert loaded.properties["channel"].is_constant


@pytest.mark.parametrize(("extra", "key", "words"), [
    ("[evnt]\nname = 'x'", "evnt", "unknown key"),
    ("[properties]\nprice = { column = 'p', type = 'money' }", "money.currency", "needed"),
    ("[money]\ncurrency = 'rmb'", "money.currency", "ISO 4217"),
    ("[properties]\nx = { column = 'a', type = 'float' }", "properties.x.type", "must be one of"),
    ("[properties]\nx = { template = 'no placeholder' }", "properties.x.template", "placeholder"),
    ("[properties]\nx = { template = '{a:>5}' }", "properties.x.template", "no format"),
    ("[properties]\nx = { column = 'a', value = 1 }", "properties.x", "exactly one"),
    ("[properties]\nx = 5", "properties.x", "a column name"),
    ("[money]\ncurrency = 'CNY'\n[order]\ngroup_by = 'r'\n[properties]\ntotal = 't'",
     "properties.total", "set by [order]"),
    ("[file]\ndelimiter = ';;'", "file.delimiter", "single character"),
    ("[file]\nencoding = 'klingon'", "file.encoding", "unknown encoding"),
])
def test_mistakes_name_the_file_and_key(tmp_path: Path, extra: str, key: str, words: str) -> None:
    path = mapping(tmp_path, MINIMAL + extra)
    with pytest.raises(Invalid) as caught:
        load_mapping(path)
    assert caught.value.field == key
    assert str(path) in caught.value.message and f"{key}: " in caught.value.message
    assert words in caught.value.message


@pytest.mark.parametrize(("text", "key", "words"), [
    (MINIMAL.replace("name = \"Order Completed\"", ""), "event.name", "needs an event name"),
    (MINIMAL.replace("user_id = \"member\"", ""), "identity", "at least one"),
    (MINIMAL + "timezone = 'Mars/Olympus'", "timestamp.timezone", "unknown time zone"),
    (MINIMAL + "format = 'YYYY-MM-DD'", "timestamp.format", "strptime"),
    (MINIMAL + "[order]\ngroup_by = ['a', 'b']\n[money]\ncurrency = 'CNY'", "order.id",
     "several columns"),
    (MINIMAL.replace("[event]", "[event]\nrules = [{ column = 'a', equals = 'x', "
                     "starts_with = 'y', name = 'B' }]"), "event.rules[0]", "exactly one test"),
    (MINIMAL.replace("[event]", "[event]\nrules = [{ column = 'a', matches = '(', "
                     "name = 'B' }]"), "event.rules[0].matches", "regular expression"),
    (MINIMAL + "[properties]\nn = { column = 'a', type = 'integer', else = 'b' }",
     "properties.n.else", "only a string field"),
    (MINIMAL + "[properties]\nn = { value = 1, else = 'b' }", "properties.n", "takes no"),
    ("[event\nname = 1", "mapping", "not valid TOML"),
])
def test_broken_sections(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(Invalid) as caught:
        load_mapping(mapping(tmp_path, text))
    assert caught.value.field == key and words in caught.value.message


def test_a_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="cannot read the mapping"):
        load_mapping(tmp_path / "nope.toml")


def test_the_docs_cover_every_key_and_option() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "import.md").read_text("utf-8")
    for section in KEYS[""]:
        assert f"### `[{section}]`" in docs or f"`[{section}]`" in docs, section
    for section, keys in KEYS.items():
        for key in keys if section else ():
            assert f"`{key}`" in docs or f"`{key} =" in docs, (section, key)
    for option in ("--source", "--mapping", "--rejects", "--chunk-size"):
        assert f"`{option}`" in docs

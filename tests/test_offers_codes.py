"""Coupon codes: unguessable, typo-proof, free of look-alikes; signed QR payloads."""

from __future__ import annotations

import math

import pytest

from datong.errors import Invalid
from datong.offers import codes
from datong.offers.coupons import CODE_LENGTH


def test_codes_carry_64_bits_and_no_look_alikes() -> None:
    assert math.log2(len(codes.ALPHABET)) * codes.COUPON_RANDOM >= 64
    assert not set("0O1IL") & set(codes.ALPHABET)
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(codes.ALPHABET) for c in made)


def test_every_single_typo_and_neighbour_swap_is_caught() -> None:
    for _ in range(50):
        code = codes.new_code()
        assert codes.normalise(code, length=CODE_LENGTH) == code
        for i in range(len(code)):
            for c in codes.ALPHABET:
                if c != code[i]:
                    typo = code[:i] + c + code[i + 1:]
                    with pytest.raises(Invalid, match="typo"):
                        codes.normalise(typo, length=CODE_LENGTH)
            if i + 1 < len(code) and code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                with pytest.raises(Invalid, match="typo"):
                    codes.normalise(swapped, length=CODE_LENGTH)


def test_typed_codes_are_forgiving_about_case_and_dashes_only() -> None:
    code = codes.new_code()
    assert codes.normalise(codes.group(code).lower(), length=CODE_LENGTH) == code
    assert codes.normalise(" ".join(codes.group(code)), length=CODE_LENGTH) == code
    with pytest.raises(Invalid, match="never contains 0"):
        codes.normalise("0" + code[1:], length=CODE_LENGTH)
    with pytest.raises(Invalid, match="14 characters"):
        codes.normalise(code[:-1], length=CODE_LENGTH)


def test_qr_payload_is_signed_and_alterations_are_refused() -> None:
    code = codes.new_code()
    payload = codes.qr_payload("k1" * 10, code)
    assert codes.verify_qr("k1" * 10, payload, length=CODE_LENGTH) == code
    other = codes.new_code()
    prefix, _, mac = payload.split(".")
    for forged in (f"{prefix}.{other}.{mac}", codes.qr_payload("another-secret-key", code),
                   payload[:-1] + ("A" if payload[-1] != "A" else "B"), code, "DT1..",
                   "https://evil.example/" + code):
        with pytest.raises(Invalid) as err:
            codes.verify_qr("k1" * 10, forged, length=CODE_LENGTH)
        assert err.value.code == "forged_qr"


def test_mask_keeps_codes_out_of_logs_and_svg_is_a_qr() -> None:
    code = codes.new_code()
    assert codes.mask(code) == f"{code[:2]}…{code[-2:]}" and code[2:-2] not in codes.mask(code)
    svg = codes.qr_svg(codes.qr_payload("secret-key-0123456", code))
    assert svg.startswith("<svg") and "path" in svg
    assert codes.qr_png("x").startswith(b"\x89PNG")

from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain import coupon_codes


def test_codes_are_15_characters_with_at_least_60_random_bits_and_read_back():
    code = coupon_codes.generate()
    assert len(code) == 15 and coupon_codes.DATA_LENGTH * 5 >= 60
    shown = coupon_codes.display(code)
    assert shown.count("-") == 2
    assert coupon_codes.canonical(shown.lower()) == code
    assert coupon_codes.canonical(" ".join(shown)) == code


def test_look_alike_letters_are_read_as_digits():
    data = "0123456789ABCD"
    code = data + coupon_codes.check_character(data)
    assert coupon_codes.canonical(code.replace("0", "O").replace("1", "l")) == code


@given(st.data())
def test_every_single_mistyped_character_is_caught(data):
    code = coupon_codes.generate()
    position = data.draw(st.integers(0, len(code) - 1))
    other = data.draw(st.sampled_from([c for c in coupon_codes.ALPHABET if c != code[position]]))
    assert coupon_codes.canonical(code[:position] + other + code[position + 1 :]) is None


def test_garbage_is_not_a_code():
    for text in ("", "ABC", "U" * 15, "!" * 15, coupon_codes.generate() + "0"):
        assert coupon_codes.canonical(text) is None

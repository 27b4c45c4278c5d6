"""Values of `django=` pairs: Alyx's rules, held to plain data the databases take."""
import pytest
from rest_framework.exceptions import ValidationError

from mirror.core.lookup_values import MAX_ITEMS, coerce_value


@pytest.mark.parametrize("raw, value", [
    ("None", None), ("True", True), ("false", False), ("12", 12), ("1.5", 1.5), (".5", 0.5),
    ("9223372036854775807", 2**63 - 1), ("0000000000000000000000001", 1),
    ("('a',)", ("a",)), ("[-1, 2.5, None, {'k': [1]}]", [-1, 2.5, None, {"k": [1]}]),
    ("²", "²"), ("١٢", "١٢"),  # not ASCII digits: strings, as Django sees them
])
def test_plain_values(raw, value):
    assert coerce_value(raw) == value


@pytest.mark.parametrize("raw, fragment", [
    ("9223372036854775808", "out of range"), ("9" * 5000, "out of range"),
    ("[1e999]", "must be finite"), ("(-9223372036854775809,)", "out of range"),
    ("({{}})", "not a valid list"), ("[" * 300 + "]" * 300, "not a valid list"),
    ("({1, 2},)", "holds a set"), ("(b'x',)", "holds a bytes"), ("(...,)", "holds a ellipsis"),
    ("[{1: 2}]", "dict key"), ("('\\x00',)", "NUL"),
    (f"[{'0,' * (MAX_ITEMS + 1)}]", f"more than {MAX_ITEMS}"),
])
def test_values_a_database_cannot_take_are_refused(raw, fragment):
    with pytest.raises(ValidationError) as refused:
        coerce_value(raw, "json")
    assert fragment in str(refused.value.detail["json"][0])

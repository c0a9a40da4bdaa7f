"""Cursors: opaque to clients, and the same bytes whichever path made them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tribe_service.graphql.paging import encode_cursor

SORT_KEY_VALUES = st.one_of(
    st.text(),
    st.floats(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.datetimes(timezones=st.just(UTC)),
)


@settings(max_examples=500, deadline=None)
@given(kind=st.text(), values=st.lists(SORT_KEY_VALUES, max_size=3))
def test_a_cursor_is_byte_for_byte_what_json_dumps_makes(kind, values):
    """Cursors handed out before stay valid and equal: the encoder is json.dumps' twin."""
    plain = [kind, *(v.isoformat() if isinstance(v, datetime) else v for v in values)]
    expected = base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()
    assert encode_cursor(kind, values) == expected

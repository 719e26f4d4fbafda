"""Hypothesis strategies shared by the decoder property tests."""

from hypothesis import strategies as st

# Any JSON value a device could send in a field: scalars (NaN and infinities included, which
# JSON encoders still emit), and nested lists and objects. Lists go up to 9 items so that
# Tasmota's per-channel arrays are covered.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=9) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)

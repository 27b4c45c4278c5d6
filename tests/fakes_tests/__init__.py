"""Tests of the fake upstream services themselves: a fake that drifts proves nothing."""

"""Fixtures shared with other tests: the records tests' clamd (a real one, with its own EICAR
signature)."""

from tests.records.conftest import clamd_socket  # noqa: F401 - fixtures, used by name

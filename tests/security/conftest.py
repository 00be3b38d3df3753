"""Fixtures shared with other tests: the records tests' clamd (a real one, with its own EICAR
signature) and the authorization matrix's proxy caregiver."""

from tests.records.conftest import clamd_socket  # noqa: F401 - fixtures, used by name
from tests.test_authorization_matrix import proxy  # noqa: F401

"""`pk__any_of=[…]`: membership in a long list of ids, sent as one parameter.

Django's `__in` sends one parameter per value; with a few hundred ids the query text, its
parsing and its planning cost more than the work. On PostgreSQL this is `= ANY(%s)` with one
array parameter; elsewhere it is an ordinary `IN (…)`.
"""

from django.db import connection
from django.db.models import Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not self.rhs:
            return "1 = 0", list(lhs_params)
        placeholders = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *self.rhs]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


def any_of_sql(column: str, values) -> tuple[str, list]:
    """The same test written into SQL by hand: `column` is one of `values` (SQL, parameters)."""
    values = [value if isinstance(value, str) else int(value) for value in values]
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def among_ids_sql(column: str, ids_query: str) -> str:
    """`column` is one of the ids `ids_query` (SQL) returns. On PostgreSQL the ids are read
    first, once, then their rows fetched by `column`'s index (`= ANY(ARRAY(…))`); written
    `IN (…)`, the planner could not tell how few they are and read the whole table."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(ARRAY({ids_query}))"
    return f"{column} IN ({ids_query})"

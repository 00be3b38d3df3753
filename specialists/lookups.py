"""`pk__any_of=[…]`: membership in a long list of ids, sent as one parameter.

Django's `__in` sends one parameter per value; with a few hundred ids the query text, its
parsing and its planning cost more than the work. On PostgreSQL this is `= ANY(%s)` with one
array parameter; elsewhere it is an ordinary `IN (…)`.
"""

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

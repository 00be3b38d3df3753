"""What cases asks of the apps above it without importing them.

Each hook has a safe default and is provided once, from the owning app's AppConfig.ready:
specialists says who a case is offered to and which languages reports are written in; records
says whether a case has records yet. The access policy, the intake and the submission check ask
these, so `cases` depends on no other domain app and none of them on cases' internals.
"""

from collections.abc import Callable
from typing import Any


class Hook:
    """One question with one answerer; `provide` replaces the default."""

    def __init__(self, name: str, default: Callable[..., Any]):
        self.name = name
        self._answer = default

    def provide(self, answer: Callable[..., Any]) -> Callable[..., Any]:
        self._answer = answer
        return answer

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer(*args, **kwargs)


# (user) -> a queryset of the ids of the cases openly offered to `user` (a specialist).
case_ids_offered_to = Hook("case_ids_offered_to", lambda user: [])
# (user, case) -> whether `user` is the specialist `case` is openly offered to.
is_offered_to = Hook("is_offered_to", lambda user, case: False)
# () -> (code, name) of the languages verified specialists write reports in.
report_languages = Hook("report_languages", lambda: [])
# (case) -> whether the case has at least one record.
has_records = Hook("has_records", lambda case: False)
# (case) -> the case's records, for the intake's records step and its check page.
records_of = Hook("records_of", lambda case: [])
# (user) -> the dashboard's context for a specialist: their work list.
specialist_dashboard = Hook("specialist_dashboard", lambda user: {})

"""Read the forms on a rendered page as a browser would: their fields and the values it would send."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Input types a person types free text into.
TEXT_TYPES = {"text", "email", "search", "tel", "url", "password", ""}
SKIPPED_TYPES = {"submit", "button", "reset", "image", "file"}


@dataclass
class PageForm:
    action: str
    method: str = "post"
    # name -> the value a browser sends unchanged (first option, checked boxes, typed value).
    values: dict[str, list[str]] = field(default_factory=dict)
    # Names of the fields a person types into, with their kind ("text", "email", "textarea").
    typed: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = PageForm(
                action=attributes.get("action") or "",
                method=(attributes.get("method") or "get").lower(),
            )
            self.forms.append(self._form)
            return
        form, name = self._form, attributes.get("name")
        if form is None:
            return
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                chosen = "checked" in attributes
                if kind == "radio" and name not in form.values:
                    chosen = True  # a browser sends nothing; the first choice keeps forms valid
                if chosen:
                    values = form.values.setdefault(name, [])
                    if kind == "radio":
                        values.clear()
                    values.append(attributes.get("value") or "on")
            elif kind not in SKIPPED_TYPES:
                form.values[name] = [attributes.get("value") or ""]
                if kind in TEXT_TYPES:
                    form.typed[name] = kind or "text"
        elif tag == "textarea" and name:
            self._textarea = name
            form.values[name] = [""]
            form.typed[name] = "textarea"
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = attributes.get("value") or ""
            if self._select_first is None and value:
                self._select_first = value
            if "selected" in attributes and value:
                form.values[self._select] = [value]
                self._select_chosen = True

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None and self._form:
                self._form.values[self._select] = [self._select_first]
            self._select = None


def page_forms(html: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_for(html: str, path: str) -> PageForm | None:
    """The page's POST form that submits to `path` (or to the page itself)."""
    for form in page_forms(html):
        if form.method == "post" and form.action.split("?")[0] in ("", path):
            return form
    return None


def search_forms(html: str, path: str) -> list[PageForm]:
    """The page's GET forms (searches, filters) that load `path` (or the page itself) again."""
    return [
        form
        for form in page_forms(html)
        if form.method == "get" and form.action.split("?")[0] in ("", path)
    ]

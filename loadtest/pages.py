"""Reading the portal's pages as a browser would: a form's fields and its questions.

The load test fills the quiz and survey forms from what each page shows, with
no id known in advance: ``form_read`` returns the fields of one form, each
with the attributes of the ``<fieldset>`` it sits in (a question, and for a
survey the branching condition that shows it), and the values a browser could
send. Standard library only: locust runs it in its own process.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    """One named control of a form: an input, a textarea or a select."""

    name: str
    kind: str  # the input's type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)  # a select's values
    group: dict[str, str] = field(default_factory=dict)  # its fieldset's attributes


@dataclass
class Form:
    """A form's action, method and fields, in page order."""

    action: str = ""
    method: str = "get"
    fields: list[Field] = field(default_factory=list)

    def hidden(self) -> dict[str, str]:
        """The hidden fields' values (the CSRF token, a form's one-time code)."""
        return {f.name: f.value for f in self.fields if f.kind == "hidden"}

    def questions(self) -> list[tuple[dict[str, str], list[Field]]]:
        """The fields grouped by their fieldset (a question), in page order."""
        groups: list[tuple[dict[str, str], list[Field]]] = []
        for item in self.fields:
            if item.kind in ("hidden", "submit", "button") or not item.group:
                continue
            if groups and groups[-1][0] is item.group:
                groups[-1][1].append(item)
            else:
                groups.append((item.group, [item]))
        return groups


class _FormParser(HTMLParser):
    def __init__(self, *, match: dict[str, str]):
        super().__init__(convert_charrefs=True)
        self.match = match
        self.form: Form | None = None
        self.inside = False
        self.group: dict[str, str] = {}
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if (
            tag == "form"
            and self.form is None
            and all(attributes.get(k) == v for k, v in self.match.items())
        ):
            self.form = Form(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
            )
            self.inside = True
            return
        if not self.inside:
            return
        if tag == "fieldset":
            self.group = attributes
        elif tag == "input" and attributes.get("name"):
            self.form.fields.append(
                Field(
                    name=attributes["name"],
                    kind=attributes.get("type", "text").lower(),
                    value=attributes.get("value", ""),
                    group=self.group,
                )
            )
        elif tag == "textarea" and attributes.get("name"):
            self.textarea = Field(
                name=attributes["name"], kind="textarea", group=self.group
            )
            self.form.fields.append(self.textarea)
        elif tag == "select" and attributes.get("name"):
            self.select = Field(
                name=attributes["name"], kind="select", group=self.group
            )
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.select.options.append(attributes.get("value", ""))

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "fieldset":
            self.group = {}
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the newline right after <textarea>.
            value = self.textarea.value
            self.textarea.value = value[1:] if value.startswith("\n") else value
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data


def form_read(html: str, **match: str) -> Form | None:
    """Return the page's first form with the attributes ``match``, or None."""
    parser = _FormParser(match=match)
    parser.feed(html)
    parser.close()
    return parser.form

"""The erased person's identifiers, and texts rid of them, for every erasure step."""

import json
import re
from dataclasses import dataclass, field

from members.hrm.redaction import DIGIT_RUN, digit_forms
from members.logging import CCCD_MASK, EMAIL_MASK, PHONE_MASK


@dataclass(frozen=True)
class Trace:
    """The erased person's identifiers as they were, and a text rid of them.

    Every text gets the CCCD, phones and e-mails masked, and the name written
    with the employee code ("Name (CODE)", "CODE Name") replaced, wherever it
    is: these identify the person alone. The name and the code alone are
    replaced only in texts about the person's own records (``names``,
    ``codes``), so that a namesake's keep theirs.
    """

    pseudonym: str
    code: str
    names: dict[str, str]  # the person's and relatives' names -> pseudonyms
    codes: frozenset[str]
    national_ids: tuple[str, ...]
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    _patterns: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def pairs(self) -> dict[str, str]:
        """Return the name-with-code forms the portal writes, and their pseudonyms."""
        name = next(iter(self.names), "")
        pairs = {}
        for code in self.codes if name else ():
            pairs[f"{name} ({code})"] = f"{self.pseudonym} ({self.code})"
            pairs[f"{code} {name}"] = f"{self.code} {self.pseudonym}"
        return pairs

    def needles(self) -> list[str]:
        """Return the exact texts that identify the person alone, for a search.

        Non-ASCII ones also as JSON escapes them (Django's admin log messages).
        """
        texts = [*self.national_ids, *self.emails, *self.pairs]
        texts += [p for phone in self.phones for p in (phone, "+84" + phone[1:])]
        escaped = [json.dumps(text)[1:-1] for text in texts if not text.isascii()]
        return [text for text in texts + escaped if text]

    def scrub(self, text: str, *, names: bool = False, codes: bool = False) -> str:
        """Return the text without the person's identifiers (see the class)."""
        if not text:
            return text
        text = self._sub("pairs", self.pairs, text, boundary=r"\w")
        masks = {
            form: CCCD_MASK
            for n in self.national_ids
            for form in digit_forms(national_id=n)
        } | {form: PHONE_MASK for p in self.phones for form in digit_forms(phone=p)}
        text = DIGIT_RUN.sub(
            lambda m: masks.get(re.sub(r"\D", "", m.group()), m.group()), text
        )
        emails = dict.fromkeys(self.emails, EMAIL_MASK)
        text = self._sub("emails", emails, text, boundary="")
        if names:
            text = self._sub("names", self.names, text, boundary=r"\w")
        if codes:
            text = self._sub(
                "codes", dict.fromkeys(self.codes, self.code), text, boundary=r"[\w-]"
            )
        return text

    def scrub_json(self, text: str, **kwargs) -> str:
        """Scrub a JSON text's strings (an admin log message), or a plain text."""
        try:
            data = json.loads(text)
        except ValueError:
            return self.scrub(text, **kwargs)
        if not isinstance(data, list | dict):
            return self.scrub(text, **kwargs)
        return json.dumps(self._walk(data, kwargs))

    def _walk(self, value, kwargs):
        if isinstance(value, str):
            return self.scrub(value, **kwargs)
        if isinstance(value, list):
            return [self._walk(item, kwargs) for item in value]
        if isinstance(value, dict):
            return {key: self._walk(item, kwargs) for key, item in value.items()}
        return value

    def _sub(self, kind: str, table: dict[str, str], text: str, *, boundary: str):
        table = {key.casefold(): new for key, new in table.items() if key}
        if not table:
            return text
        if kind not in self._patterns:
            alternation = "|".join(
                re.escape(key) for key in sorted(table, key=len, reverse=True)
            )
            if boundary:
                alternation = f"(?<!{boundary})(?:{alternation})(?!{boundary})"
            self._patterns[kind] = re.compile(alternation, re.IGNORECASE)
        return self._patterns[kind].sub(
            lambda m: table.get(m.group().casefold(), m.group()), text
        )

"""Sentences kept to be said later, in the language of whoever reads them then.

Some text is written where nobody is reading yet (an import runs in a worker, and its summary
is stored for the progress page), or is both logged in English and shown to a reader in
theirs (a refused passkey). Such a sentence is kept as its English msgid and its values,
`said("Tag “%(name)s” dropped", name=...)`, JSON-ready, and put into words only when shown:
`in_reader_language` for a page, `in_english` for the command line and the logs.
`N_()` marks a msgid for extraction without translating it.
"""

from flask_babel import format_number, gettext


def N_(msgid: str) -> str:  # the name pybabel looks for
    """`msgid`, unchanged: marked for the catalogues, translated where it is shown."""
    return msgid


def said(msgid: str, **values: str | int) -> dict:
    """A sentence to put into words later: its English msgid (marked with N_) and values."""
    return {"text": msgid, "values": values}


def in_english(sentence: dict | str) -> str:
    """The sentence in English (a plain string, as stored before, is already words)."""
    if isinstance(sentence, str):
        return sentence
    values = {name: f"{value:,}" if _number(value) else value for name, value in _values(sentence)}
    return sentence["text"] % values if values else sentence["text"]


def in_reader_language(sentence: dict | str) -> str:
    """The sentence in the language of the page being made, its numbers written as it writes
    them."""
    if isinstance(sentence, str):
        return sentence
    msgid = sentence["text"]  # not inside the call: pybabel would take "text" for a msgid
    values = {
        name: format_number(value) if _number(value) else value for name, value in _values(sentence)
    }
    return gettext(msgid, **values)


def _values(sentence: dict):
    return (sentence.get("values") or {}).items()


def _number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

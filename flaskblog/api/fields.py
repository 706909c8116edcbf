"""The field types the API's schemas share: text the databases can store, values built from
the whole object (links), and booleans that are only true or false."""

from marshmallow import ValidationError, fields, missing


def storable(value: str) -> None:
    """Text the databases can keep: no NUL (PostgreSQL refuses it) and no lone surrogates
    (JSON's "\\ud800" decodes to one, and no UTF-8 holds it)."""
    if "\x00" in value:
        raise ValidationError("May not contain a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Is not valid Unicode text.") from None


class Text(fields.String):
    """A string that can be stored as it is."""

    def __init__(self, *args, validate=(), metadata=None, **kwargs) -> None:
        validators = [validate] if callable(validate) else list(validate)
        metadata = dict(metadata or {})
        metadata["description"] = " ".join(
            [metadata.get("description", ""), "No NUL characters."]
        ).strip()
        super().__init__(*args, validate=[storable, *validators], metadata=metadata, **kwargs)


class Computed:
    """A field whose value is built from the whole object (links), not read from one attribute."""

    def __init__(self, *args, build, **kwargs) -> None:
        self.build = build
        super().__init__(*args, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=missing):
        return self.build(obj)


class ComputedUrl(Computed, fields.Url):
    pass


class ComputedNested(Computed, fields.Nested):
    pass


class ComputedDateTime(Computed, fields.AwareDateTime):
    pass


class StrictBoolean(fields.Boolean):
    """true or false, and nothing else: marshmallow's own also takes 1, "yes", "on"..., which
    the document (type: boolean) does not allow."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value

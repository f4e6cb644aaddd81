"""Where the rulers' spans live on a Doc, and the Doc's text cached once: shared by every component."""

from __future__ import annotations

from spacy.tokens import Doc

SPANS_KEY = "ruler"
TEXT_KEY = "hubwatch_text"  # the input string, so components need not rebuild Doc.text (it joins every token)


def doc_text(doc: Doc) -> str:
    """The text of a Doc, from the cache ``parse`` fills; ``Doc.text`` costs a join over all tokens."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text

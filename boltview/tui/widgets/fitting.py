"""One line of parts fitted to a width by priority, never cut: the header and the footer.

Each part has one or more forms, longest first, and a rank: when the line is too
wide, the part of the highest rank is shortened to its next form, or dropped
when it has none left, until the line fits.  A part may shorten at a higher
rank than it is dropped at (``shorten``).  What is shown keeps its order.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text


@dataclass(frozen=True)
class Part:
    """One part of a line: its forms, longest first, and how long it stays."""

    forms: tuple[Text, ...]
    #: 0 stays longest; the highest rank is shortened, then dropped, first.
    rank: int
    #: What separates it from the part shown before it.
    gap: str = "  "
    #: The rank at which each form but the last gives way to the next (default:
    #: ``rank``): a part that stays long may still shorten early.
    shorten: tuple[int, ...] = ()

    def rank_of(self, form: int) -> int:
        """The rank at which the part, shown in ``form``, is shortened or dropped."""
        if form < len(self.forms) - 1 and form < len(self.shorten):
            return self.shorten[form]
        return self.rank


def choose(parts: list[Part], width: int) -> list[tuple[int, Text]]:
    """The parts shown in ``width`` cells, in order: (index in ``parts``, the form shown)."""
    form = [0] * len(parts)
    shown = [True] * len(parts)

    def size() -> int:
        total, first = 0, True
        for index, part in enumerate(parts):
            if shown[index]:
                total += (0 if first else len(part.gap)) + part.forms[form[index]].cell_len
                first = False
        return total

    while any(shown) and size() > width:
        # The least important part shown; among equals, the rightmost.
        index = max(
            (i for i in range(len(parts)) if shown[i]), key=lambda i: (parts[i].rank_of(form[i]), i)
        )
        if form[index] + 1 < len(parts[index].forms):
            form[index] += 1
        else:
            shown[index] = False
    return [(i, parts[i].forms[form[i]]) for i in range(len(parts)) if shown[i]]


def fit(parts: list[Part], width: int) -> Text:
    """The line as it fits ``width`` cells (see :func:`choose`)."""
    return join(parts, choose(parts, width))[0]


def join(
    parts: list[Part], chosen: list[tuple[int, Text]]
) -> tuple[Text, list[tuple[int, int, int]]]:
    """The chosen forms as one line, and where each lies: (start, end, index in ``parts``)."""
    text = Text(no_wrap=True, overflow="crop")
    spans = []
    for number, (index, form) in enumerate(chosen):
        if number:
            text.append(parts[index].gap)
        start = text.cell_len
        text.append_text(form)
        spans.append((start, text.cell_len, index))
    return text, spans

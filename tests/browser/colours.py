"""Colour arithmetic of WCAG 2 for computed CSS colours ("rgb(r, g, b)")."""

from __future__ import annotations

import re


def luminance(css_colour: str) -> float:
    """Relative luminance of a computed "rgb(r, g, b)" colour."""
    r, g, b = (int(n) / 255 for n in re.findall(r"\d+", css_colour)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)

"""HTML for Jupyter: a decision's sections and its trace."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Iterator, List, Tuple

from ._api import SECTIONS

if TYPE_CHECKING:
    from ._decision import Decision


def _flat(prefix: str, value: Any) -> Iterator[Tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(f"{prefix}.{k}" if prefix else k, v)
    else:
        yield prefix, value


def _cell(value: Any) -> str:
    if value is None:
        return '<span style="opacity:.5">—</span>'
    if isinstance(value, list):
        if not value:
            return '<span style="opacity:.5">[]</span>'
        return "<br>".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return html.escape(", ".join(f"{k}: {v}" for k, v in value.items() if v is not None))
    return html.escape(str(value))


def decision_html(d: Decision) -> str:
    """The decision as an HTML fragment: header, one table of section fields, one of the trace."""
    data = d.to_dict()
    chain = " → ".join(f"{r.id}@{r.version}" for r in d.ruleset)
    title = f"Decision {html.escape(d.id)}" if d.id else "Decision"
    parts: List[str] = [
        '<div class="hazard-rules-decision">',
        f"<strong>{title}</strong> as of {d.as_of.isoformat()} · ruleset {html.escape(chain)}",
        '<table style="margin-top:.5em"><thead><tr><th style="text-align:left">field</th>'
        '<th style="text-align:left">value</th></tr></thead><tbody>',
    ]
    for section in SECTIONS:
        value = data.get(section)
        if value is None:
            continue
        for name, v in _flat(section, value):
            parts.append(f'<tr><td style="text-align:left"><code>{html.escape(name)}</code></td>')
            parts.append(f'<td style="text-align:left">{_cell(v)}</td></tr>')
    parts.append("</tbody></table>")
    parts.append(f"<details open><summary>trace ({len(d.trace)} steps)</summary>")
    parts.append(
        "<table><thead><tr><th>#</th><th>kind</th><th>id</th><th>row</th><th>ruleset</th>"
        '<th style="text-align:left">说明</th><th style="text-align:left">explanation</th></tr></thead><tbody>'
    )
    for i, t in enumerate(d.trace, 1):
        parts.append(
            f"<tr><td>{i}</td><td>{html.escape(t.kind)}</td><td><code>{html.escape(t.id)}</code></td>"
            f"<td>{html.escape(t.row or '')}</td><td>{html.escape(t.ruleset)}</td>"
            f'<td style="text-align:left">{html.escape(t.zh)}</td>'
            f'<td style="text-align:left">{html.escape(t.en)}</td></tr>'
        )
    parts.append("</tbody></table></details></div>")
    return "".join(parts)

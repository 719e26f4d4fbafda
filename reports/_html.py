"""The report as one self-contained HTML page that prints well: summary, charts, then tables."""

import jinja2

from reports._model import MARK_MEANINGS, Cell, Report, Unit
from reports._render import cell_text

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
  body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f3b57; margin: 2rem auto;
         max-width: 60rem; padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  h2 { font-size: 1.25rem; border-bottom: 2px solid #3f88c5; padding-bottom: .2rem; margin-top: 2rem; }
  h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
  .meta, .note, figcaption { color: #52606d; font-size: .9rem; }
  .summary p { font-size: 1.1rem; margin: .4rem 0; }
  figure { margin: 1rem 0; }
  figure svg { max-width: 100%; height: auto; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; margin-bottom: .3rem; }
  th, td { border-bottom: 1px solid #d9e2ec; padding: .25rem .5rem; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  thead th { border-bottom: 2px solid #1f3b57; vertical-align: bottom; }
  tr.total td { font-weight: 600; }
  dl.marks { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; font-size: .9rem; }
  dl.marks dt { font-weight: 600; }
  @page { size: A4; margin: 15mm; }
  @media print {
    body { margin: 0; max-width: none; font-size: 10pt; }
    h2 { break-after: avoid; }
    h3, figure, table { break-inside: avoid; }
    thead { display: table-header-group; }
  }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta">{{ period }} &middot; {{ scope }} &middot; made {{ made }}. Aggregates only: no names,
  addresses or household identifiers.</p>
<section class="summary">
{% for sentence in summary %}  <p>{{ sentence }}</p>
{% endfor %}</section>
{% if figures %}<h2>Charts</h2>
{% for caption, svg in figures %}<figure>{{ svg | safe }}<figcaption>{{ caption }}</figcaption></figure>
{% endfor %}{% endif %}
{% for section, tables in sections %}<h2>{{ section }}</h2>
{% for t in tables %}<h3>{{ t.title }}</h3>
{% if t.rows %}<table>
<thead><tr><th>{{ t.row_header }}</th>{% for c in t.columns %}<th>{{ c.label }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in t.rows %}<tr{% if r.label.startswith("All ") or r.label == "Period" %} class="total"{% endif %}>
<td>{{ r.label }}</td>{% for text in r.texts %}<td>{{ text }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>{% else %}<p class="note">Nothing to report in this period.</p>{% endif %}
{% if t.note %}<p class="note">{{ t.note }}</p>{% endif %}
{% endfor %}{% endfor %}
<h2>Marks</h2>
<dl class="marks">
{% for mark, meaning in marks %}<dt>{{ mark }}</dt><dd>{{ meaning }}</dd>
{% endfor %}<dt>&ndash;</dt><dd>does not apply</dd>
</dl>
</body>
</html>
"""
_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render_html(report: Report) -> str:
    """The report as one HTML document with its charts inline; nothing is fetched when it is opened."""
    sections: dict[str, list[dict[str, object]]] = {}
    for t in report.tables:
        sections.setdefault(t.section, []).append(
            {
                "title": t.title,
                "note": t.note,
                "row_header": t.row_header,
                "columns": t.columns,
                "rows": [
                    {
                        "label": r.label,
                        "texts": [_text(cell, c.unit) for cell, c in zip(r.cells, t.columns, strict=True)],
                    }
                    for r in t.rows
                ],
            }
        )
    return _ENVIRONMENT.from_string(_TEMPLATE).render(
        title="Telecare service report",
        period=f"{report.start:%-d %b %Y} to {report.end:%-d %b %Y}",
        scope=report.scope,
        made=f"{report.generated_at:%-d %b %Y %H:%M} UTC",
        summary=report.summary,
        figures=_charts(report),
        sections=list(sections.items()),
        marks=[(mark.value, meaning) for mark, meaning in MARK_MEANINGS.items()],
    )


def _text(cell: Cell, unit: Unit) -> str:
    if cell.value is not None and unit is Unit.COUNT:
        return f"{cell.value:,.0f}"
    return cell_text(cell, unit, not_applicable="\u2013")  # an en dash


def _charts(report: Report) -> list[tuple[str, str]]:
    # matplotlib takes about a second to import: only the report pays for it, not every
    # `telecare` command.
    from reports._charts import charts

    return charts(report)

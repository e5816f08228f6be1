"""Server-side SVG line charts: the geometry is computed here, `_timeseries.html` draws it.

No chart library and no script: the page's CSP allows only our own files, and an SVG of a few
polylines renders everywhere (phones included) and prints.
"""

from __future__ import annotations

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28


def line_chart(points: list[dict], series: tuple[str, ...]) -> dict:
    """One polyline per series over `points` ({"day": date, series...: int}), x evenly spaced
    by day, y from 0 to the largest value; each point also as a dot with its exact number."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max((p[s] for p in points for s in series), default=0) or 1
    last = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + (i * plot_w / last if len(points) > 1 else plot_w / 2), 1)

    def y(value: int) -> float:
        return round(TOP + plot_h - value * plot_h / top, 1)

    lines = []
    for name in series:
        dots = [{"x": x(i), "y": y(p[name]), "day": p["day"].isoformat(), "n": p[name]}
                for i, p in enumerate(points)]
        lines.append({"name": name, "dots": dots,
                      "points": " ".join(f"{d['x']},{d['y']}" for d in dots)})
    ticks = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    edges = {0, len(points) - 1, (len(points) - 1) // 2} if points else set()
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
        "bottom": TOP + plot_h, "lines": lines,
        "y_ticks": [{"y": y(t), "label": t} for t in ticks],
        # The first and last labels align inward so they are not clipped at the edges.
        "x_labels": [{"x": x(i), "label": points[i]["day"].strftime("%b %d"),
                      "anchor": _anchor(i, len(points))} for i in sorted(edges)],
    }


def _anchor(i: int, count: int) -> str:
    if count == 1 or 0 < i < count - 1:
        return "middle"
    return "start" if i == 0 else "end"

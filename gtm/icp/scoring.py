"""Contact scoring against the active ICP: one query in, polars expressions, one COPY out.

Formula (docs/icp.md has the long form). Each criterion the ICP fills in, with weight w > 0:
    fits            +w      (industry, country, size band, seniority, department, title keyword)
    does not fit    -w      (a known value outside the ICP; a title with an excluded keyword)
    unknown          0      (no value to judge, or a title with no keyword either way)
    (a title exclude list without title keywords only subtracts, and is not counted in W)
    company insight  w * (2 * icp_fit_score - 1), only for contacts whose company has one
    W = sum of the filled-in criteria's weights (+ the insight weight where there is an insight)
    score = clamp(sum of points / W, 0, 1)
Each reason carries its share `points / W`, so the reasons of a contact add up to its score
(before clamping). An exclusion (customer, competitor domain, excluded industry or country)
sets the score to 0 and is the only reason, with weight -1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import polars as pl
import psycopg

from gtm.icp.profile import IcpDefinition, SizeBand
from gtm.icp.store import active_icp
from gtm.icp.vocabulary import DEPARTMENT_KEYWORDS, SENIORITY_KEYWORDS, classify, keyword_pattern

CONTACT_SCHEMA = {
    "employee_id": pl.String, "position": pl.String, "seniority": pl.String,
    "department": pl.String, "country": pl.String, "industry": pl.String, "size": pl.Int64,
    "company_domain": pl.String, "email_domain": pl.String, "client_status": pl.String,
    "insight_fit": pl.Float64,
}
_CONTACTS_QUERY = (
    "select e.id::text, e.position, e.seniority, e.department,"
    " coalesce(e.country, c.country), c.industry, c.size_employees, c.domain,"
    " nullif(split_part(lower(e.email), '@', 2), ''), e.client_status, ci.icp_fit_score::float8"
    " from employees e"
    " left join companies c on c.workspace_id = e.workspace_id and c.id = e.company_id"
    " left join company_insights ci on ci.workspace_id = e.workspace_id"
    "  and ci.company_id = e.company_id"
    " where e.workspace_id = %s"
)
REASONS_DTYPE = pl.List(pl.Struct({"weight": pl.Float64, "reason": pl.String,
                                   "criterion": pl.String}))
BUCKETS = 10  # the score distribution is reported in tenths


def load_contacts(conn: psycopg.Connection, workspace_id: str) -> pl.DataFrame:
    """Every contact of the workspace with the company fields scoring needs, in one query."""
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        rows = cur.execute(_CONTACTS_QUERY, (workspace_id,)).fetchall()
    return pl.DataFrame(rows, schema=CONTACT_SCHEMA, orient="row")


def score_frame(contacts: pl.DataFrame, icp: IcpDefinition) -> pl.DataFrame:
    """employee_id, score, reasons (list of {weight, reason, criterion}), excluded — pure."""
    frame = _with_text_features(contacts, icp)
    weights = icp.criteria_weights()
    # A title exclude list alone only ever subtracts, so it scores without counting in W.
    scored_by = {*weights, *(["title"] if icp.person.title_exclude and icp.weights.title else [])}
    criteria = {name: expr for name, expr in _criteria(icp).items() if name in scored_by}
    insight_weight = icp.weights.insight
    if insight_weight > 0:
        criteria["insight"] = _insight(insight_weight)
    has_insight = pl.col("insight_fit").is_not_null() if insight_weight > 0 else pl.lit(False)
    total_weight = sum(weights.values()) + pl.when(has_insight) \
        .then(pl.lit(insight_weight)).otherwise(pl.lit(0.0))

    points = frame.with_row_index("row").with_columns(
        *(expr.alias(name) for name, expr in criteria.items()),
        _exclusion(icp).alias("exclusion"),
        total_weight.alias("total_weight"),
    )
    excluded = pl.col("exclusion").is_not_null()
    raw = pl.sum_horizontal(*(pl.col(n).struct.field("points") for n in criteria)) \
        / pl.col("total_weight")
    scores = points.select(
        "row", "employee_id",
        pl.when(excluded).then(0.0).otherwise(raw.clip(0.0, 1.0)).round(4).alias("score"),
        excluded.alias("excluded"),
    )
    return scores.join(_reasons(points, list(criteria)), on="row", how="left",
                       maintain_order="left").select(
        "employee_id", "score", pl.col("reasons").fill_null(pl.lit([], dtype=REASONS_DTYPE)),
        "excluded",
    )


def _reasons(points: pl.DataFrame, criteria: list[str]) -> pl.DataFrame:
    """row -> reasons, most weight first (ties in criteria order).

    Built long (one row per reason) and grouped: concatenating struct columns into lists row
    by row is ten times slower in polars."""
    excluded = pl.col("exclusion").is_not_null()
    long = pl.concat([
        *(points.filter(pl.col(name).struct.field("points").is_not_null() & ~excluded).select(
            "row", pl.lit(order, dtype=pl.Int8).alias("order"),
            weight=(pl.col(name).struct.field("points") / pl.col("total_weight")).round(3),
            reason=pl.col(name).struct.field("reason"), criterion=pl.lit(name),
        ) for order, name in enumerate(criteria)),
        points.filter(excluded).select(
            "row", pl.lit(-1, dtype=pl.Int8).alias("order"), weight=pl.lit(-1.0),
            reason=pl.col("exclusion"), criterion=pl.lit("exclude")),
    ])
    return long.sort(["row", "weight", "order"], descending=[False, True, False]) \
        .group_by("row", maintain_order=True) \
        .agg(reasons=pl.struct("weight", "reason", "criterion"))


def _with_text_features(contacts: pl.DataFrame, icp: IcpDefinition) -> pl.DataFrame:
    """Keyword matches of the text columns, worked out once per distinct value and joined back.

    Titles and industries repeat a lot (100k contacts have a few thousand distinct titles), and
    the seniority and department tables are a dozen regexes each, so this is most of the speed.
    """
    person, company = icp.person, icp.company
    features = {
        "position": {
            "seniority_from_title": classify(pl.col("folded"), SENIORITY_KEYWORDS),
            "department_from_title": classify(pl.col("folded"), DEPARTMENT_KEYWORDS),
            "title_in": pl.col("folded").str.extract(_pattern(person.title_keywords), 1),
            "title_out": pl.col("folded").str.extract(_pattern(person.title_exclude), 1),
        },
        "seniority": {"seniority_stored": classify(pl.col("folded"), SENIORITY_KEYWORDS)},
        "department": {"department_stored": classify(pl.col("folded"), DEPARTMENT_KEYWORDS)},
        "industry": {
            "industry_fits": pl.col("folded").str.contains(_pattern(company.industries)),
            "industry_excluded": pl.col("folded").str.contains(_pattern(icp.exclude.industries)),
        },
    }
    frame = contacts
    for column, exprs in features.items():
        distinct = contacts.select(pl.col(column).unique().drop_nulls()) \
            .with_columns(pl.col(column).str.to_lowercase().alias("folded")) \
            .with_columns(**exprs).drop("folded")
        frame = frame.join(distinct, on=column, how="left", maintain_order="left")
    return frame.with_columns(
        pl.coalesce("seniority_stored", "seniority_from_title").alias("seniority_level"),
        pl.coalesce("department_stored", "department_from_title").alias("department_level"),
    )


def _points(fits: pl.Expr, known: pl.Expr, weight: float, fit_reason: pl.Expr,
            miss_reason: pl.Expr) -> pl.Expr:
    """{points, reason}: +weight when it fits, -weight when known and not, null when unknown."""
    return pl.when(known & fits).then(pl.struct(points=pl.lit(weight), reason=fit_reason)) \
        .when(known).then(pl.struct(points=pl.lit(-weight), reason=miss_reason))


def _criteria(icp: IcpDefinition) -> dict[str, pl.Expr]:
    weights, company, person = icp.weights, icp.company, icp.person
    industry, country = pl.col("industry"), pl.col("country")
    include, exclude = pl.col("title_in"), pl.col("title_out")
    return {
        "industry": _points(
            pl.col("industry_fits"), industry.is_not_null(), weights.industry,
            pl.lit("industry=") + industry, pl.lit("industry=") + industry + pl.lit(" not in ICP")),
        "country": _points(
            country.is_in(company.countries), country.is_not_null(), weights.country,
            pl.lit("country=") + country, pl.lit("country=") + country + pl.lit(" not in ICP")),
        "size": _size(company.size_bands, weights.size),
        "seniority": _level("seniority", person.seniority, weights.seniority),
        "department": _level("department", person.departments, weights.department),
        "title": pl.when(exclude.is_not_null()).then(pl.struct(
            points=pl.lit(-weights.title), reason=pl.lit("title has excluded '") + exclude + "'"))
        .when(include.is_not_null()).then(pl.struct(
            points=pl.lit(weights.title), reason=pl.lit("title has '") + include + "'")),
    }


def _pattern(keywords: list[str]) -> str:
    # An empty list must match nothing; `keyword_pattern([])` would match everything.
    return keyword_pattern(keywords) if keywords else r"[^\s\S]"


def _size(bands: list[SizeBand], weight: float) -> pl.Expr:
    size = pl.col("size")
    text = pl.lit("size ") + size.cast(pl.String)
    if not bands:
        return pl.lit(None)
    fitting = pl.lit(None, dtype=pl.String)
    for band in reversed(bands):
        inside = (size >= band.min) & (pl.lit(True) if band.max is None else size <= band.max)
        fitting = pl.when(inside).then(pl.lit(band.label)).otherwise(fitting)
    first = bands[0]  # sorted by min
    miss = pl.when(size < first.min).then(text + f" < band {first.label}")
    if all(b.max is not None for b in bands):
        top = max(bands, key=lambda b: b.max)
        miss = miss.when(size > top.max).then(text + f" > band {top.label}")
    miss = miss.otherwise(text + " outside bands " + ", ".join(b.label for b in bands))
    return _points(fitting.is_not_null(), size.is_not_null(), weight,
                   text + pl.lit(" in band ") + fitting, miss)


def _level(column: str, wanted: list[str], weight: float) -> pl.Expr:
    """Seniority or department: from the stored column when it classifies, else from the title."""
    level = pl.col(f"{column}_level")
    label = pl.lit(f"{column}=") + level
    source = pl.when(pl.col(f"{column}_stored").is_null()).then(pl.lit(" (from title)")) \
        .otherwise(pl.lit(""))
    return _points(level.is_in(wanted), level.is_not_null(), weight, label + source,
                   label + pl.lit(" not in ICP") + source)


def _insight(weight: float) -> pl.Expr:
    fit = pl.col("insight_fit").clip(0.0, 1.0)
    return pl.when(fit.is_not_null()).then(pl.struct(
        points=weight * (2 * fit - 1),
        reason=pl.lit("company insight fit ") + fit.round(2).cast(pl.String)))


def _exclusion(icp: IcpDefinition) -> pl.Expr:
    """The first exclusion that applies, as its reason; null when none does."""
    rules = icp.exclude
    company_domain, email_domain = pl.col("company_domain"), pl.col("email_domain")
    domain_hit = pl.when(company_domain.is_in(rules.domains)).then(company_domain) \
        .when(email_domain.is_in(rules.domains)).then(email_domain)
    return (
        pl.when(pl.col("client_status").str.to_lowercase().is_in(rules.client_status))
        .then(pl.lit("excluded: client_status=") + pl.col("client_status"))
        .when(domain_hit.is_not_null()).then(pl.lit("excluded: domain ") + domain_hit)
        .when(pl.col("industry_excluded"))
        .then(pl.lit("excluded: industry=") + pl.col("industry"))
        .when(pl.col("country").is_in(rules.countries))
        .then(pl.lit("excluded: country=") + pl.col("country"))
    )


@dataclass
class ScoringReport:
    """What one scoring pass did: the asset's metadata and the CLI's summary."""

    icp_version: int | None
    content_hash: str | None
    min_score: float | None
    contacts: int = 0
    written: int = 0
    matches: int = 0
    excluded: int = 0
    mean_score: float | None = None
    distribution: dict[str, int] = field(default_factory=dict)
    top_reasons: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> ScoringReport:
        return cls(**data)

    def summary_line(self) -> str:
        if self.icp_version is None:
            return "no active ICP: nothing scored (set one with `gtm icp:set FILE`)"
        mean = "-" if self.mean_score is None else f"{self.mean_score:.2f}"
        return (f"{self.contacts} contacts scored under ICP v{self.icp_version}: "
                f"{self.matches} match (score >= {self.min_score}), {self.excluded} excluded, "
                f"mean {mean}, {self.written} rows written")


def summarize(scored: pl.DataFrame, icp: IcpDefinition) -> dict:
    """Counts, distribution in tenths and the most frequent reasons of a scored frame."""
    # The epsilon keeps a score of exactly 0.3 in "0.3-0.4" whatever 0.3 * 10 rounds to.
    bucket = (pl.col("score") * BUCKETS + 1e-9).floor().clip(0, BUCKETS - 1).cast(pl.Int64)
    counts = dict(scored.group_by(bucket.alias("b")).len().iter_rows())
    top = (scored.select(pl.col("reasons").explode().struct.field("reason"))
           .drop_nulls().group_by("reason").len().sort(["len", "reason"], descending=[True, False])
           .head(10))
    return {
        "contacts": scored.height,
        "matches": scored.filter(pl.col("score") >= icp.min_score).height,
        "excluded": int(scored["excluded"].sum()),
        "mean_score": round(scored["score"].mean(), 4) if scored.height else None,
        "distribution": {f"{b / BUCKETS:.1f}-{(b + 1) / BUCKETS:.1f}": counts.get(b, 0)
                         for b in range(BUCKETS)},
        "top_reasons": [{"reason": r, "contacts": n} for r, n in top.iter_rows()],
    }


def write_scores(conn: psycopg.Connection, workspace_id: str, icp_version: int,
                 scored: pl.DataFrame) -> int:
    """Store one ICP version's scores set-based; returns the rows inserted or changed.

    Needs the caller's lock (`score_contacts` holds it): update and insert are two statements."""
    if scored.is_empty():
        return 0
    conn.execute("drop table if exists _incoming_scores")
    conn.execute("create temp table _incoming_scores (employee_id uuid, score numeric,"
                 " reasons jsonb) on commit drop")
    payload = scored.select(
        "employee_id", "score",
        pl.lit("[") + pl.col("reasons").list.eval(pl.element().struct.json_encode())
        .list.join(",") + pl.lit("]"),
    ).write_csv(include_header=False)
    with conn.cursor() as cur, cur.copy("copy _incoming_scores (employee_id, score, reasons)"
                                        " from stdin with (format csv)") as copy:
        copy.write(payload.encode("utf-8"))
    # Update, drop what exists, insert the rest — not INSERT .. ON CONFLICT: a new ICP version is
    # all inserts and speculative insertion would nearly double their cost. Nor an anti-join in
    # the INSERT itself: planned against an empty table it rescans the rows it is inserting.
    params = {"ws": workspace_id, "v": icp_version}
    updated = conn.execute(
        "update contact_scores s set score = i.score, reasons = i.reasons"
        " from _incoming_scores i where s.workspace_id = %(ws)s and s.icp_version = %(v)s"
        " and s.employee_id = i.employee_id"
        " and (s.score, s.reasons) is distinct from (i.score, i.reasons)", params).rowcount
    conn.execute(
        "delete from _incoming_scores i using contact_scores s"
        " where s.employee_id = i.employee_id and s.icp_version = %(v)s", params)
    inserted = conn.execute(
        "insert into contact_scores (workspace_id, employee_id, icp_version, score, reasons)"
        " select %(ws)s, employee_id, %(v)s, score, reasons from _incoming_scores",
        params).rowcount
    return updated + inserted


def score_contacts(conn: psycopg.Connection, workspace_id: str) -> ScoringReport:
    """Score every contact of the workspace under the active ICP and store the scores.

    Runs in the caller's transaction, so readers see all of a pass or none of it."""
    # Serialise passes per workspace: an eager run and an `icp:set` may overlap.
    conn.execute("select pg_advisory_xact_lock(hashtext('gtm.scoring'), hashtext(%s))",
                 (workspace_id,))
    icp = active_icp(conn, workspace_id)
    if icp is None:
        return ScoringReport(icp_version=None, content_hash=None, min_score=None)
    scored = score_frame(load_contacts(conn, workspace_id), icp.definition)
    written = write_scores(conn, workspace_id, icp.version, scored)
    return ScoringReport(icp_version=icp.version, content_hash=icp.content_hash,
                         min_score=icp.definition.min_score, written=written,
                         **summarize(scored, icp.definition))


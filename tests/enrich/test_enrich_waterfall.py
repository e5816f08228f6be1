"""Waterfall semantics: only-if, stop at the first provider that answers, failures recorded
per entity without failing the batch, errors retried next run."""

from gtm.enrich.cache import input_hash
from gtm.enrich.waterfall import Answer, Stage, run_stage


class Fixed:
    def __init__(self, name, answer=None, error=None):
        self.name, self.answer, self.error, self.calls = name, answer, error, 0

    def lookup(self, entity):
        self.calls += 1
        if self.error:
            raise self.error
        return Answer(self.answer, self.name) if self.answer is not None else None


def _stage(providers, only_if=lambda e: None):
    return Stage("test_stage", "company", lambda e: {"v": e.get("v")}, providers,
                 only_if=only_if)


def _entities(seeded):
    return [{"id": cid, "v": i} for i, cid in enumerate(seeded["company_ids"])]


def test_stops_at_first_provider_that_answers(db, seeded):
    empty, first, never = Fixed("empty"), Fixed("first", {"x": 1}), Fixed("never", {"x": 2})
    report = run_stage(db, seeded["workspace_id"], _stage([empty, first, never]),
                       _entities(seeded))
    assert report.ok == 4
    assert (empty.calls, first.calls, never.calls) == (4, 4, 0)
    assert {r.provider for r in report.results} == {"first"}


def test_failures_are_recorded_and_retried_never_failing_the_batch(db, seeded):
    broken = Fixed("broken", error=TimeoutError("registry timed out"))
    ws = seeded["workspace_id"]
    entities = _entities(seeded)

    class Flaky:
        name = "flaky"

        def lookup(self, entity):
            if entity["v"] == 1:
                raise ValueError("bad payload")
            return Answer({"ok": True}, self.name)

    report = run_stage(db, ws, _stage([broken, Flaky()]), entities)
    assert (report.ok, report.errors) == (3, 1)
    assert "broken: TimeoutError: registry timed out" in report.failures[0]["reason"]
    assert "flaky: ValueError: bad payload" in report.failures[0]["reason"]
    row = db.execute("select status, error from enrichment_results where entity_id = %s"
                     " and stage = 'test_stage'", (entities[1]["id"],)).fetchone()
    assert row["status"] == "error" and "bad payload" in row["error"]
    again = run_stage(db, ws, _stage([broken, Flaky()]), entities)
    assert again.cached == 3 and again.errors == 1  # only the failed one is retried
    attempts = db.execute("select attempts from enrichment_results where entity_id = %s"
                          " and stage = 'test_stage'", (entities[1]["id"],)).fetchone()
    assert attempts["attempts"] == 2


def test_only_if_skips_with_reason_and_no_provider_call(db, seeded):
    provider = Fixed("p", {"x": 1})
    stage = _stage([provider], only_if=lambda e: "odd" if e["v"] % 2 else None)
    report = run_stage(db, seeded["workspace_id"], stage, _entities(seeded))
    assert (report.ok, report.skipped, provider.calls) == (2, 2, 2)
    assert report.skip_reasons == {"odd": 2}


def test_input_hash_ignores_key_order():
    assert input_hash("s", {"a": 1, "b": 2}) == input_hash("s", {"b": 2, "a": 1})
    assert input_hash("s", {"a": 1}) != input_hash("t", {"a": 1})

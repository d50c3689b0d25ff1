"""Parsers on pages and documents in the source's real shapes, whole, malformed and cut short."""

from __future__ import annotations

import json

import pytest
from fake_chutes import (
    NON_LLM,
    catalogue_html,
    catalogue_json,
    chute_uuid,
    make_dataset,
    stats_html,
    stats_json,
)
from throughput_support import TODAY

from zebench.throughput.records import RecordError
from zebench.throughput.sources.chutes_html import parse_catalogue_html, parse_stats_html
from zebench.throughput.sources.chutes_json import parse_catalogue, parse_daily_stats

DS = make_dataset(40, 75, today=TODAY)


# --- JSON statistics ----------------------------------------------------------------


def test_stats_json_groups_every_row_by_chute() -> None:
    parsed = parse_daily_stats(json.loads(stats_json(DS)))
    assert set(parsed.days) == {m.chute_id for m in DS.models}
    assert parsed.broken == {} and parsed.dropped_rows == 0
    model = DS.models[3]
    days = parsed.days[model.chute_id]
    assert [d.date for d in days] == [row["date"] for row in model.days]
    first = days[0]
    raw = model.days[0]
    assert (first.total_requests, first.average_tps, first.average_ttft) == (
        raw["total_requests"],
        raw["average_tps"],
        raw["average_ttft"],
    )
    assert first.name == model.name


def test_stats_json_bad_row_disqualifies_only_its_chute() -> None:
    rows = json.loads(stats_json(DS))
    victim = DS.models[2].chute_id
    bad_index = next(
        i for i, r in enumerate(rows) if r["chute_id"] == victim and r["date"] < "2025-03-01"
    )
    rows[bad_index]["average_tps"] = "fast"
    rows.append({"name": "no id", "date": "2025-03-01", "average_tps": 10})
    rows.append("not an object")
    parsed = parse_daily_stats(rows)
    assert victim not in parsed.days
    assert "average_tps" in parsed.broken[victim] and "'fast'" in parsed.broken[victim]
    assert parsed.dropped_rows == 2
    assert len(parsed.days) == len(DS.models) - 1


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("date", "10/03/2025", "date: expected YYYY-MM-DD"),
        ("date", "2025-02-30", "date: expected YYYY-MM-DD"),
        ("total_requests", -5, "total_requests: expected a count >= 0"),
        ("average_ttft", True, "average_ttft: expected a number"),
    ],
)
def test_stats_json_row_errors_name_the_field(field: str, value: object, expected: str) -> None:
    row = dict(DS.models[0].days[0])
    row[field] = value
    parsed = parse_daily_stats([row])
    assert expected in parsed.broken[row["chute_id"]]


def test_stats_json_nulls_are_missing_figures_and_repeated_days_keep_the_first() -> None:
    row = dict(DS.models[0].days[0], average_tps=None, total_requests=None)
    again = dict(row, average_tps=99.0)
    parsed = parse_daily_stats([row, again])
    (day,) = parsed.days[row["chute_id"]]
    assert day.average_tps is None and day.total_requests is None


def test_stats_json_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(RecordError, match="expected a JSON array"):
        parse_daily_stats({"detail": "Internal Server Error"})


# --- JSON catalogue -----------------------------------------------------------------


def test_catalogue_json_names_ids_and_prices() -> None:
    parsed = parse_catalogue(json.loads(catalogue_json(DS)))
    assert [e.chute_id for e in parsed.entries] == [m.chute_id for m in DS.models]
    first = parsed.entries[0]
    assert first.name == DS.models[0].name
    assert first.price_prompt == DS.models[0].price_prompt
    assert first.price_completion == DS.models[0].price_completion


def test_catalogue_json_leaves_out_unusable_entries_and_reads_the_older_price_shape() -> None:
    doc = {
        "object": "list",
        "data": [
            {
                "id": "a/model",
                "chute_id": "0f1e2d3c-aaaa-4bbb-8ccc-000000000001",
                "price": {"input": {"usd": 0.2}, "output": {"usd": 0.8}},
            },
            {"id": "b/model"},
            {"id": "", "chute_id": "0f1e2d3c-aaaa-4bbb-8ccc-000000000002"},
            {"id": "c/model", "chute_id": "../../etc/passwd"},
            {
                "id": "d/model",
                "chute_id": "0f1e2d3c-aaaa-4bbb-8ccc-000000000003",
                "pricing": {"prompt": "free", "completion": -1},
            },
            7,
        ],
    }
    parsed = parse_catalogue(doc)
    assert [(e.name, e.price_prompt, e.price_completion) for e in parsed.entries] == [
        ("a/model", 0.2, 0.8),
        ("d/model", None, None),
    ]
    assert len(parsed.skipped) == 4
    assert any("b/model" in reason and "chute_id" in reason for reason in parsed.skipped)


def test_catalogue_json_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(RecordError, match="listing the models"):
        parse_catalogue({"object": "error", "message": "rate limited"})


# --- HTML catalogue -----------------------------------------------------------------


def test_catalogue_page_keeps_the_vllm_chutes_only() -> None:
    entries = parse_catalogue_html(catalogue_html(DS).decode())
    assert [e.chute_id for e in entries] == [m.chute_id for m in DS.models]
    assert {chute_uuid(n) for n, _ in NON_LLM}.isdisjoint(e.chute_id for e in entries)
    assert entries[0].name == DS.models[0].name


def test_catalogue_page_never_borrows_a_neighbours_template() -> None:
    page = (
        '<script>const data={chutes:[{chute_id:"11111111-1111-4111-8111-111111111111",'
        'name:"black-forest-labs/FLUX.1-dev",tagline:"} not a brace {",'
        'standard_template:"diffusion"},'
        '{standard_template:"vllm",chute_id:"22222222-2222-4222-8222-222222222222",'
        'name:"Qwen\\u002FQwen3-8B",extra:{nested:{deep:1}}}]}</script>'
    )
    entries = parse_catalogue_html(page)
    assert [(e.chute_id, e.name) for e in entries] == [
        ("22222222-2222-4222-8222-222222222222", "Qwen/Qwen3-8B")
    ]


def test_catalogue_page_cut_short_yields_the_chutes_it_completes() -> None:
    page = catalogue_html(DS).decode()
    cut_at = page.index(DS.models[10].chute_id) + 60  # inside model 10's object
    entries = parse_catalogue_html(page[:cut_at])
    assert [e.chute_id for e in entries] == [m.chute_id for m in DS.models[:10]]


@pytest.mark.parametrize(
    "page",
    ["", "<html><body>502 Bad Gateway</body></html>", '\x00\xff{{{{"""}}}', "{" * 5000],
)
def test_catalogue_page_of_garbage_yields_nothing(page: str) -> None:
    assert parse_catalogue_html(page) == []


# --- HTML stats page ----------------------------------------------------------------


def test_stats_page_yields_every_day_of_its_chute() -> None:
    model = DS.models[7]
    days = parse_stats_html(stats_html(DS, model.chute_id).decode(), model.chute_id)
    assert len(days) == len(model.days) >= 60
    for day, raw in zip(days, model.days, strict=True):
        assert day.date == raw["date"]
        assert day.total_requests == raw["total_requests"]
        assert day.total_input_tokens == raw["total_input_tokens"]
        assert day.total_output_tokens == raw["total_output_tokens"]
        assert day.average_tps == raw["average_tps"]
        assert day.average_ttft == raw["average_ttft"]


def test_stats_page_reads_nulls_exponents_and_any_key_order() -> None:
    cid = "33333333-3333-4333-8333-333333333333"
    page = (
        f'data:[{{date:"2025-03-09",chute_id:"{cid}",name:"m",average_ttft:.85,'
        "average_tps:1.2e2,total_requests:4096,total_input_tokens:null,"
        'total_output_tokens:void 0},{chute_id:"44444444-4444-4444-8444-444444444444",'
        'date:"2025-03-09",average_tps:1}]'
    )
    (day,) = parse_stats_html(page, cid)
    assert (day.average_tps, day.average_ttft, day.total_requests) == (120.0, 0.85, 4096)
    assert day.total_input_tokens is None and day.total_output_tokens is None


def test_stats_page_cut_short_yields_the_complete_days() -> None:
    model = DS.models[1]
    page = stats_html(DS, model.chute_id).decode()
    cut_at = page.index(model.days[20]["date"]) + 20
    days = parse_stats_html(page[:cut_at], model.chute_id)
    assert [d.date for d in days] == [r["date"] for r in model.days[:20]]


def test_stats_page_with_an_unreadable_value_is_refused() -> None:
    cid = "33333333-3333-4333-8333-333333333333"
    page = f'{{chute_id:"{cid}",date:"2025-03-09",total_requests:12,average_tps:NaN}}'
    with pytest.raises(RecordError, match="average_tps: unreadable value"):
        parse_stats_html(page, cid)


@pytest.mark.parametrize(
    "page", ["", "<html><body>Just a moment...</body></html>", '{chute_id:"x"}' * 3]
)
def test_stats_page_without_days_is_refused(page: str) -> None:
    with pytest.raises(RecordError, match="no daily statistics"):
        parse_stats_html(page, DS.models[0].chute_id)

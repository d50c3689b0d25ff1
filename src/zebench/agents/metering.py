"""Tokens, tool calls and cost added up over the model calls of one run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from zebench.agents.base import Usage
from zebench.config import ModelPrice
from zebench.llm.chat import ModelTurn
from zebench.llm.pricing import cost_usd


@dataclass
class UsageMeter:
    """Tokens, tool calls and cost over a run; cost stays None once any call is unpriced."""

    prices: Mapping[str, ModelPrice]
    usage: Usage = field(default_factory=lambda: Usage(cost_usd=0.0))

    def add_turn(self, turn: ModelTurn, model: str) -> float | None:
        self.usage.tokens_in += turn.usage.total_input
        self.usage.tokens_out += turn.usage.output
        cost = turn.provider_cost_usd
        if cost is None:
            cost = cost_usd(self.prices, turn.model or model, turn.usage)
            if cost is None and turn.model and turn.model != model:
                cost = cost_usd(self.prices, model, turn.usage)
        if cost is None or self.usage.cost_usd is None:
            self.usage.cost_usd = None
        else:
            self.usage.cost_usd += cost
        return cost

    @property
    def total_tokens(self) -> int:
        return self.usage.tokens_in + self.usage.tokens_out

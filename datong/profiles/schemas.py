"""Bodies of the profile API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from datong.bounds import Id


class UnmergeRequest(BaseModel):
    """Revoke one edge, or detach one identifier (`type:value`): exactly one of them."""

    model_config = ConfigDict(extra="forbid")

    edge_id: Id | None = None
    identifier: str | None = Field(None, max_length=260)


class TagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: str = Field(min_length=1, max_length=64)

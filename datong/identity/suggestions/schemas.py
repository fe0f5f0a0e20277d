"""What the suggestions API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PersonTraits(BaseModel):
    """The key traits of one side of a pair; all null once the person was merged away."""

    person_id: int
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = Field(None, description="E.164, the person's newest phone identifier")
    phone_given: str | None = Field(
        None, description="the latest phone in the traits as given: full, masked or last 4")
    email: str | None = None
    birthday: str | None = None
    city: str | None = None
    address: str | None = None
    postcode: str | None = None


class SuggestionPublic(BaseModel):
    id: int
    status: str
    match_probability: float
    match_weight: float
    features: dict[str, str] = Field(description="field → comparison level, e.g. dob: exact")
    person_a: PersonTraits
    person_b: PersonTraits
    created_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    run_id: str


class SuggestionReviewed(SuggestionPublic):
    survivor: int | None = Field(None, description="the merged person, when accepted")


class SuggestionPage(BaseModel):
    data: list[SuggestionPublic]
    next_cursor: int | None


class SuggestionRun(BaseModel):
    run_id: str
    records: int = Field(description="persons with enough traits to compare")
    trained: bool = Field(description="model estimated from the data (else its priors)")
    pairs: int = Field(description="pairs scored at or above the threshold")
    new: int
    refreshed: int
    skipped: int = Field(description="pairs already accepted or rejected")
    stale: int = Field(description="pending suggestions withdrawn")
    seconds: float

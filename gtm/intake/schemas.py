"""Pandera contract of the staged frame: what normalisation promises the rest of the pipeline."""

import pandera.polars as pa
import polars as pl

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class StagedContacts(pa.DataFrameModel):
    row_number: int = pa.Field(gt=1, unique=True)  # line 1 is the header
    email: str = pa.Field(nullable=True, str_matches=EMAIL_PATTERN)
    country: str = pa.Field(nullable=True, str_matches=r"^[A-Z]{2}$")
    domain: str = pa.Field(nullable=True, str_matches=r"^[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+$")
    size_employees: int = pa.Field(nullable=True, ge=0)
    normalized_name: str = pa.Field(nullable=True, str_length={"min_value": 1})

    @pa.dataframe_check
    def someone_or_something_identified(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every accepted row identifies a person or a company."""
        return data.lazyframe.select(
            pl.any_horizontal(
                pl.col("email", "last_name", "normalized_name", "domain", "tin",
                       "registration_number").is_not_null()
            )
        )

    class Config:
        strict = False
        coerce = False

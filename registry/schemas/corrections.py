"""The body of a correction, which retracts (and may replace) an earlier statement."""

from typing import Annotated

from pydantic import Field

from registry.schemas.common import Body
from registry.values import Text


class Correction(Body):
    entry: Annotated[int, Field(ge=0)]
    reason: Text
    replacement: Annotated[int, Field(ge=0)] | None = None

"""JSON rendering with orjson for every response the hub builds itself."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class OrjsonResponse(JSONResponse):
    """Default response class: dicts, lists and problems are rendered by orjson.

    Routes with a response model take FastAPI's own fast path (Pydantic serialises straight to
    JSON bytes), which is quicker still; bulk streams (NDJSON, GeoJSON) use orjson directly.
    """

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)

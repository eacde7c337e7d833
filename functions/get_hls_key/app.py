"""GET /v1/{project_id}/hls-keys/{key_id} - the 16-byte AES-128 key of an encrypted HLS output.

For local use and as the shape of a production key server (README: HLS encryption): the caller
holds the project's token; a key of another project answers exactly like a missing one.
"""

import base64
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.api.mpc_errors import NOT_FOUND
from mediaflow.encryption import keys
from mediaflow.errors import NotFound

router = Router()


@router.get("/v1/<project_id>/hls-keys/<key_id>", summary="GetHlsKey", tags=["Packaging"])
def get_hls_key(
    project_id: Annotated[str, Path()], key_id: Annotated[str, Path(max_length=64)]
) -> Response[str]:
    try:
        key = keys.load_key(project_id, key_id)
    except NotFound as exc:
        raise NOT_FOUND from exc
    answer: Response[str] = Response(
        status_code=200,
        content_type="application/octet-stream",
        body=base64.b64encode(key).decode(),  # API Gateway sends the 16 raw bytes (BinaryMediaTypes)
        headers={"Cache-Control": "private, no-store"},
    )
    answer.base64_encoded = True
    return answer


lambda_handler = make_api_handler(router, Family.MPC)

"""Any route Mediaflow does not have: the caller's family says "not supported", never a 5xx.

API Gateway sends here what no other resource matches (``/`` and ``/{proxy+}``; the more specific
routes always win). The family is the caller's SDK (its signature scheme, from the authorizer):
Alibaba ``InvalidAction.NotFound``, Huawei APIG's ``APIGW.0101``, Tencent CI ``NotImplemented``
(as a 404: the SDK retries 5xx answers); token callers get the Huawei form, as ``/v1/{project_id}/...``
is Huawei's layout.
"""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.api.unsupported import not_supported

router = Router()
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


@router.route("/.*", method=METHODS, include_in_schema=False)
def unsupported() -> Response[str]:
    raise not_supported(router.current_event)


lambda_handler = make_api_handler(router, Family.MPC)

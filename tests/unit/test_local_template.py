"""Local stack, template side (no sockets): intrinsic resolution, SAM Globals, parameters, typed views
of functions, event sources and the Api, and the CloudFormation -> S3 API notification translation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.cfn import TemplateError
from local.pollers import rate_seconds
from local.resources import bucket_notification
from local.template import Template, merge_globals

REPO = Path(__file__).resolve().parents[2]

SMALL_TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Rate: {Type: Number, Default: 10}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Mappings:
  Sizes: {dev: {memory: 256}, prod: {memory: 1024}}
Globals:
  Function:
    Timeout: 10
    MemorySize: 512
    Layers: [!Ref Core]
    Environment:
      Variables: {SHARED: one, TABLE: !Ref Table, OVERRIDE: global}
Resources:
  Table: {Type: AWS::DynamoDB::Table, Properties: {TableName: !Sub "t-${Stage}"}}
  Queue: {Type: AWS::SQS::Queue}
  Bucket: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub "b-${AWS::AccountId}-${AWS::Region}"}}
  Core: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layers/core}}
  Extra: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layers/extra}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/fn
      Handler: app.handler
      Timeout: 3
      MemorySize: !FindInMap [Sizes, !Ref Stage, memory]
      Layers: [!Ref Extra]
      Environment:
        Variables:
          OVERRIDE: local
          QUEUE_ARN: !GetAtt Queue.Arn
          QUEUE_NAME: !GetAtt [Queue, QueueName]
          QUEUE_URL: !Ref Queue
          JOINED: !Join ["-", [!Select [1, !Split [",", "a,b,c"]], !Ref "AWS::StackName"]]
          MODE: !If [IsProd, production, !If [NotProd, development, never]]
          LITERAL: !Sub "${!NotAVariable}-${Bucket.Arn}"
          WITH_VARS: !Sub ["${x}/${Stage}", {x: !Ref Rate}]
          FLAG: true
          GONE: !Ref AWS::NoValue
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn, BatchSize: 5}}
        Tick: {Type: Schedule, Properties: {Schedule: rate(5 minutes)}}
  Plain:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: functions/plain, Handler: app.handler}
"""


def load(tmp_path: Path, text: str = SMALL_TEMPLATE, **overrides: Any) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return Template.load(path, overrides or None)


# ---------------------------------------------------------------- template and Globals
def test_intrinsics_resolve_against_parameters_pseudo_parameters_and_planned_ids(tmp_path: Path) -> None:
    env = load(tmp_path).functions()["Fn"].environment
    assert env["TABLE"] == "t-dev"
    assert env["QUEUE_ARN"] == "arn:aws:sqs:us-east-1:123456789012:mediaflow-local-Queue"
    assert env["QUEUE_NAME"] == "mediaflow-local-Queue"
    assert env["QUEUE_URL"].endswith("/123456789012/mediaflow-local-Queue")
    assert env["JOINED"] == "b-mediaflow-local"
    assert env["MODE"] == "development"
    assert env["LITERAL"] == "${NotAVariable}-arn:aws:s3:::b-123456789012-us-east-1"
    assert env["WITH_VARS"] == "10/dev"
    assert env["FLAG"] == "true"  # YAML booleans render like CloudFormation
    assert "GONE" not in env


def test_parameter_overrides_are_applied_and_validated(tmp_path: Path) -> None:
    fn = load(tmp_path, Stage="prod").functions()["Fn"]
    assert (fn.environment["TABLE"], fn.environment["MODE"], fn.memory_size) == ("t-prod", "production", 1024)
    with pytest.raises(TemplateError, match="not in"):
        load(tmp_path, Stage="qa")
    with pytest.raises(TemplateError, match="unknown parameters"):
        load(tmp_path, Nope="1")


def test_globals_merge_scalars_env_vars_and_layers_like_sam(tmp_path: Path) -> None:
    functions = load(tmp_path).functions()
    fn, plain = functions["Fn"], functions["Plain"]
    assert (fn.timeout, plain.timeout, plain.memory_size) == (3.0, 10.0, 512)
    assert fn.environment["SHARED"] == plain.environment["SHARED"] == "one"
    assert (fn.environment["OVERRIDE"], plain.environment["OVERRIDE"]) == ("local", "global")
    assert [layer.logical_id for layer in fn.layers] == ["Core", "Extra"]  # globals first
    assert [layer.logical_id for layer in plain.layers] == ["Core"]
    assert fn.code_uri == tmp_path / "functions" / "fn"


def test_merge_globals_keeps_intrinsics_whole() -> None:
    assert merge_globals({"A": {"Ref": "X"}}, {"A": {"Fn::GetAtt": ["Y", "Arn"]}}) == {
        "A": {"Fn::GetAtt": ["Y", "Arn"]}
    }
    assert merge_globals([1], [2]) == [1, 2]


def test_real_resource_ids_replace_planned_ones(tmp_path: Path) -> None:
    template = load(tmp_path)
    template.physical.set("Queue", "http://127.0.0.1:5555/123456789012/q", Arn="arn:q", QueueName="q")
    assert template.functions()["Fn"].environment["QUEUE_URL"] == "http://127.0.0.1:5555/123456789012/q"
    assert template.sqs_mappings()[0].queue_arn == "arn:q"


def test_event_sources_are_typed(tmp_path: Path) -> None:
    template = load(tmp_path)
    (mapping,) = template.sqs_mappings()
    assert (mapping.function_id, mapping.batch_size, mapping.report_batch_item_failures) == ("Fn", 5, False)
    (schedule,) = template.schedules()
    assert rate_seconds(schedule.expression) == 300
    assert rate_seconds("cron(0 12 * * ? *)") is None


def test_unresolvable_reference_is_an_error(tmp_path: Path) -> None:
    template = load(tmp_path)
    with pytest.raises(TemplateError, match="Missing"):
        template.resolve({"Ref": "Missing"})


def test_real_template_api_auth_usage_plan_and_gateway_responses() -> None:
    template = Template.load(REPO / "template.yaml", {"ProjectRateLimit": "5", "ProjectBurstLimit": "7"})
    (api,) = template.apis().values()
    assert api.default_authorizer is not None
    authorizer = api.authorizers[api.default_authorizer]
    assert authorizer.payload_type == "REQUEST" and authorizer.function_id in template.functions()
    assert (api.rate_limit, api.burst_limit, api.api_key_source) == (5.0, 7, "AUTHORIZER")
    assert {api.gateway_responses[k].status_code for k in ("UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED")} == {
        401,
        403,
        429,
    }
    routes = template.routes()
    assert routes and all(r.rest_api_id == api.logical_id for r in routes)
    for fn in template.functions().values():
        assert fn.environment["MEDIAFLOW_TABLE"] == template.physical.refs["MediaTable"]


def test_bucket_notification_is_translated_to_the_s3_api_shape() -> None:
    props = {
        "NotificationConfiguration": {
            "QueueConfigurations": [
                {
                    "Event": "s3:ObjectCreated:*",
                    "Queue": "arn:q",
                    "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        }
    }
    assert bucket_notification(props) == {
        "QueueConfigurations": [
            {
                "QueueArn": "arn:q",
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
            }
        ]
    }

"""Request models of the VOD upload operations, with the family's limits and error codes.

Custom error types are VOD codes (``InvalidFileName.Extension``...), so the family renderer can
answer with them directly.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError

from mediaflow.uploads.formats import MEDIA_NAME_PATTERN, media_extension

MAX_TAGS = 16
MAX_TAG_CHARS = 32
MAX_EXTEND_BYTES = 512


def check_characters(value: str, field: str) -> str:
    """VOD refuses emoji and other special symbols in Title/Description/Tags."""
    for ch in value:
        if ord(ch) > 0xFFFF or unicodedata.category(ch) in ("Cc", "Cs", "Co", "So", "Cn"):
            if ch in "\t\n\r" and field == "Description":
                continue
            raise PydanticCustomError("IllegalCharacters", f"{field} contains illegal characters.")
    return value


class MessageCallbackConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    CallbackURL: str = Field(min_length=8, max_length=1024)
    CallbackType: str = "http"

    @field_validator("CallbackURL")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise PydanticCustomError("InvalidParameter", "CallbackURL must be an http or https URL.")
        return value

    @field_validator("CallbackType")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if value.lower() != "http":
            raise PydanticCustomError("InvalidParameter", "Only the http CallbackType is supported.")
        return "http"


class VodUserData(BaseModel):
    """``UserData``: sent as a JSON string (as VOD documents) or as an object; both are accepted."""

    model_config = ConfigDict(extra="ignore")
    MessageCallback: MessageCallbackConfig | None = None
    Extend: str | None = None

    @field_validator("MessageCallback", mode="before")
    @classmethod
    def _json_in_string(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) and value.strip().startswith("{") else value

    @field_validator("Extend", mode="before")
    @classmethod
    def _extend_text(cls, value: Any) -> Any:
        text = value if isinstance(value, str) or value is None else json.dumps(value, separators=(",", ":"))
        if text is not None and len(text.encode("utf-8")) > MAX_EXTEND_BYTES:
            raise PydanticCustomError(
                "LengthExceededMax", f"UserData.Extend length has exceeded {MAX_EXTEND_BYTES} bytes."
            )
        return text


# For the OpenAPI document: UserData as an object, or as the JSON text of one (a simple form of it).
USER_DATA_SCHEMA: JsonDict = {
    "anyOf": [
        {
            "type": "object",
            "properties": {
                "MessageCallback": {
                    "type": "object",
                    "properties": {
                        "CallbackURL": {
                            "type": "string",
                            "pattern": "^https?://[a-z]{1,20}\\.example\\.com/[a-z]{0,20}$",
                        },
                        "CallbackType": {"enum": ["http"]},
                    },
                    "required": ["CallbackURL"],
                },
                "Extend": {
                    "type": "string",
                    "maxLength": 170,
                    "description": f"At most {MAX_EXTEND_BYTES} bytes",
                },
            },
        },
        {
            "type": "string",
            "pattern": '^\\{"Extend":"[A-Za-z0-9 ]{0,64}"\\}$',
            "description": "The same, as JSON text",
        },
        {"type": "null"},
    ]
}


def parse_user_data(value: Any) -> VodUserData | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise PydanticCustomError("InvalidParameter", "UserData must be a JSON object.") from exc
    if not isinstance(value, dict):
        raise PydanticCustomError("InvalidParameter", "UserData must be a JSON object.")
    return VodUserData.model_validate(value)


# Where an upload goes (CreateUploadVideo, UploadMediaByURL); checked by uploads.storage_location.
StorageLocation = Annotated[
    str | None,
    Field(
        None,
        max_length=256,
        description="A bucket this project authorized (its name, host or URL); empty: the media bucket.",
    ),
]


class CreateUploadVideoRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    Title: str = Field(min_length=1, max_length=128, description="Video title, at most 128 characters.")
    FileName: str = Field(
        min_length=1,
        max_length=255,
        description="Source file name with a media extension.",
        json_schema_extra={"pattern": MEDIA_NAME_PATTERN},
    )
    FileSize: int | None = Field(None, ge=0, description="Source size in bytes.")
    Description: str | None = Field(None, max_length=1024)
    Tags: str | None = Field(None, description="Comma-separated, at most 16 tags of 32 characters each.")
    TemplateGroupId: str | None = Field(None, max_length=64)
    StorageLocation: StorageLocation
    UserData: str | dict[str, Any] | None = Field(
        None,
        description='JSON: {"MessageCallback":{"CallbackURL":"..."},"Extend":"..."}',
        json_schema_extra=USER_DATA_SCHEMA,
    )

    @field_validator("Title")
    @classmethod
    def _title(cls, value: str) -> str:
        return check_characters(value, "Title")

    @field_validator("Description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return check_characters(value, "Description") if value else value

    @field_validator("FileName")
    @classmethod
    def _file_name(cls, value: str) -> str:
        if media_extension(value) is None:
            raise PydanticCustomError("InvalidFileName.Extension", "The file extension is not supported.")
        return value

    @field_validator("Tags")
    @classmethod
    def _tags(cls, value: str | None) -> str | None:
        if not value:
            return value
        tags = [t.strip() for t in value.split(",") if t.strip()]
        if len(tags) > MAX_TAGS:
            raise PydanticCustomError("TagsExceededMax", f"The number of tags exceeds {MAX_TAGS}.")
        for tag in tags:
            if len(tag) > MAX_TAG_CHARS:
                raise PydanticCustomError("LengthExceededMax", f"Tags length has exceeded {MAX_TAG_CHARS}.")
            check_characters(tag, "Tags")
        return ",".join(tags)

    @field_validator("UserData")
    @classmethod
    def _user_data(cls, value: Any) -> Any:
        parse_user_data(value)  # validate now; the parsed form is recomputed where needed
        return value

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (self.Tags or "").split(",") if t]

    @property
    def user_data(self) -> VodUserData | None:
        return parse_user_data(self.UserData)

    @property
    def user_data_text(self) -> str | None:
        """UserData as the JSON string VOD echoes back."""
        if self.UserData in (None, ""):
            return None
        if isinstance(self.UserData, str):
            return self.UserData
        return json.dumps(self.UserData, separators=(",", ":"))

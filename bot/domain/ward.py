"""The ward's own configuration (TOML): groups, units, staff, local calendar changes."""

from __future__ import annotations

import tomllib
from datetime import date
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.news import NEWS_FACTS


class Role(StrEnum):
    """Staff roles; residents are everyone else."""

    ADMIN = "admin"
    SECRETARY = "secretary"
    OFFICIAL = "official"
    SUPERVISOR = "supervisor"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WardInfo(_Strict):
    name: str = Field(min_length=1)
    code: str = Field(min_length=1, max_length=8, pattern=r"^[A-Z0-9]+$")
    timezone: str = "Asia/Ho_Chi_Minh"
    agency_report_working_days: int = Field(default=7, ge=1, le=30)
    complaints_office: str = Field(
        default="Bộ phận tiếp công dân của UBND phường",
        description="Where complaints and denunciations (khiếu nại, tố cáo) are filed.",
    )
    office_address: str = ""
    office_hours: str = ""
    petition_daily_limit: int = Field(default=5, ge=1, le=100)
    petition_max_attachments: int = Field(default=5, ge=0, le=20)
    answer_working_days: int | None = Field(
        default=None,
        ge=1,
        le=60,
        description="Working days an assigned unit has to answer"
        " (default: agency_report_working_days).",
    )
    reminder_days_before: int = Field(
        default=2, ge=0, le=10, description="Nhắc hạn trước bao nhiêu ngày làm việc."
    )
    escalate_after_overdue_days: int = Field(
        default=3, ge=1, le=30, description="Quá hạn bao nhiêu ngày làm việc thì báo giám sát."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"múi giờ không tồn tại: {value}") from exc
        return value


class ResidentialGroup(_Strict):
    """Tổ dân phố, with its culture house (nhà văn hóa)."""

    code: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1)
    culture_house: str = ""


class Unit(_Strict):
    """A ward unit that answers petitions (phòng, ban, ngành, MTTQ...)."""

    code: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1)


class StaffMember(_Strict):
    """A staff member and the accounts they are known by: a Telegram id, a Zalo user id (a
    string of digits), a phone; at least one of them."""

    telegram_id: int | None = Field(default=None, gt=0)
    zalo_user_id: str | None = Field(default=None, pattern=r"^[0-9]{1,32}$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 .-]{9,15}$")
    full_name: str = Field(min_length=1)
    role: Role
    unit: str | None = None

    @model_validator(mode="after")
    def _official_has_unit(self) -> StaffMember:
        if self.role is Role.OFFICIAL and not self.unit:
            raise ValueError("cán bộ (official) phải có unit")
        if self.telegram_id is None and self.zalo_user_id is None and self.phone is None:
            raise ValueError("cần ít nhất một trong telegram_id, zalo_user_id, phone")
        return self

    @property
    def accounts(self) -> list[tuple[str, str]]:
        """(channel, external id) of each chat account given."""
        found = []
        if self.telegram_id is not None:
            found.append(("telegram", str(self.telegram_id)))
        if self.zalo_user_id is not None:
            found.append(("zalo", self.zalo_user_id))
        return found


class TemplateKind(StrEnum):
    OA = "oa"
    """An OA template message to the person's Zalo account (``/v3.0/oa/message/template``)."""
    ZNS = "zns"
    """A ZNS to the person's phone (``{ZALO_ZNS_BASE_URL}/message/template``)."""


class ZaloTemplate(_Strict):
    """A template approved on Zalo for one event: its id, kind, which fact fills each of its
    parameters, and for ZNS the longest value each parameter takes."""

    template_id: str = Field(min_length=1, max_length=64)
    kind: TemplateKind
    params: dict[str, str] = Field(min_length=1)
    max_length: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _lengths_name_params(self) -> ZaloTemplate:
        unknown = sorted(set(self.max_length) - set(self.params))
        if unknown:
            raise ValueError(f"max_length nêu tham số không có trong params: {', '.join(unknown)}")
        if any(n < 2 for n in self.max_length.values()):
            raise ValueError("max_length của mỗi tham số phải từ 2 ký tự trở lên")
        return self


class ZaloSettings(_Strict):
    templates: dict[str, ZaloTemplate | list[ZaloTemplate]] = Field(default_factory=dict)
    """Event → its template(s): an OA template message is tried before a ZNS."""

    @model_validator(mode="after")
    def _templates_fit_their_events(self) -> ZaloSettings:
        for event, found in self.templates.items():
            facts = NEWS_FACTS.get(event)
            if facts is None:
                raise ValueError(
                    f"templates.{event}: không phải tin giao dịch được gửi tin trả phí"
                    f" (chỉ: {', '.join(sorted(NEWS_FACTS))})"
                )
            entries = found if isinstance(found, list) else [found]
            kinds = [t.kind for t in entries]
            if len(set(kinds)) != len(kinds):
                raise ValueError(f"templates.{event}: mỗi loại mẫu (oa, zns) chỉ một lần")
            for template in entries:
                missing = sorted(set(template.params.values()) - facts)
                if missing:
                    raise ValueError(
                        f"templates.{event}: dữ kiện không có: {', '.join(missing)}"
                        f" (có: {', '.join(sorted(facts))})"
                    )
        return self

    def for_event(self, event: str) -> list[ZaloTemplate]:
        """The event's templates, OA template message first."""
        found = self.templates.get(event, [])
        entries = found if isinstance(found, list) else [found]
        return sorted(entries, key=lambda t: t.kind is not TemplateKind.OA)


class Open311Client(_Strict):
    """A city system or third-party app allowed to file petitions through Open311 (POST)."""

    name: str = Field(min_length=1, max_length=100)
    api_key: str = Field(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_.~-]+$")


class WardConfig(_Strict):
    ward: WardInfo
    groups: list[ResidentialGroup] = Field(min_length=1)
    units: list[Unit] = Field(default_factory=list)
    staff: list[StaffMember] = Field(default_factory=list)
    extra_holidays: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)
    zalo: ZaloSettings = Field(default_factory=ZaloSettings)
    open311: list[Open311Client] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> WardConfig:
        for label, codes in (
            ("groups", [g.code for g in self.groups]),
            ("units", [u.code for u in self.units]),
        ):
            duplicates = sorted({c for c in codes if codes.count(c) > 1})
            if duplicates:
                raise ValueError(f"mã trùng trong {label}: {', '.join(duplicates)}")
        unit_codes = {u.code for u in self.units}
        for key, values in (
            ("telegram_id", [s.telegram_id for s in self.staff if s.telegram_id is not None]),
            ("zalo_user_id", [s.zalo_user_id for s in self.staff if s.zalo_user_id is not None]),
            ("phone", [s.phone for s in self.staff if s.phone is not None]),
        ):
            keys = [str(v) for v in values]
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            if repeated:
                raise ValueError(f"{key} trùng trong staff: {', '.join(repeated)}")
        api_keys = [c.api_key for c in self.open311]
        if len(set(api_keys)) != len(api_keys):
            raise ValueError("api_key trùng trong open311")
        for member in self.staff:
            if member.unit is not None and member.unit not in unit_codes:
                raise ValueError(
                    f"staff {member.full_name}: unit '{member.unit}' không có trong units"
                )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.ward.timezone)

    def group(self, code: str) -> ResidentialGroup | None:
        return next((g for g in self.groups if g.code == code), None)

    def unit(self, code: str) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    def open311_client(self, api_key: str) -> Open311Client | None:
        return next((c for c in self.open311 if c.api_key == api_key), None)

    def staff_member(self, channel: str, external_id: str) -> StaffMember | None:
        return next((s for s in self.staff if (channel, external_id) in s.accounts), None)


class ConfigError(Exception):
    """A config problem told in one line: file, key, what is wrong."""


def load_ward_config(path: Path) -> WardConfig:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: không tìm thấy tệp cấu hình phường "
            "(sao chép ward.example.toml thành ward.toml)"
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: TOML không hợp lệ: {exc}") from None
    try:
        return WardConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {format_validation_error(exc)}") from None


def format_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(gốc)"
        parts.append(f"{key}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)

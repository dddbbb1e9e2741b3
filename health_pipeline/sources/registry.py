"""The one list of source vendors: resource key and pool, display name, asset, and the environment keys each reads.

Everything that names vendors (the resource factory, production's key lists, the scoring asset's source
names, the column lineage, the pools) is derived from `VENDORS`; adding a vendor starts here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional

from health_pipeline.sources.salesforce.login import login_problem, needed_keys

LoginCheck = Callable[[Mapping[str, Optional[str]]], Optional[str]]
LoginKeys = Callable[[Mapping[str, Optional[str]]], list[str]]


@dataclass(frozen=True)
class EnvKey:
    """One environment variable (or secret key) and the resource field it sets."""

    name: str
    field: str
    secret: bool = False
    required: bool = False
    boolean: bool = False


@dataclass(frozen=True)
class Vendor:
    """One source: its resource key (also its pool), display name, asset, catalogue source names, pool limit, keys.

    The pool limit is how many runs may call the vendor at once (why each value: docs/deploying.md)."""

    key: str
    display_name: str
    asset_name: str
    catalogue_sources: tuple[str, ...]
    pool_limit: int
    env: tuple[EnvKey, ...]
    # for a vendor with several login methods: the keys the chosen one needs, and what is wrong with them (or None)
    login_keys: Optional[LoginKeys] = None
    login_check: Optional[LoginCheck] = None

    @property
    def env_keys(self) -> tuple[str, ...]:
        """Every key the vendor's resource reads."""
        return tuple(key.name for key in self.env)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The keys that are credentials: passed as EnvVar or read from a secret, never copied into config."""
        return tuple(key.name for key in self.env if key.secret)

    @property
    def required_keys(self) -> tuple[str, ...]:
        """The keys the vendor cannot run without."""
        return tuple(key.name for key in self.env if key.required)

    def needed_keys(self, values: Mapping[str, Optional[str]]) -> list[str]:
        """The keys the vendor cannot run without, given the values set (which select its login method)."""
        return [*self.required_keys, *(self.login_keys(values) if self.login_keys else ())]

    @property
    def setting_keys(self) -> tuple[str, ...]:
        """The non-secret keys (URLs, projects, toggles)."""
        return tuple(key.name for key in self.env if not key.secret)


VENDORS: tuple[Vendor, ...] = (
    Vendor("intercom", "Intercom", "intercom_support_metrics", ("Intercom",), 1, (
        EnvKey("INTERCOM_API_TOKEN", "token", secret=True, required=True),
        EnvKey("INTERCOM_BASE_URL", "base_url"),
    )),
    Vendor("jira", "Jira", "jira_bug_metrics", ("Jira",), 2, (
        EnvKey("JIRA_BASE_URL", "base_url", required=True),
        EnvKey("JIRA_EMAIL", "email", secret=True, required=True),
        EnvKey("JIRA_API_TOKEN", "api_token", secret=True, required=True),
        EnvKey("JIRA_PROJECTS", "projects"),
        EnvKey("JIRA_ACCOUNT_LINK", "account_link"),
        EnvKey("JIRA_CUSTOM_FIELD_ID", "custom_field_id"),
    )),
    Vendor("looker", "Looker", "looker_adoption_metrics", ("Looker",), 4, (
        EnvKey("LOOKER_BASE_URL", "base_url", required=True),
        EnvKey("LOOKER_CLIENT_ID", "client_id", secret=True, required=True),
        EnvKey("LOOKER_CLIENT_SECRET", "client_secret", secret=True, required=True),
        EnvKey("LOOKER_VERIFY_SSL", "verify_ssl", boolean=True),
    )),
    Vendor("salesforce", "Salesforce", "salesforce_account_metrics", ("Salesforce", "Salesforce (Phase 2)"), 4, (
        # which login is used follows from which keys are set (sources/salesforce/login.py), checked at load
        EnvKey("SF_CONSUMER_KEY", "consumer_key", secret=True),
        EnvKey("SF_CONSUMER_SECRET", "consumer_secret", secret=True),
        EnvKey("SF_DOMAIN", "domain"),
        EnvKey("SF_USERNAME", "username", secret=True),
        EnvKey("SF_PRIVATE_KEY", "private_key", secret=True),
        EnvKey("SF_PRIVATE_KEY_FILE", "private_key_file"),
        EnvKey("SF_PASSWORD", "password", secret=True),
        EnvKey("SF_SECURITY_TOKEN", "security_token", secret=True),
        EnvKey("SF_API_VERSION", "api_version"),
        EnvKey("SF_LOGIN_URL", "login_url_override"),
        EnvKey("SF_CA_BUNDLE", "ca_bundle"),
    ), login_keys=needed_keys, login_check=login_problem),
)
VENDOR_KEYS: tuple[str, ...] = tuple(vendor.key for vendor in VENDORS)
BY_KEY: dict[str, Vendor] = {vendor.key: vendor for vendor in VENDORS}
DISPLAY_NAME_OF_ASSET: dict[str, str] = {vendor.asset_name: vendor.display_name for vendor in VENDORS}
ASSET_OF_CATALOGUE_SOURCE: dict[str, str] = {
    source: vendor.asset_name for vendor in VENDORS for source in vendor.catalogue_sources}
SECRET_KEYS: frozenset[str] = frozenset(key for vendor in VENDORS for key in vendor.secret_keys)
SETTING_KEYS: tuple[str, ...] = tuple(key for vendor in VENDORS for key in vendor.setting_keys)
POOL_LIMITS: dict[str, int] = {vendor.key: vendor.pool_limit for vendor in VENDORS}

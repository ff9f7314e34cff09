"""REST: the bot user, users, DM channels, the gateway URL and the application."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).

from __future__ import annotations

from fake_discord.core import (
    SNOWFLAKE,
    Call,
    FakeCore,
    Reply,
    RouteSpec,
    error_reply,
    form_error,
)


class IdentityRoutes(FakeCore):
    """Who the bot is, and where its gateway is."""

    def identity_routes(self) -> list[RouteSpec]:
        """Routes of the bot user, users, DMs, the gateway URL and the application."""
        return [
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", rf"/users/(?P<user_id>{SNOWFLAKE})", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
        ]

    # ------------------------------------------------------------------ REST: identity, gateway, application

    async def _get_me(self, call: Call) -> Reply:
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}

    async def _get_user(self, call: Call) -> Reply:
        user_id = int(call.params["user_id"])
        user = self.bot_user if user_id == self.bot_id else self._users.get(user_id)
        return (200, user) if user is not None else error_reply(404, 10013, "Unknown User")

    async def _create_dm(self, call: Call) -> Reply:
        user = self._users.get(int(call.body.get("recipient_id", 0)))
        if user is None:
            return form_error("recipient_id", "NUMBER_TYPE_COERCE", "Value is not a known user.")
        return 200, self._dm_channel(user)

    async def _get_gateway(self, call: Call) -> Reply:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: Call) -> Reply:
        limit = {"total": 1000, "remaining": 1000 - self.identify_count, "reset_after": 86_400_000}
        limits = {**limit, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limits}

    async def _get_application(self, call: Call) -> Reply:
        owner = self.user(0)
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": owner,
            "team": None,
            "bot": self.bot_user,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
        }

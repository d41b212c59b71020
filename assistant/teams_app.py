"""The Microsoft Teams edge: Teams activities in, `AnswerService` calls, rendered answers out.

Built on the Microsoft 365 Agents SDK (the only module that imports it). `TeamsEdge` is the platform
adapter mounted at `POST /api/messages` on the shared aiohttp server (`server.py`), which bounds
sizes, time and connections before anything here runs.

Credentials are the SDK's own environment variables (`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*`).
Anonymous access (no Bot Framework token) is allowed only when `...__ANONYMOUS_ALLOWED` is true as the
SDK itself reads it (true/1; any unrecognised value is refused at start-up), for local testing: the
server then listens on 127.0.0.1 unless told otherwise. Otherwise every request must carry a valid
token, and replies may only go to Microsoft's service hosts (the SDK's `OutboundHostValidator`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AIEntity,
    Attachment,
    ClientCitation,
    ClientCitationAppearance,
    InvokeResponse,
    load_configuration_from_env,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator, start_agent_process
from microsoft_agents.hosting.core import (
    AgentApplication,
    ApplicationOptions,
    MemoryStorage,
    OutboundHostValidator,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app import Conversation, ProactiveOptions
from pydantic import ValidationError

from .errors import ConfigError, QuestionError, VerifiedAnswerError
from .models import Answer, Suggestion, VerifiedAnswer
from .service import AnswerService
from .settings import Settings
from .teams_cards import (ACCEPT_VERB, HELP_VERB, MARK_VERB, MORE_VERB, REJECT_VERB, SUGGEST_VERB, answer_card,
                          answer_text, choices_card, cited_clauses, help_text, suggestion_card, suspended_text,
                          welcome_text)

log = logging.getLogger(__name__)

PLATFORM = "teams"
ENV_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
GREETINGS = {"help", "hi", "hello", "hey", "start"}
APOLOGY = "Sorry, something went wrong while I was looking that up. Please try again in a moment."
# Auth types that sign in without a client secret (the SDK checks certificate and federated settings itself).
_SECRETLESS = {"usermanagedidentity", "systemmanagedidentity", "certificate", "certificatesubjectname",
               "federatedcredentials", "workloadidentity", "identityproxymanager", "entraauthsidecar"}


_SDK_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def anonymous_allowed(raw: object) -> bool:
    """`...ANONYMOUS_ALLOWED` read exactly as the SDK reads it (true/1 and false/0 in any case, around
    white space; unset or blank is off), except that any other value is a startup error where the SDK
    would silently read "off". `TeamsEdge` also checks the SDK's own reading agrees."""
    text = "" if raw is None else str(raw).strip().lower()
    if not text:
        return False
    if text not in _SDK_BOOLEANS:
        raise ConfigError(f"{ENV_PREFIX}ANONYMOUS_ALLOWED must be true or false (or 1 or 0), not {str(raw)!r}.")
    return _SDK_BOOLEANS[text]


def agent_config(env: Mapping[str, str]) -> tuple[dict, bool]:
    """The SDK configuration from environment variables, and whether anonymous access is on.

    Raises ConfigError in one line when the credentials a real deployment needs are missing.
    """
    config = load_configuration_from_env(env)
    settings = config.get("CONNECTIONS", {}).get("SERVICE_CONNECTION", {}).get("SETTINGS", {})
    anonymous = anonymous_allowed(settings.get("ANONYMOUS_ALLOWED"))
    if not anonymous:
        needed = ["CLIENTID", "TENANTID"]
        if str(settings.get("AUTHTYPE", "ClientSecret")).lower() not in _SECRETLESS:
            needed.append("CLIENTSECRET")
        missing = [ENV_PREFIX + name for name in needed if not str(settings.get(name, "")).strip()]
        if missing:
            raise ConfigError(f"Teams credentials missing: set {', '.join(missing)} (or "
                              f"{ENV_PREFIX}ANONYMOUS_ALLOWED=true for local testing only).")
    return config, anonymous


def teams_configured(env: Mapping[str, str]) -> bool:
    """Whether any of the SDK's service-connection settings is set (then `serve` runs Teams)."""
    return any(name.startswith(ENV_PREFIX) and str(value).strip() for name, value in env.items())


def teams_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The SDK's settings: `.env` in the working folder, overridden by the environment."""
    return {**_dotenv(Path(".env")), **(os.environ if environ is None else environ)}


class TeamsBot:
    """The Teams handlers, over one shared `AnswerService`."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service

    def register(self, app: AgentApplication[TurnState]) -> None:
        app.before_turn(self.remember_owner)
        app.activity(ActivityTypes.message)(self.on_message)
        app.invoke("message/submitAction")(self.on_submit_action)
        app.conversation_update("membersAdded")(self.on_members_added)
        app.error(self.on_error)

    # ------------------------------------------------------------------ messages

    async def on_message(self, context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else None
        if value and value.get("verb") == HELP_VERB and not (activity.text or "").strip():
            await self.on_help(context, value)
            return
        if value and value.get("verb") in (MORE_VERB, MARK_VERB, SUGGEST_VERB) and not (activity.text or "").strip():
            await self.on_verified(context, value)
            return
        if value and value.get("verb") in (ACCEPT_VERB, REJECT_VERB) and not (activity.text or "").strip():
            await self.on_decision(context, value)
            return
        if not _is_personal(activity) and not _mentions_bot(activity):
            return  # in channels and group chats, only questions addressed to the bot
        question = " ".join((activity.text or "").replace("\u00a0", " ").split())
        if not question or question.lower().strip("!?. ") in GREETINGS:
            documents = await asyncio.to_thread(self.service.documents)
            await context.send_activity(welcome_text(documents, self.service.examples()))
            return
        await context.send_activity(Activity(type=ActivityTypes.typing))
        try:
            reply = await asyncio.to_thread(
                self.service.answer, question, PLATFORM, user=_user(activity), channel=_channel(activity),
                private=_is_personal(activity))
        except QuestionError as exc:
            await context.send_activity(str(exc))
            return
        except Exception:
            log.exception("could not answer a Teams question in %s", activity.conversation.id)
            await context.send_activity(APOLOGY)
            return
        owner = self.service.is_owner(_user(activity))
        sent = await context.send_activity(_answer_activity(reply.answer, reply.question_id, owner))
        if sent and sent.id:
            await asyncio.to_thread(self.service.remember_message, reply.question_id, PLATFORM,
                                    activity.conversation.id, sent.id)
        else:
            log.warning("Teams returned no id for the answer to question %s; its 👍/👎 cannot be matched",
                        reply.question_id)

    async def on_help(self, context: TurnContext, value: dict) -> None:
        """"Still need help?": record it and tell the user who to ask."""
        question_id = _int(value.get("question_id"))
        if question_id is not None:
            await asyncio.to_thread(self.service.feedback, question_id, "help", PLATFORM, _user(context.activity))
        contact = await asyncio.to_thread(self.service.contact, question_id)
        await context.send_activity(help_text(contact))

    async def on_verified(self, context: TurnContext, value: dict) -> None:
        """Owners: the clauses to mark as the right answer, and marking one; staff after 👎: suggesting one."""
        user, verb = _user(context.activity), value.get("verb")
        question_id, position = _int(value.get("question_id")), _int(value.get("position"))
        try:
            if question_id is None:
                raise VerifiedAnswerError("That answer is no longer on record.")
            if verb == MORE_VERB:
                if not await self._send_choices(context, question_id):
                    await context.send_activity("Only policy owners can mark the right answer.")
            elif verb == MARK_VERB and position is not None:
                marked = await asyncio.to_thread(self.service.mark_answer, question_id, position, user or "",
                                                 PLATFORM, name=_name(context.activity))
                await context.send_activity(f"Marked as the right answer to \u201c{marked.questions[-1]}\u201d "
                                            f"({marked.label}). Questions like it now get this clause first.")
            elif verb == SUGGEST_VERB and position is not None:
                suggestion = await asyncio.to_thread(self.service.suggest, question_id, position, user, PLATFORM)
                await context.send_activity("Thanks, I've passed it to the policy owners to check.")
                await self.service.announce_suggestion(suggestion)  # owners on Teams and on Slack
        except VerifiedAnswerError as exc:
            await context.send_activity(str(exc))

    async def on_decision(self, context: TurnContext, value: dict) -> None:
        """An owner accepts or rejects a suggestion from the card they were sent."""
        user = _user(context.activity)
        suggestion_id = _int(value.get("suggestion_id"))
        try:
            if not self.service.is_owner(user) or suggestion_id is None:
                raise VerifiedAnswerError("Only policy owners can accept or reject suggestions.")
            accept = value.get("verb") == ACCEPT_VERB
            decided = await asyncio.to_thread(self.service.decide, suggestion_id, accept,
                                              _name(context.activity) or user or "", owner_id=user, platform=PLATFORM)
            await context.send_activity(f"Suggestion #{decided.id} {decided.status}." + (
                " Questions like it now get this clause first." if accept else ""))
        except VerifiedAnswerError as exc:
            await context.send_activity(str(exc))

    # ------------------------------------------------------------------ messaging owners unprompted

    async def remember_owner(self, context: TurnContext, state: TurnState) -> bool:
        """Before every turn: when a policy owner writes to the bot in their personal chat, keep where
        (the SDK's conversation reference), so they can be told of suggestions later. Never stops the turn."""
        activity = context.activity
        user = _user(activity)
        if not _is_personal(activity) or not self.service.is_owner(user):
            return True
        try:
            reference = Conversation.from_turn_context(context).store_item_to_json()
            reference.pop("_span_context", None)
            await asyncio.to_thread(self.service.remember_owner_chat, user, PLATFORM, reference)
        except Exception:
            log.exception("could not keep the Teams chat of owner %s", user)
        return True

    async def _send_choices(self, context: TurnContext, question_id: int) -> bool:
        """The clauses with what this person may do with them; False when they may do nothing."""
        kind, clauses = await asyncio.to_thread(self.service.choices, question_id, _user(context.activity))
        if not kind or not clauses:
            return False
        answer = await asyncio.to_thread(self.service.question, question_id)
        card = choices_card(question_id, answer.question if answer else "", kind, clauses)
        await context.send_activity(Activity(type=ActivityTypes.message, attachments=[
            Attachment(content_type=ADAPTIVE_CARD, content=card)]))
        return True

    # ------------------------------------------------------------------ feedback loop (👍/👎)

    async def on_submit_action(self, context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        value: dict = activity.value if isinstance(activity.value, dict) else {}
        action: dict = value["actionValue"] if isinstance(value.get("actionValue"), dict) else {}
        if value.get("actionName") != "feedback" or action.get("reaction") not in ("like", "dislike"):
            await _invoke_response(context, 400, {"error": "expected actionName 'feedback' with reaction like/dislike"})
            return
        rating = "up" if action["reaction"] == "like" else "down"
        question_id = None
        if activity.reply_to_id:
            question_id = await asyncio.to_thread(self.service.question_for_message, PLATFORM,
                                                  activity.conversation.id, activity.reply_to_id)
        if question_id is None:
            log.warning("Teams feedback for unknown message %s", activity.reply_to_id)
        else:
            await asyncio.to_thread(self.service.feedback, question_id, rating, PLATFORM, _user(activity),
                                    _feedback_comment(action.get("feedback")))
        await _invoke_response(context, 200)
        if question_id is not None and rating == "down":  # "Did another clause answer you?"
            try:
                await self._send_choices(context, question_id)
            except Exception:
                log.exception("could not offer other clauses after 👎 on question %s", question_id)

    # ------------------------------------------------------------------ welcome and errors

    async def on_members_added(self, context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(member.id == bot_id for member in activity.members_added or []):
            return
        documents = await asyncio.to_thread(self.service.documents)
        await context.send_activity(welcome_text(documents, self.service.examples()))

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed for %s", context.activity.type, exc_info=error)
        if context.activity.type == ActivityTypes.invoke:
            await _invoke_response(context, 500)
            return
        try:
            await context.send_activity(APOLOGY)
        except Exception:
            log.exception("could not send the apology either")


class TeamsOwners:
    """Tells Teams' policy owners things unprompted (the service's `OwnerMessenger`): a message in their
    personal chat with the bot, sent with the SDK's proactive messaging. Teams lets a bot write first only
    where it has a conversation reference, so an owner who never wrote to the bot cannot be reached: logged."""

    def __init__(self, service: AnswerService, app: AgentApplication[TurnState], adapter: CloudAdapter) -> None:
        self.service, self.app, self.adapter = service, app, adapter

    async def suggested(self, suggestion: Suggestion) -> None:
        card = Activity(type=ActivityTypes.message, text=f"Suggestion #{suggestion.id} for \u201c{suggestion.question}\u201d",
                        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=suggestion_card(suggestion))])
        await self._send(self.service.owners_on(PLATFORM), card, f"suggestion {suggestion.id}")

    async def suspended(self, answer: VerifiedAnswer, owners: list[str]) -> None:
        await self._send(owners, Activity(type=ActivityTypes.message, text=suspended_text(answer)),
                         f"suspended verified answer {answer.id}")

    async def _send(self, owners: list[str], activity: Activity, what: str) -> None:
        chats = await asyncio.to_thread(self.service.owner_chats, PLATFORM)
        unreachable = [o for o in owners if o not in chats]
        if unreachable:
            log.warning("Teams owners %s have never written to the bot, so cannot be told of %s",
                        ", ".join(unreachable), what)
        for owner in owners:
            if owner in chats:
                try:
                    await self.app.proactive.send_activity(self.adapter, Conversation.from_json_to_store_item(
                        chats[owner]), activity)
                except Exception as exc:
                    log.warning("Could not tell Teams owner %s of %s: %s", owner, what, type(exc).__name__)


def _answer_activity(answer: Answer, question_id: int, owner: bool = False) -> Activity:
    """The answer message: text with [n] markers, the citations entity, the card and the feedback loop."""
    citations = [
        ClientCitation(at_type="Claim", position=c.position, appearance=ClientCitationAppearance(
            at_type="DigitalDocument", name=c.name, abstract=c.abstract, text=json.dumps(c.detail_card),
            encoding_format=ADAPTIVE_CARD))
        for c in cited_clauses(answer)
    ]
    # Every field set explicitly: the connector serialises with exclude_unset, dropping defaults.
    entity = AIEntity(at_type="Message", at_context="https://schema.org", type="https://schema.org/Message",
                      additional_type=["AIGeneratedContent"], citation=citations or None)
    return Activity(
        type=ActivityTypes.message,
        text=answer_text(answer),
        text_format="markdown",
        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=answer_card(answer, question_id, owner))],
        entities=[entity],
        channel_data={"feedbackLoopEnabled": True},
    )


async def _invoke_response(context: TurnContext, status: int, body: object = None) -> None:
    await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                         value=InvokeResponse(status=status, body=body)))


def _is_personal(activity: Activity) -> bool:
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind in (None, "personal")


def _mentions_bot(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return bool(bot_id) and any(m.mentioned and m.mentioned.id == bot_id for m in activity.get_mentions())


def _user(activity: Activity) -> str | None:
    sender = activity.from_property
    return (sender.aad_object_id or sender.id) if sender else None


def _name(activity: Activity) -> str | None:
    """The sender's display name, for "Verified by <name>"."""
    return activity.from_property.name if activity.from_property and activity.from_property.name else None


def _channel(activity: Activity) -> str | None:
    """The Teams channel id (what `channel_scopes` is keyed by), else the conversation without its thread."""
    data: dict = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel: dict = data["channel"] if isinstance(data.get("channel"), dict) else {}
    if channel.get("id"):
        return str(channel["id"])
    return activity.conversation.id.split(";")[0] if activity.conversation else None


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _feedback_comment(raw: object) -> str | None:
    """The text a user typed in Teams' feedback form (sent as a JSON string {"feedbackText": ...})."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return raw.strip()
    if isinstance(data, dict):
        text = str(data.get("feedbackText") or "").strip()
        return text or None
    return raw.strip()


class TeamsEdge:
    """`POST /api/messages` on the shared server: Bot Framework auth (SDK), a well-formed Activity, then
    the turn. Built from the SDK's settings; answers 503 until the service is loaded."""

    name = "Teams"
    path = "/api/messages"

    def __init__(self, env: Mapping[str, str]) -> None:
        self.config, self.anonymous = agent_config(env)
        try:
            self.connections = MsalConnectionManager(**self.config)
        except ValueError as exc:
            raise ConfigError(f"Teams configuration is invalid: {exc}") from None
        auth = self.connections.get_default_connection_configuration()
        if bool(auth.ANONYMOUS_ALLOWED) != self.anonymous:  # our reading and the SDK's must never differ
            raise ConfigError(f"{ENV_PREFIX}ANONYMOUS_ALLOWED is read differently by the Agents SDK; refusing to start.")
        if self.anonymous:
            log.warning("Teams: anonymous access is ON (%sANONYMOUS_ALLOWED=true): requests are not authenticated "
                        "and replies may go to any service URL. Use this for local testing only.", ENV_PREFIX)
        self.adapter = CloudAdapter(connection_manager=self.connections,
                                    host_validator=OutboundHostValidator(enabled=not self.anonymous))
        self.agent: AgentApplication[TurnState] | None = None
        self.service: AnswerService | None = None

    def mount(self, app: web.Application) -> None:
        with warnings.catch_warnings():  # the SDK's middleware reads this plain string key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            app["agent_configuration"] = self.connections.get_default_connection_configuration()
        app.router.add_post(self.path, self.handle)

    async def load(self, service: AnswerService) -> None:
        agent = AgentApplication[TurnState](
            ApplicationOptions(storage=MemoryStorage(), start_typing_timer=False, remove_recipient_mention=True,
                               proactive=ProactiveOptions()),
            connection_manager=self.connections, **self.config)
        TeamsBot(service).register(agent)
        self.agent, self.service = agent, service
        service.messengers[PLATFORM] = TeamsOwners(service, agent, self.adapter)

    async def close(self) -> None:
        if self.service is not None:
            self.service.messengers.pop(PLATFORM, None)
        self.agent = self.service = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Authenticate (any failure inside token validation is a 401, never a traceback), then the turn."""
        authenticated = False

        async def turn(request: web.Request) -> web.StreamResponse:
            nonlocal authenticated
            authenticated = True
            return await self._turn(request)

        try:
            return await jwt_authorization_decorator(turn)(request)
        except Exception as exc:
            if authenticated:
                raise
            log.warning("Teams: refused a request whose token could not be validated (%s)", type(exc).__name__)
            return web.json_response({"error": "Invalid token or authentication failed."}, status=401)

    async def _turn(self, request: web.Request) -> web.StreamResponse:
        if self.agent is None:
            return web.json_response({"status": "loading"}, status=503)
        problem = await _malformed(request)
        if problem:
            return web.json_response({"error": problem}, status=400)
        response = await start_agent_process(request, self.agent, self.adapter)
        return response if response is not None else web.Response(status=202)


async def _malformed(request: web.Request) -> str | None:
    """Why a POST is not a usable activity, or None (the SDK would answer a bad one with a 500)."""
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return "Request body must be an Activity in JSON."
    if not isinstance(body, dict):
        return "Request body must be a JSON object (an Activity)."
    try:
        activity = Activity.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        return f"Invalid activity: {where}: {first.get('msg')}"
    if not activity.type or not activity.conversation or not activity.conversation.id:
        return "Activity must have type and conversation.id."
    if not activity.service_url:
        return "Activity must have serviceUrl."
    return None


def _dotenv(path: Path) -> dict[str, str]:
    """`CONNECTIONS__...` entries from a .env file, so one file configures both the policies and Teams."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if k.startswith("CONNECTIONS__") and v is not None}

"""The Slack edge: Slack events, `/policy` and button clicks in, AnswerService calls out.

One bolt `AsyncApp` serves both transports: HTTP (`SlackEdge`, mounted at `/slack/events` on the
shared aiohttp server of `server.py`, through bolt's aiohttp adapter) and Socket Mode
(`SlackSocketEdge`, bolt's aiohttp Socket Mode handler). Over HTTP the signature is checked on the raw
bytes before the body is parsed, and a correctly signed body that does not parse gets 400. A question
is recorded in the store (with its `event_id`) before bolt acks the event, then answered as a task; a
Slack retry, or the same event reaching another replica, is answered only if the first never was. A
question whose process died is answered by a live one once its lease runs out (`recover_forever`).
The service's blocking calls run in worker threads. This is the only
module that imports slack_bolt; rendering is in `slack_blocks`, answering and recording in `service`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from . import slack_blocks as render
from .errors import ConfigError, QuestionError, VerifiedAnswerError
from .models import Suggestion, VerifiedAnswer
from .service import AnswerService, Asked, RateLimited, Received
from .settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
SIGNATURE_MAX_AGE = 5 * 60  # seconds; older signed requests could be replays
QUESTION_WORDS = frozenset(
    "can could may might must should shall is are am was were do does did will would who what when where which "
    "why how whom whose".split())


# ------------------------------------------------------------------------------------ credentials


@dataclass(frozen=True)
class Credentials:
    """Checked Slack credentials (never logged)."""

    bot_token: str
    app_token: str | None = None
    signing_secret: str | None = None
    api_url: str | None = None


def _secret(value: Any) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def check_credentials(settings: Settings, http: bool) -> Credentials:
    """The tokens the chosen mode needs, checked for shape; ConfigError says what is wrong and where to look."""
    bot = _secret(settings.slack_bot_token)
    if not bot:
        raise ConfigError("SLACK_BOT_TOKEN is not set: use the Bot User OAuth Token (xoxb-…) from your Slack app's "
                          "OAuth & Permissions page.")
    if not bot.startswith("xoxb-"):
        hint = " (that is an app-level token, which belongs in SLACK_APP_TOKEN)" if bot.startswith("xapp-") else ""
        raise ConfigError(f"SLACK_BOT_TOKEN must be a bot token starting with xoxb-{hint}.")
    app_token = secret = None
    if http:
        secret = _secret(settings.slack_signing_secret)
        if not secret:
            raise ConfigError("SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from your Slack "
                              "app's Basic Information page.")
        if not re.fullmatch(r"[0-9a-fA-F]{16,128}", secret):
            raise ConfigError("SLACK_SIGNING_SECRET does not look like a Slack signing secret (hexadecimal, "
                              "from Basic Information › App Credentials).")
    else:
        app_token = _secret(settings.slack_app_token)
        if not app_token:
            raise ConfigError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with "
                              "connections:write (Basic Information › App-Level Tokens), or run with --http.")
        if not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
    api_url = (settings.slack_api_url or "").strip() or None
    if api_url:
        if not re.match(r"https?://[^/\s]+", api_url):
            raise ConfigError("SLACK_API_URL must be an http(s) URL such as https://slack.com/api/.")
        api_url = api_url if api_url.endswith("/") else api_url + "/"  # the SDK joins method names onto it
    return Credentials(bot, app_token, secret, api_url)


# ------------------------------------------------------------------------------------ the bolt app


class _TokenFromClient(logging.Filter):
    """bolt warns that SLACK_BOT_TOKEN in the environment is unused when it is given a client, which is
    exactly how the token (and SLACK_API_URL) reach it here: drop that one misleading warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_SDK_LOG = logging.getLogger("slack_sdk.web.async_base_client")  # the Web API client's own logger


def _leveled(logger: logging.Logger) -> logging.Logger:
    """The logger with the level it inherits set on itself. slack_sdk and bolt test `logger.level <=
    DEBUG` (not whether debug is enabled) before formatting debug lines, and a logger without a level
    of its own has level 0: without this every Web API call formats its whole request and response
    (the answer's blocks included) for a debug line nobody logs."""
    if logger.level == logging.NOTSET:
        logger.setLevel(logger.getEffectiveLevel())
    return logger


async def build_app(credentials: Credentials, service: AnswerService,
                    listeners: SlackListeners | None = None) -> AsyncApp:
    """The bolt AsyncApp with every listener; calls auth.test once (ConfigError if Slack refuses the token)."""
    bolt_log = logging.getLogger("slack_bolt.AsyncApp")
    if not any(isinstance(f, _TokenFromClient) for f in bolt_log.filters):
        bolt_log.addFilter(_TokenFromClient())
    # one HTTP session for every Web API call: without it each reply opens a new connection (and TLS
    # handshake) to Slack; close_app closes it
    session = aiohttp.ClientSession()
    client = AsyncWebClient(token=credentials.bot_token, session=session, logger=_leveled(_SDK_LOG),
                            **({"base_url": credentials.api_url} if credentials.api_url else {}))
    try:
        await client.auth_test()
    except SlackApiError as exc:
        await session.close()
        raise ConfigError(f"Slack did not accept SLACK_BOT_TOKEN ({exc.response.get('error', 'refused')}).") from None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        await session.close()
        raise ConfigError(f"Could not reach the Slack Web API at {client.base_url}: {exc}") from None
    except BaseException:
        await session.close()
        raise
    app = AsyncApp(client=client, signing_secret=credentials.signing_secret or "", logger=_leveled(bolt_log),
                   request_verification_enabled=credentials.signing_secret is not None)
    (listeners or SlackListeners(service)).register(app)
    return app


async def close_app(app: AsyncApp) -> None:
    """Close the Web API session build_app opened."""
    session = app.client.session
    if session is not None and not session.closed:
        await session.close()


def looks_like_question(text: str) -> bool:
    """A question mark, or a sentence opening the way questions do ("can I…", "what…")."""
    words = text.lower().split()
    return "?" in text or bool(words) and words[0].strip(",.:;!") in QUESTION_WORDS


def from_a_bot(event: dict) -> bool:
    """Written by a bot (ours or another): never answered, so two bots cannot ping-pong."""
    return bool(event.get("bot_id")) or event.get("subtype") == "bot_message" or bool(event.get("bot_profile"))


def asked_in(event: dict, bot_user_id: str | None, event_id: str | None) -> Asked | None:
    """The question an event asks the bot: an @mention in a channel, or a person's direct message."""
    text = render.from_slack(event.get("text", "") or "", bot_user_id)
    user, channel = event.get("user"), event.get("channel")
    if not isinstance(channel, str) or from_a_bot(event):
        return None
    if event.get("type") == "app_mention" and not channel.startswith("D"):
        return Asked(question=text, platform=PLATFORM, user_id=user, channel=channel,
                     thread=event.get("thread_ts") or event.get("ts"), event_id=event_id)
    if (event.get("type") == "message" and event.get("channel_type") == "im" and not event.get("subtype")
            and user and user != bot_user_id and text):
        return Asked(question=text, platform=PLATFORM, user_id=user, channel=channel, thread=event.get("thread_ts"),
                     private=True, event_id=event_id)
    return None


Tell = Callable[[str], Awaitable[Any]]


class SlackListeners:
    """What the bot does for each kind of Slack request; every failure ends in a message to the user."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service
        self._recovery: asyncio.Task[None] | None = None
        # what an ack waits for has threads of its own: queued behind answers being worked out, a
        # burst of questions would hold acks past Slack's 3 seconds
        self._recording = ThreadPoolExecutor(2, thread_name_prefix="slack-record")

    async def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A blocking service call, off the event loop."""
        return await asyncio.to_thread(function, *args, **kwargs)

    async def record(self, function: Callable[..., Any], *args: Any) -> Any:
        """A blocking store call that an ack waits on, on the recording threads."""
        return await asyncio.get_running_loop().run_in_executor(self._recording, partial(function, *args))

    def register(self, app: AsyncApp) -> None:
        app.middleware(self.record_first)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home_opened)
        app.command("/policy")(self.on_command)
        app.action(re.compile(f"^({render.ACTION_UP}|{render.ACTION_DOWN})$"))(self.on_feedback)
        app.action(render.ACTION_MORE)(self.on_more)
        app.action(render.ACTION_HELP)(self.on_help)
        app.action(re.compile(f"^({render.ACTION_MARK}|{render.ACTION_SUGGEST})$"))(self.on_choice)
        app.action(re.compile(f"^({render.ACTION_ACCEPT}|{render.ACTION_REJECT})$"))(self.on_decision)

    # --------------------------------------------------------------------------- events

    async def record_first(self, body: dict, context: Any, req: AsyncBoltRequest, client: AsyncWebClient,
                           next: Callable[[], Awaitable[Any]]) -> Any:
        """Record a question before bolt acks its event; a repeat of an answered (or in-hand) event is dropped.

        If the store cannot record it, the event is not acked (503), so Slack delivers it again later;
        the person hears about the delay once, on the first delivery.
        """
        event = body.get("event") if body.get("type") == "event_callback" else None
        event_id = body.get("event_id") if isinstance(body.get("event_id"), str) and body.get("event_id") else None
        asked = asked_in(event, context.bot_user_id, event_id) if isinstance(event, dict) else None
        if asked is None:
            return await self._once(event_id, next)
        try:
            received = await self.record(self.service.receive, asked)
        except RateLimited as exc:
            context["rate_limited"] = exc
            return await next()
        except Exception:
            log.exception("Could not record Slack event %s; asking Slack to send it again", event_id)
            if not req.headers.get("x-slack-retry-num"):
                await self._safely(lambda text: self._notify(client, asked.channel or "", asked.user_id, text,
                                                             asked.thread, asked.private),
                                   render.apology(self.service.settings.contact))
            return BoltResponse(status=503, body="")
        if received is None:
            return BoltResponse(status=200, body="")  # acked; answered (or being answered) already
        context["received"] = received
        return await next()

    async def _once(self, event_id: str | None, next: Callable[[], Awaitable[Any]]) -> Any:
        """Other events (no question in them): handled once per event id."""
        if event_id:
            try:
                first = await self.record(self.service.claim_event, event_id)
            except Exception:  # the store is unreachable: better a possible duplicate than silence
                log.exception("Could not record Slack event %s", event_id)
                first = True
            if not first:
                log.info("Ignoring Slack's retry of event %s", event_id)
                return BoltResponse(status=200, body="")
        return await next()

    async def on_mention(self, event: dict, client: AsyncWebClient, context: Any) -> None:
        """@mention in a channel: answer in the mention's thread (the thread's question if the mention has none)."""
        received, limited = context.get("received"), context.get("rate_limited")
        if received is None and limited is None:
            return  # not a question for us (a DM also arrives as message.im), or a repeat
        channel, user = event["channel"], event.get("user")
        thread, text = event.get("thread_ts") or event["ts"], ""
        async with self._apologising(lambda text: self._notify(client, channel, user, text, thread, dm=False)):
            if limited is not None:
                raise limited
            text = received.asked.question
            if event.get("thread_ts") and not looks_like_question(text):
                parent = await self._thread_parent(client, channel, event["thread_ts"])
                if parent and (not text or looks_like_question(parent)):
                    text = parent
                    received = received.model_copy(update={"asked": received.asked.model_copy(update={"question": text})})
            if not text:
                await self._notify(client, channel, user, render.usage_hint(self.service.examples()), thread,
                                   dm=False)
                await self.call(self.service.done, received)
                return
        if text:
            await self.answer_received(client, received)

    async def on_message(self, event: dict, client: AsyncWebClient, context: Any) -> None:
        """A direct message: answer it there. Bot messages, edits and other subtypes are ignored."""
        received, limited = context.get("received"), context.get("rate_limited")
        if limited is not None:
            async with self._apologising(lambda text: self._notify(client, event["channel"], event.get("user"), text,
                                                                   event.get("thread_ts"), dm=True)):
                raise limited
        elif received is not None:
            await self.answer_received(client, received)

    async def on_home_opened(self, event: dict, client: AsyncWebClient) -> None:
        """The Messages tab (agent view) opened: offer example questions."""
        if event.get("tab") != "messages" or not event.get("channel"):
            return
        try:
            await client.assistant_threads_setSuggestedPrompts(
                channel_id=event["channel"], title="Ask about a policy",
                prompts=render.suggested_prompts(self.service.examples()))
        except SlackApiError as exc:
            log.warning("Could not set suggested prompts: %s", exc.response.get("error"))

    # --------------------------------------------------------------------------- /policy

    async def on_command(self, ack: Callable[..., Awaitable[None]], command: dict,
                         respond: Callable[..., Awaitable[Any]]) -> None:
        """`/policy <words>` looks clauses up; `/policy list` lists policies; otherwise usage."""
        await ack()
        words = render.from_slack(command.get("text", ""))

        async def reply(message: render.SlackMessage) -> None:
            await respond(text=message.text, blocks=message.blocks or None, response_type="ephemeral")

        async with self._apologising(lambda text: reply(render.SlackMessage(text))):
            if words.lower() in ("", "help", "?"):
                await reply(render.help_message())
            elif words.lower() == "list":
                await reply(render.documents_message(await self.call(self.service.documents)))
            else:
                found = await self.call(self.service.lookup, words, channel=command.get("channel_id"),
                                        platform=PLATFORM, user=command.get("user_id"))
                await reply(render.lookup_message(words, found, await self._overdue()))

    # --------------------------------------------------------------------------- buttons

    async def on_feedback(self, ack: Callable[..., Awaitable[None]], body: dict, action: dict,
                          client: AsyncWebClient) -> None:
        """👍/👎: recorded before the click is acked (one vote per person per answer: the last counts)."""
        channel, user, thread = _where(body)
        async with self._apologising(lambda text: self._notify(client, channel, user, text, thread, dm=False)):
            try:
                question_id = _question_id(action)
                rating = "up" if action["action_id"] == render.ACTION_UP else "down"
                recorded = question_id is not None and await self.call(self.service.feedback, question_id, rating,
                                                                       PLATFORM, user=user)
            finally:
                await ack()
            thanks = "Thanks, your feedback is recorded." + (
                " If another clause answered you, press *More clauses* and say which." if rating == "down" else "")
            await self._notify(client, channel, user, thanks if recorded else
                               "I can't find that answer any more, so your feedback was not recorded.", thread,
                               dm=False)

    async def on_more(self, ack: Callable[..., Awaitable[None]], body: dict, action: dict,
                      client: AsyncWebClient) -> None:
        await ack()
        channel, user, thread = _where(body)
        async with self._apologising(lambda text: self._notify(client, channel, user, text, thread, dm=False)):
            question_id = _question_id(action)
            answer = await self.call(self.service.question, question_id) if question_id is not None else None
            found = (await self.call(self.service.more, question_id, platform=PLATFORM, user=user)
                     if answer and question_id is not None else [])
            message = render.more_message(answer.question if answer else "", found, await self._overdue())
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=message.text,
                                          blocks=message.blocks, unfurl_links=False, unfurl_media=False)
            kind, clauses = await self.call(self.service.choices, question_id, user) \
                if answer and question_id is not None else (None, [])
            if kind and clauses and question_id is not None and answer is not None:  # only this person sees it
                choice = render.choices_message(question_id, answer.question, kind, clauses)
                await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=choice.text,
                                                blocks=choice.blocks)

    async def on_choice(self, ack: Callable[..., Awaitable[None]], body: dict, action: dict,
                        client: AsyncWebClient) -> None:
        """An owner's "Mark as the right answer", or staff's "This one answered me" (then owners are told)."""
        await ack()
        channel, user, thread = _where(body)

        async def tell(text: str) -> None:
            await self._notify(client, channel, user, text, thread, dm=False)

        async with self._apologising(tell):
            question_id, _, position = str(action.get("value", "")).partition(":")
            if not (question_id.isdigit() and position.isdigit() and user):
                raise VerifiedAnswerError("That clause is no longer on record.")
            if action["action_id"] == render.ACTION_MARK:
                marked = await self.call(self.service.mark_answer, int(question_id), int(position), user, PLATFORM,
                                         name=await self._name(client, user))
                await tell(render.verified_text(marked))
                return
            suggestion = await self.call(self.service.suggest, int(question_id), int(position), user, PLATFORM)
            await tell("Thanks, I've passed it to the policy owners to check.")
            await self.service.announce_suggestion(suggestion)  # owners on Slack and on Teams

    async def on_decision(self, ack: Callable[..., Awaitable[None]], body: dict, action: dict,
                          client: AsyncWebClient) -> None:
        """An owner accepts or rejects a suggestion from the message they were sent."""
        await ack()
        channel, user, thread = _where(body)

        async def tell(text: str) -> None:
            await self._notify(client, channel, user, text, thread, dm=True)

        async with self._apologising(tell):
            suggestion_id = _question_id(action)
            if not self.service.is_owner(user) or suggestion_id is None or user is None:
                raise VerifiedAnswerError("Only policy owners can accept or reject suggestions.")
            accept = action["action_id"] == render.ACTION_ACCEPT
            decided = await self.call(self.service.decide, suggestion_id, accept, await self._name(client, user),
                                      owner_id=user, platform=PLATFORM)
            await tell(f"Suggestion #{decided.id} {decided.status}." + (
                " Questions like it now get this clause first." if accept else ""))

    async def on_help(self, ack: Callable[..., Awaitable[None]], body: dict, action: dict,
                      client: AsyncWebClient) -> None:
        await ack()
        channel, user, thread = _where(body)
        async with self._apologising(lambda text: self._notify(client, channel, user, text, thread, dm=False)):
            question_id = _question_id(action)
            if question_id is not None:
                await self.call(self.service.feedback, question_id, "help", PLATFORM, user=user)
            contact = await self.call(self.service.contact, question_id)
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=render.contact_text(user, contact))

    # --------------------------------------------------------------------------- helpers

    async def answer_received(self, client: AsyncWebClient, received: Received) -> None:
        """Answer a recorded question in its channel and thread; it is done once Slack has the message."""
        asked = received.asked
        channel, thread = asked.channel or "", asked.thread
        async with self._apologising(lambda message: self._notify(client, channel, asked.user_id, message, thread,
                                                                  asked.private)):
            reply = await self.call(self.service.reply, received)
            message = render.answer_message(reply.question_id, reply.answer)
            try:
                await client.chat_postMessage(channel=channel, thread_ts=thread, text=message.text,
                                              blocks=message.blocks, unfurl_links=False, unfurl_media=False)
            except SlackApiError as exc:  # e.g. invalid_blocks: the plain text still answers
                log.error("Slack refused the answer's blocks (%s); sending text only", exc.response.get("error"))
                await client.chat_postMessage(channel=channel, thread_ts=thread, text=message.text)
            await self.call(self.service.delivered, reply)

    async def _already_posted(self, client: AsyncWebClient, received: Received) -> bool:
        """Whether the answer is in its thread already (its buttons carry the question id)."""
        asked = received.asked
        if not asked.channel or not asked.thread:
            return False
        try:
            response = await client.conversations_replies(channel=asked.channel, ts=asked.thread, limit=200)
        except SlackApiError as exc:
            log.warning("Could not read the thread of question %s: %s", received.question_id, exc.response.get("error"))
            return False
        value = str(received.question_id)
        return any(message.get("bot_id") and any(
            element.get("action_id") == render.ACTION_UP and element.get("value") == value
            for block in message.get("blocks") or [] for element in block.get("elements") or []
            if isinstance(element, dict)) for message in response.get("messages") or [])

    def start_recovery(self, client: AsyncWebClient) -> None:
        """Answer, now and every few seconds, the questions a stopped process left unanswered."""
        self._recovery = asyncio.create_task(self.recover_forever(client))

    async def stop_recovery(self) -> None:
        self._recording.shutdown(wait=False)
        if self._recovery is not None:
            self._recovery.cancel()
            try:
                await self._recovery
            except asyncio.CancelledError:
                pass
            self._recovery = None

    async def recover_forever(self, client: AsyncWebClient) -> None:
        every = min(max(self.service.settings.question_lease_seconds / 2, 1.0), 30.0)
        while True:
            try:
                for received in await self.call(self.service.overdue, PLATFORM):
                    if await self._already_posted(client, received):
                        await self.call(self.service.done, received)  # its process died just after posting
                    else:
                        await self.answer_received(client, received)
            except Exception:
                log.exception("Could not take over unanswered Slack questions")
            await asyncio.sleep(every)

    @asynccontextmanager
    async def _apologising(self, tell: Tell) -> AsyncIterator[None]:
        """Run a handler body; a question problem is explained, anything else logged and apologised for."""
        try:
            yield
        except RateLimited as exc:
            await self._safely(tell, f":hourglass_flowing_sand: {render.escape(str(exc))}")
        except (QuestionError, VerifiedAnswerError) as exc:
            await self._safely(tell, f":warning: {render.escape(str(exc))}")
        except Exception:
            log.exception("Slack request failed")
            await self._safely(tell, render.apology(self.service.settings.contact))

    @staticmethod
    async def _safely(tell: Tell, text: str) -> None:
        try:
            await tell(text)
        except Exception:
            log.exception("Could not tell the user what went wrong")

    async def _notify(self, client: AsyncWebClient, channel: str, user: str | None, text: str, thread: str | None,
                      dm: bool) -> None:
        """A message only the user sees (a plain message in a DM)."""
        if dm or not user:
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        else:
            await client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread)

    @staticmethod
    async def _name(client: AsyncWebClient, user: str) -> str:
        """A person's name as Slack shows it, for "Verified by <name>" (their id if Slack won't say)."""
        try:
            profile = (await client.users_info(user=user)).get("user") or {}
        except SlackApiError as exc:
            log.warning("Could not read the name of %s: %s", user, exc.response.get("error"))
            return user
        return str(profile.get("real_name") or profile.get("name") or user)

    async def _thread_parent(self, client: AsyncWebClient, channel: str, thread_ts: str) -> str:
        """The text of a thread's first message, unless a bot wrote it ('' if it can't be read)."""
        try:
            response = await client.conversations_replies(channel=channel, ts=thread_ts, limit=1, inclusive=True)
            messages = response["messages"]
        except SlackApiError as exc:
            log.warning("Could not read the thread %s in %s: %s", thread_ts, channel, exc.response.get("error"))
            return ""
        parent = messages[0] if messages else {}
        if parent.get("ts") != thread_ts or from_a_bot(parent) or parent.get("subtype"):
            return ""
        return render.from_slack(parent.get("text", ""))

    async def _overdue(self) -> set[str]:
        return set(await self.call(self.service.overdue_sources))


def _where(body: dict) -> tuple[str, str | None, str | None]:
    """Channel, user and thread of a button click (the thread the clicked answer is in)."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    return channel, (body.get("user") or {}).get("id"), message.get("thread_ts") or message.get("ts")


def _question_id(action: dict) -> int | None:
    value = str(action.get("value", ""))
    return int(value) if value.isdigit() else None


# ------------------------------------------------------------------------------------ transports


def signed_by_slack(secret: str, body: bytes, timestamp: str | None, signature: str | None,
                    now: float | None = None) -> bool:
    """Slack's v0 request signature over the raw bytes, from the last five minutes (nothing parsed yet)."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace"))


class SlackOwners:
    """Tells Slack's policy owners things unprompted, by direct message (the service's `OwnerMessenger`)."""

    def __init__(self, service: AnswerService, client: AsyncWebClient) -> None:
        self.service, self.client = service, client

    async def suggested(self, suggestion: Suggestion) -> None:
        message = render.suggestion_message(suggestion)
        for owner in self.service.owners_on(PLATFORM):
            await self._send(owner, message.text, message.blocks, f"suggestion {suggestion.id}")

    async def suspended(self, answer: VerifiedAnswer, owners: list[str]) -> None:
        for owner in owners:
            await self._send(owner, render.suspended_text(answer), None, f"suspended verified answer {answer.id}")

    async def _send(self, owner: str, text: str, blocks: list[dict] | None, what: str) -> None:
        try:
            await self.client.chat_postMessage(channel=owner, text=text, **({"blocks": blocks} if blocks else {}))
        except SlackApiError as exc:
            log.warning("Could not tell owner %s of %s: %s", owner, what, exc.response.get("error"))


class SlackEdge:
    """`POST /slack/events` on the shared server: verify, then parse, then hand to bolt (503 until loaded)."""

    name = "Slack"
    path = EVENTS_PATH

    def __init__(self, credentials: Credentials) -> None:
        assert credentials.signing_secret, "HTTP mode needs the signing secret"
        self.credentials = credentials
        self.app: AsyncApp | None = None
        self.listeners: SlackListeners | None = None

    def mount(self, app: web.Application) -> None:
        app.router.add_post(self.path, self.handle)

    async def load(self, service: AnswerService) -> None:
        self.listeners = SlackListeners(service)
        self.app = await build_app(self.credentials, service, self.listeners)
        service.messengers[PLATFORM] = SlackOwners(service, self.app.client)
        self.listeners.start_recovery(self.app.client)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.app is None:
            return web.json_response({"status": "loading"}, status=503)  # Slack retries later
        body = await request.read()  # already bounded and read by the server's guard
        assert self.credentials.signing_secret is not None
        if not signed_by_slack(self.credentials.signing_secret, body, request.headers.get("X-Slack-Request-Timestamp"),
                               request.headers.get("X-Slack-Signature")):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(body=body.decode("utf-8"), query=request.query_string,
                                            headers={k: v for k, v in request.headers.items()})
        except (ValueError, TypeError, AttributeError):  # incl. UnicodeDecodeError and JSON errors
            return web.json_response({"error": "malformed request body"}, status=400)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def close(self) -> None:
        if self.listeners is not None:
            self.listeners.service.messengers.pop(PLATFORM, None)
            await self.listeners.stop_recovery()
        if self.app is not None:
            await close_app(self.app)
        self.app = None


class SlackSocketEdge:
    """Socket Mode: no public URL; Slack's events arrive over a WebSocket this process opens."""

    name = "Slack via Socket Mode"
    path = ""

    def __init__(self, credentials: Credentials) -> None:
        assert credentials.app_token, "Socket Mode needs the app-level token"
        self.credentials = credentials
        self.handler: AsyncSocketModeHandler | None = None
        self.listeners: SlackListeners | None = None
        self.app: AsyncApp | None = None

    def mount(self, app: web.Application) -> None:
        """Nothing to mount: Socket Mode listens on no port."""

    async def load(self, service: AnswerService) -> None:
        self.listeners = SlackListeners(service)
        app = self.app = await build_app(self.credentials, service, self.listeners)
        try:  # once, ourselves: bolt's client would retry a refused token forever
            await app.client.apps_connections_open(app_token=self.credentials.app_token)
        except SlackApiError as exc:
            raise ConfigError(f"Slack did not accept SLACK_APP_TOKEN ({exc.response.get('error')}).") from None
        self.handler = AsyncSocketModeHandler(app, self.credentials.app_token)
        try:
            await self.handler.connect_async()
        except SlackApiError as exc:
            raise ConfigError(f"Slack did not accept SLACK_APP_TOKEN ({exc.response.get('error')}).") from None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise ConfigError(f"Could not open a Socket Mode connection to Slack: {exc}") from None
        service.messengers[PLATFORM] = SlackOwners(service, app.client)
        self.listeners.start_recovery(app.client)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPNotFound()

    async def close(self) -> None:
        if self.listeners is not None:
            self.listeners.service.messengers.pop(PLATFORM, None)
            await self.listeners.stop_recovery()
        if self.handler is not None:
            await self.handler.close_async()
            self.handler = None
        if self.app is not None:
            await close_app(self.app)
            self.app = None

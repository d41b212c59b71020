"""The Slack edge: Slack events, `/policy` and button clicks in, AnswerService calls out.

One bolt `App` serves both transports: Socket Mode (`policy-assistant slack`) and HTTP
(`policy-assistant slack --http`), where a small threaded HTTP server hands `/slack/events` to
`app.dispatch` and answers `/healthz` (503 until the model and index are loaded). Events are acked at
once (bolt runs event listeners on its thread pool) and claimed by `event_id`, so a Slack retry never
produces a second answer. This is the only module that imports slack_bolt; rendering is in
`slack_blocks`, answering and recording in `service`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from . import slack_blocks as render
from .errors import ConfigError, QuestionError
from .service import AnswerService, RateLimited
from .settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 1_000_000
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


def build_app(credentials: Credentials, service: AnswerService) -> App:
    """The bolt App with every listener; calls auth.test once (ConfigError if Slack refuses the token)."""
    bolt_log = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _TokenFromClient) for f in bolt_log.filters):
        bolt_log.addFilter(_TokenFromClient())
    client = (WebClient(token=credentials.bot_token, base_url=credentials.api_url) if credentials.api_url
              else WebClient(token=credentials.bot_token))
    try:
        app = App(client=client, signing_secret=credentials.signing_secret or "",
                  request_verification_enabled=credentials.signing_secret is not None)
    except BoltError as exc:
        response = getattr(exc.__context__, "response", None)
        reason = response.get("error", "refused") if response is not None else str(exc)
        raise ConfigError(f"Slack did not accept SLACK_BOT_TOKEN ({reason}).") from None
    except OSError as exc:
        raise ConfigError(f"Could not reach the Slack Web API at {client.base_url}: {exc}") from None
    SlackListeners(service).register(app)
    return app


def looks_like_question(text: str) -> bool:
    """A question mark, or a sentence opening the way questions do ("can I…", "what…")."""
    words = text.lower().split()
    return "?" in text or bool(words) and words[0].strip(",.:;!") in QUESTION_WORDS


class SlackListeners:
    """What the bot does for each kind of Slack request; every failure ends in a message to the user."""

    def __init__(self, service: AnswerService) -> None:
        self.service = service

    def register(self, app: App) -> None:
        app.middleware(self.once_per_event)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home_opened)
        app.command("/policy")(self.on_command)
        app.action(re.compile(f"^({render.ACTION_UP}|{render.ACTION_DOWN})$"))(self.on_feedback)
        app.action(render.ACTION_MORE)(self.on_more)
        app.action(render.ACTION_HELP)(self.on_help)

    # --------------------------------------------------------------------------- events

    def once_per_event(self, body: dict, next: Callable[[], Any]) -> Any:
        """Slack retries an event it thinks was missed with the same event_id: answer it only once."""
        event_id = body.get("event_id")
        if isinstance(event_id, str) and event_id:
            try:
                first = self.service.claim_event(event_id)
            except Exception:  # the store is unreachable: better a possible duplicate than silence
                log.exception("Could not record Slack event %s", event_id)
                first = True
            if not first:
                log.info("Ignoring Slack's retry of event %s", event_id)
                return BoltResponse(status=200, body="")  # acked; nothing more to do
        return next()

    def on_mention(self, event: dict, client: WebClient, context: Any) -> None:
        """@mention in a channel: answer in the mention's thread (the thread's question if the mention has none)."""
        channel = event["channel"]
        if channel.startswith("D"):
            return  # a direct message also arrives as message.im, which answers it
        user, thread = event.get("user"), event.get("thread_ts") or event["ts"]
        text = render.from_slack(event.get("text", ""), context.bot_user_id)
        if event.get("thread_ts") and not looks_like_question(text):
            parent = self._thread_parent(client, channel, event["thread_ts"])
            if parent and (not text or looks_like_question(parent)):
                text = parent
        if not text:
            self._notify(client, channel, user, render.usage_hint(), thread, dm=False)
            return
        self._answer(client, text, user, channel, thread, dm=False)

    def on_message(self, event: dict, client: WebClient, context: Any) -> None:
        """A direct message: answer it there. Bot messages, edits and other subtypes are ignored."""
        if (event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id")
                or not event.get("user") or event.get("user") == context.bot_user_id):
            return
        text = render.from_slack(event.get("text", ""), context.bot_user_id)
        if text:
            self._answer(client, text, event["user"], event["channel"], event.get("thread_ts"), dm=True)

    def on_home_opened(self, event: dict, client: WebClient) -> None:
        """The Messages tab (agent view) opened: offer example questions."""
        if event.get("tab") != "messages" or not event.get("channel"):
            return
        try:
            client.assistant_threads_setSuggestedPrompts(channel_id=event["channel"], title="Ask about a policy",
                                                         prompts=render.suggested_prompts(self.service.examples()))
        except SlackApiError as exc:
            log.warning("Could not set suggested prompts: %s", exc.response.get("error"))

    # --------------------------------------------------------------------------- /policy

    def on_command(self, ack: Callable[..., None], command: dict, respond: Callable[..., Any]) -> None:
        """`/policy <words>` looks clauses up; `/policy list` lists policies; otherwise usage."""
        ack()
        words = render.from_slack(command.get("text", ""))

        def reply(message: render.SlackMessage) -> None:
            respond(text=message.text, blocks=message.blocks or None, response_type="ephemeral")

        with self._apologising(lambda text: reply(render.SlackMessage(text))):
            if words.lower() in ("", "help", "?"):
                reply(render.help_message())
            elif words.lower() == "list":
                reply(render.documents_message(self.service.documents()))
            else:
                found = self.service.lookup(words, channel=command.get("channel_id"))
                reply(render.lookup_message(words, found, self._overdue()))

    # --------------------------------------------------------------------------- buttons

    def on_feedback(self, ack: Callable[..., None], body: dict, action: dict, client: WebClient) -> None:
        ack()
        channel, user, thread = _where(body)
        rating = "up" if action["action_id"] == render.ACTION_UP else "down"
        with self._apologising(lambda text: self._notify(client, channel, user, text, thread, dm=False)):
            question_id = _question_id(action)
            recorded = question_id is not None and self.service.feedback(question_id, rating, PLATFORM, user=user)
            self._notify(client, channel, user, "Thanks, your feedback is recorded." if recorded else
                         "I can't find that answer any more, so your feedback was not recorded.", thread, dm=False)

    def on_more(self, ack: Callable[..., None], body: dict, action: dict, client: WebClient) -> None:
        ack()
        channel, user, thread = _where(body)
        with self._apologising(lambda text: self._notify(client, channel, user, text, thread, dm=False)):
            question_id = _question_id(action)
            answer = self.service.question(question_id) if question_id is not None else None
            found = self.service.more(question_id) if answer and question_id is not None else []
            message = render.more_message(answer.question if answer else "", found, self._overdue())
            client.chat_postMessage(channel=channel, thread_ts=thread, text=message.text, blocks=message.blocks,
                                    unfurl_links=False, unfurl_media=False)

    def on_help(self, ack: Callable[..., None], body: dict, action: dict, client: WebClient) -> None:
        ack()
        channel, user, thread = _where(body)
        with self._apologising(lambda text: self._notify(client, channel, user, text, thread, dm=False)):
            question_id = _question_id(action)
            if question_id is not None:
                self.service.feedback(question_id, "help", PLATFORM, user=user)
            client.chat_postMessage(channel=channel, thread_ts=thread,
                                    text=render.contact_text(user, self.service.contact(question_id)))

    # --------------------------------------------------------------------------- helpers

    def _answer(self, client: WebClient, text: str, user: str | None, channel: str, thread: str | None,
                dm: bool) -> None:
        with self._apologising(lambda message: self._notify(client, channel, user, message, thread, dm)):
            reply = self.service.answer(text, PLATFORM, user=user, channel=channel, private=dm)
            message = render.answer_message(reply.question_id, reply.answer, self._overdue())
            try:
                client.chat_postMessage(channel=channel, thread_ts=thread, text=message.text, blocks=message.blocks,
                                        unfurl_links=False, unfurl_media=False)
            except SlackApiError as exc:  # e.g. invalid_blocks: the plain text still answers
                log.error("Slack refused the answer's blocks (%s); sending text only", exc.response.get("error"))
                client.chat_postMessage(channel=channel, thread_ts=thread, text=message.text)

    @contextmanager
    def _apologising(self, tell: Callable[[str], Any]) -> Iterator[None]:
        """Run a handler body; a question problem is explained, anything else logged and apologised for."""
        try:
            yield
        except RateLimited as exc:
            self._safely(tell, f":hourglass_flowing_sand: {render.escape(str(exc))}")
        except QuestionError as exc:
            self._safely(tell, f":warning: {render.escape(str(exc))}")
        except Exception:
            log.exception("Slack request failed")
            self._safely(tell, render.apology(self.service.settings.contact))

    @staticmethod
    def _safely(tell: Callable[[str], Any], text: str) -> None:
        try:
            tell(text)
        except Exception:
            log.exception("Could not tell the user what went wrong")

    def _notify(self, client: WebClient, channel: str, user: str | None, text: str, thread: str | None,
                dm: bool) -> None:
        """A message only the user sees (a plain message in a DM)."""
        if dm or not user:
            client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        else:
            client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread)

    def _thread_parent(self, client: WebClient, channel: str, thread_ts: str) -> str:
        """The text of a thread's first message, unless a bot wrote it ('' if it can't be read)."""
        try:
            messages = client.conversations_replies(channel=channel, ts=thread_ts, limit=1, inclusive=True)["messages"]
        except SlackApiError as exc:
            log.warning("Could not read the thread %s in %s: %s", thread_ts, channel, exc.response.get("error"))
            return ""
        parent = messages[0] if messages else {}
        if parent.get("ts") != thread_ts or parent.get("bot_id") or parent.get("subtype"):
            return ""
        return render.from_slack(parent.get("text", ""))

    def _overdue(self) -> set[str]:
        return {d.source for d in self.service.documents() if d.overdue}


def _where(body: dict) -> tuple[str, str | None, str | None]:
    """Channel, user and thread of a button click (the thread the clicked answer is in)."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    return channel, (body.get("user") or {}).get("id"), message.get("thread_ts") or message.get("ts")


def _question_id(action: dict) -> int | None:
    value = str(action.get("value", ""))
    return int(value) if value.isdigit() else None


# ------------------------------------------------------------------------------------ HTTP transport


class SlackHTTPServer(ThreadingHTTPServer):
    """`POST /slack/events` to the bolt app, `GET /healthz`; both 503 until `app` is set (model loaded)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        self.app: App | None = None
        super().__init__(address, _SlackRequestHandler)


class _SlackRequestHandler(BaseHTTPRequestHandler):
    server: SlackHTTPServer

    def do_GET(self) -> None:
        if self.path.partition("?")[0] != HEALTH_PATH:
            return self._send(404, {"error": "not found"})
        ready = self.server.app is not None
        self._send(200 if ready else 503, {"status": "ready" if ready else "loading"})

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        if path != EVENTS_PATH:
            return self._send(404, {"error": "not found"})
        app = self.server.app
        if app is None:
            return self._send(503, {"status": "loading"})  # Slack retries later
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._send(400, {"error": "bad content length"})
        if length > MAX_BODY_BYTES:
            return self._send(413, {"error": "too large"})
        body = self.rfile.read(length).decode("utf-8", "replace")
        response = app.dispatch(BoltRequest(body=body, query=query, headers=self.headers))  # type: ignore[arg-type]
        self._send(response.status, response.body, response.headers)

    def _send(self, status: int, body: str | dict, headers: dict | None = None) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        self.send_response(status)
        for name, values in (headers or {"content-type": ["application/json"]}).items():
            for value in values:
                if name.lower() != "content-length":
                    self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


# ------------------------------------------------------------------------------------ running


class SlackBot:
    """The bot as a process: checks credentials, loads the service once, then serves one transport."""

    def __init__(self, settings: Settings, http: bool = False, port: int = 3000, host: str = "0.0.0.0") -> None:
        self.settings, self.http, self.host, self.requested_port = settings, http, host, port
        self.credentials = check_credentials(settings, http)
        self.app: App | None = None
        self.server: SlackHTTPServer | None = None
        self.socket: SocketModeHandler | None = None
        self._stopped = threading.Event()

    def serve(self) -> None:
        """HTTP mode: listen now, so /healthz reports 503 while the model and index load."""
        try:
            self.server = SlackHTTPServer((self.host, self.requested_port))
        except OSError as exc:
            raise ConfigError(f"Cannot listen on {self.host}:{self.requested_port}: {exc.strerror}") from None
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, name="slack-http",
                         daemon=True).start()

    def load(self, service: AnswerService | None = None) -> None:
        """Load the model and index (unless given a service), build the app, then take requests."""
        self.app = build_app(self.credentials, service or AnswerService.open(self.settings))
        if self.http:
            if self.server is None:
                self.serve()
            assert self.server is not None
            self.server.app = self.app
            return
        self.socket = SocketModeHandler(self.app, self.credentials.app_token)
        try:
            self.socket.connect()
        except SlackApiError as exc:
            raise ConfigError(f"Slack did not accept SLACK_APP_TOKEN ({exc.response.get('error')}).") from None
        except OSError as exc:
            raise ConfigError(f"Could not open a Socket Mode connection to Slack: {exc}") from None

    def start(self, service: AnswerService | None = None) -> None:
        if self.http:
            self.serve()
        self.load(service)

    @property
    def port(self) -> int:
        return self.server.server_address[1] if self.server else self.requested_port

    def wait(self) -> None:
        self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None


def run_slack(settings: Settings, http: bool = False, port: int = 3000) -> None:
    """`policy-assistant slack [--http]`: run until interrupted."""
    bot = SlackBot(settings, http=http, port=port)
    try:
        bot.start()
        where = f"HTTP on port {bot.port} ({EVENTS_PATH}, {HEALTH_PATH})" if http else "Socket Mode"
        print(f"Policy Assistant is answering on Slack via {where}. Press Ctrl-C to stop.", file=sys.stderr,
              flush=True)
        bot.wait()
    finally:
        bot.stop()

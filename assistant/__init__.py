"""Policy Assistant: answers staff questions by quoting the governing policy clause verbatim."""

from .engine import PolicyEngine
from .errors import PolicyAssistantError
from .models import Answer, Citation, Clause, PolicyDocument, Verdict
from .settings import Settings

__all__ = ["Answer", "Citation", "Clause", "PolicyAssistantError", "PolicyDocument", "PolicyEngine",
           "Settings", "Verdict", "ask"]


def ask(question: str, settings: Settings | None = None, scope: str | list[str] | None = None) -> Answer:
    """One-off answer (loads the model and index; keep a PolicyEngine for repeated questions)."""
    return PolicyEngine.open(settings or Settings()).ask(question, scope=scope)

"""Errors the assistant reports to people.

    PolicyAssistantError            anything we explain in one line, never with a traceback
    ├── QuestionError               the question itself is unusable (empty, too long, binary junk)
    │   └── RateLimited             the person asked too often in the last minute (.retry_after seconds)
    ├── CorpusError                 the policy folder is missing or holds no readable policy
    ├── DocumentError               one document cannot be read (reported by name, then skipped)
    ├── IndexError_                 the index is missing, corrupt, or built for another corpus/model
    │   └── IndexOutdated           the index was written by another version of Policy Assistant
    ├── ConfigError                 settings or credentials are missing or malformed
    ├── StoreError                  the database cannot be opened, upgraded or reached
    └── VerifiedAnswerError         a verified answer cannot be made (quote not in the policy, not an owner, ...)
"""

from __future__ import annotations


class PolicyAssistantError(Exception):
    """Base class: the message is meant for the person using the assistant."""


class QuestionError(PolicyAssistantError):
    """The question cannot be answered as asked."""


class CorpusError(PolicyAssistantError):
    """The policy corpus is missing or empty."""


class DocumentError(PolicyAssistantError):
    """A single policy document could not be read."""


class IndexError_(PolicyAssistantError):
    """The index is missing, corrupt or stale and cannot be used."""


class IndexOutdated(IndexError_):
    """The index was written by another version of Policy Assistant: rebuilt, never read as corrupt."""


class ConfigError(PolicyAssistantError):
    """Settings or credentials are missing or malformed."""


class RateLimited(QuestionError):
    """Too many requests from one person in the last minute; `retry_after` says when to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StoreError(PolicyAssistantError):
    """The database of questions and feedback cannot be opened, upgraded or reached."""


class VerifiedAnswerError(PolicyAssistantError):
    """A verified answer or suggestion cannot be added, found or decided as asked."""

"""One exception hierarchy for trialkg; the CLI maps each class to an exit code."""

from __future__ import annotations

from typing import Any


class TrialKGError(Exception):
    """Base class of every error trialkg raises on purpose."""

    exit_code = 2


class InputError(TrialKGError):
    """A file or argument cannot be read or understood (exit code 2)."""

    exit_code = 2


class RecordError(InputError):
    """One record of an input file is malformed; the batch goes on without it.

    ``field`` names the offending field when known, so a person can find it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:
        base = super().__str__()
        return f"{self.field}: {base}" if self.field else base


class ValidationFailed(TrialKGError):
    """The graph does not conform to the shapes, or a check failed (exit code 1)."""

    exit_code = 1


class StoreError(TrialKGError):
    """The embedded store or a remote endpoint failed (exit code 2)."""

    exit_code = 2


class QueryError(TrialKGError):
    """A saved query is unknown, malformed, or got bad parameters (exit code 2)."""

    exit_code = 2


def handle_errors(fn: Any) -> Any:
    """Decorate a command: a trialkg error prints one line and exits with its code.

    ``trialkg: error: MESSAGE`` goes to stderr; a closed pipe (``| head``) ends quietly.
    """
    import functools
    import sys

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import click

        try:
            return fn(*args, **kwargs)
        except TrialKGError as exc:
            click.echo(f"trialkg: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            sys.exit(0)

    return wrapper

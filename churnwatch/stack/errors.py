"""The one error type of the stack: a message that names the cause, the fix and the log."""


class StackError(RuntimeError):
    """Raised with a one-line message meant to be printed to the user as it is."""

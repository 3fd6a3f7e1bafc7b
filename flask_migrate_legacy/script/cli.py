"""Interactive prompts with Flask-Script 2.0.6's wording and defaults."""

from typing import Callable, Iterable, Optional, Sequence, Tuple, Union

from .errors import EndOfInput

YES_CHOICES = ("y", "yes", "1", "on", "true", "t")
NO_CHOICES = ("n", "no", "0", "off", "false", "f")


def _question(name: str, default: Optional[str]) -> str:
    text = name
    if default:
        text += " [%s]" % default
    return text + (" " if name.endswith("?") else ": ")


def _ask(read: Callable[[str], str], name: str, default: Optional[str]) -> str:
    question = _question(name, default)
    while True:
        try:
            answer = read(question)
        except EOFError:
            raise EndOfInput("no answer to %r: standard input ended" % name) from None
        if answer:
            return answer
        if default is not None:
            return default


def prompt(name: str, default: Optional[str] = None) -> str:
    """Ask for a line of input; an empty answer gives ``default`` when there is one."""
    return _ask(input, name, default)


def prompt_pass(name: str, default: Optional[str] = None) -> str:
    """Ask for a secret without echoing it; an empty answer gives ``default``."""
    import getpass

    return _ask(getpass.getpass, name, default)


def prompt_bool(
    name: str,
    default: bool = False,
    yes_choices: Optional[Sequence[str]] = None,
    no_choices: Optional[Sequence[str]] = None,
) -> bool:
    """Ask a yes/no question until the answer is one of the accepted words."""
    yes_choices = yes_choices or YES_CHOICES
    no_choices = no_choices or NO_CHOICES
    shown_default = yes_choices[0] if default else no_choices[0]
    while True:
        answer = prompt(name, shown_default).lower()
        if answer in yes_choices:
            return True
        if answer in no_choices:
            return False


def prompt_choices(
    name: str,
    choices: Iterable[Union[str, Tuple[str, str]]],
    default: Optional[str] = None,
    no_choice: Sequence[str] = ("none",),
) -> Optional[str]:
    """Ask until the answer is one of ``choices`` (strings or ``(key, label)`` pairs).

    An answer in ``no_choice`` returns ``None``.
    """
    keys_by_answer = {}
    labels = []
    for choice in choices:
        if isinstance(choice, str):
            key, label = choice, choice
        else:
            key, label = choice
            label = "%s [%s]" % (label, key)
        keys_by_answer[key.lower()] = key
        labels.append(label)
    question = "%s - (%s)" % (name, ", ".join(labels))
    while True:
        answer = prompt(question, default)
        if answer.lower() in no_choice:
            return None
        if answer == default:
            return answer
        if answer.lower() in keys_by_answer:
            return keys_by_answer[answer.lower()]

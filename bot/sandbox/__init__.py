"""The local Slack emulator used by the tests and `kpibot demo` (see emulator.py)."""

from bot.sandbox.emulator import SlackEmulator
from bot.sandbox.faults import Fault, FaultStorm
from bot.sandbox.limits import DEFAULT_LIMITS, RateLimit
from bot.sandbox.messages import Ephemeral, Message, MessageVersion, SlackFile
from bot.sandbox.queries import flatten_text
from bot.sandbox.recording import Call, Delivery
from bot.sandbox.signing import SlackSigner, post_signed
from bot.sandbox.socket_link import SocketLink
from bot.sandbox.state import Channel, EmulatorError, MethodError, StateEvent, User

__all__ = [
    "DEFAULT_LIMITS",
    "Call",
    "Channel",
    "Delivery",
    "EmulatorError",
    "Ephemeral",
    "Fault",
    "FaultStorm",
    "Message",
    "MessageVersion",
    "MethodError",
    "RateLimit",
    "SlackEmulator",
    "SlackFile",
    "SlackSigner",
    "SocketLink",
    "StateEvent",
    "User",
    "flatten_text",
    "post_signed",
]

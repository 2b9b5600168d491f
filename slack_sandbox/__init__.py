"""The local Slack emulator used by the tests and `kpibot demo` (see emulator.py)."""

from slack_sandbox.emulator import SlackEmulator
from slack_sandbox.faults import Fault, FaultStorm
from slack_sandbox.limits import DEFAULT_LIMITS, RateLimit
from slack_sandbox.messages import Ephemeral, Message, MessageVersion, SlackFile
from slack_sandbox.queries import flatten_text
from slack_sandbox.recording import Call, Delivery
from slack_sandbox.signing import SlackSigner, post_signed
from slack_sandbox.socket_link import SocketLink
from slack_sandbox.state import Channel, EmulatorError, MethodError, StateEvent, User

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

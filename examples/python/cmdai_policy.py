"""cmdai_policy — a small Pythonic wrapper over libcmdai-policy (ctypes).

    from cmdai_policy import Policy
    with Policy("policy.cpb", trust="team.pub") as p:
        v = p.check("rm -rf /")
        if v.denied: print(v.rules, v.message)

The library is found through $CMDAI_POLICY_LIB (a path), else the system
linker path (libcmdai-policy.so.1).  Verdicts are plain immutable objects; the
bundle handle is closed by close() or the with-block.  Thread-safe like the C
API: one Policy may be shared by threads (cmdai_eval takes no lock).
"""
import ctypes
import ctypes.util
import os
from typing import NamedTuple, Optional, Tuple

__all__ = ["Policy", "Verdict", "PolicyError", "ALLOW", "WARN", "CONFIRM", "DENY"]

ALLOW, WARN, CONFIRM, DENY = "allow", "warn", "confirm", "deny"
_RULES = 16  # CMDAI_VERDICT_RULES


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("line", ctypes.c_int), ("column", ctypes.c_int),
                ("source", ctypes.c_char * 80), ("text", ctypes.c_char * 160)]


class _OpenOpts(ctypes.Structure):
    _fields_ = [("trust", ctypes.c_char_p), ("state_dir", ctypes.c_char_p),
                ("now", ctypes.c_int64), ("flags", ctypes.c_uint)]


class _Verdict(ctypes.Structure):
    _fields_ = [("action", ctypes.c_int), ("risk", ctypes.c_int), ("reason", ctypes.c_uint),
                ("error", ctypes.c_int), ("nrules", ctypes.c_uint),
                ("rules", ctypes.c_uint32 * _RULES), ("message", ctypes.c_char_p)]


class _RuleInfo(ctypes.Structure):
    _fields_ = [("id", ctypes.c_char_p), ("message", ctypes.c_char_p), ("match", ctypes.c_char_p),
                ("action", ctypes.c_int), ("risk", ctypes.c_int), ("ncompliance", ctypes.c_uint)]


def _load():
    path = os.environ.get("CMDAI_POLICY_LIB") or ctypes.util.find_library("cmdai-policy") or "libcmdai-policy.so.1"
    lib = ctypes.CDLL(path)
    lib.cmdai_open.restype = ctypes.c_void_p
    lib.cmdai_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(_OpenOpts), ctypes.POINTER(_Error)]
    lib.cmdai_close.argtypes = [ctypes.c_void_p]
    lib.cmdai_eval.restype = ctypes.c_int
    lib.cmdai_eval.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_Verdict)]
    lib.cmdai_rule_get.restype = ctypes.c_int
    lib.cmdai_rule_get.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.POINTER(_RuleInfo)]
    for f in ("cmdai_action_name", "cmdai_risk_name", "cmdai_code_name"):
        getattr(lib, f).restype = ctypes.c_char_p
        getattr(lib, f).argtypes = [ctypes.c_int]
    return lib


_lib = None


def _l():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


class PolicyError(Exception):
    """The bundle could not be opened (missing, bad signature, untrusted, ...)."""

    def __init__(self, code: int, name: str, source: str, text: str):
        super().__init__(f"{source}: {text} ({name})")
        self.code, self.name, self.source, self.text = code, name, source, text


class Verdict(NamedTuple):
    action: str                 # allow, warn, confirm, deny
    risk: str                   # none, low, moderate, high, critical
    rules: Tuple[str, ...]      # rule ids, most severe first
    message: Optional[str]
    error: Optional[str] = None  # why the command could not be analysed (then action is deny)

    @property
    def allowed(self) -> bool:
        """True when the command may run without asking (allow or warn)."""
        return self.action in (ALLOW, WARN)

    @property
    def denied(self) -> bool:
        return self.action == DENY


class Policy:
    """A verified, loaded bundle."""

    def __init__(self, path: str, trust: Optional[str] = None, state_dir: Optional[str] = None):
        lib = _l()
        opts = _OpenOpts(trust.encode() if trust else None, state_dir.encode() if state_dir else None, 0, 0)
        err = _Error()
        self._h = lib.cmdai_open(os.fsencode(path), ctypes.byref(opts), ctypes.byref(err))
        if not self._h:
            raise PolicyError(err.code, lib.cmdai_code_name(err.code).decode(),
                              err.source.decode(errors="replace"), err.text.decode(errors="replace"))

    def check(self, command) -> Verdict:
        """Decide on one command line (str or bytes)."""
        if self._h is None:
            raise ValueError("policy is closed")
        lib = _l()
        data = command.encode("utf-8", "surrogateescape") if isinstance(command, str) else bytes(command)
        v = _Verdict()
        rc = lib.cmdai_eval(self._h, data, len(data), ctypes.byref(v))
        rules = []
        for i in range(min(v.nrules, _RULES)):
            ri = _RuleInfo()
            if lib.cmdai_rule_get(self._h, v.rules[i], ctypes.byref(ri)) == 0:
                rules.append(ri.id.decode())
        return Verdict(lib.cmdai_action_name(v.action).decode(), lib.cmdai_risk_name(v.risk).decode(),
                       tuple(rules), v.message.decode() if v.message else None,
                       lib.cmdai_code_name(rc).decode() if rc else None)

    def close(self) -> None:
        if self._h is not None:
            _l().cmdai_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

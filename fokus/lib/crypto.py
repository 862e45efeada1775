"""The CPR keys: kept outside the database (issue 11), see docs/cpr-encryption.md.

Two secrets, each from the environment or from a file the municipality's IT puts in
place (a secret in a file is not in the process list or the environment dump):

- FOKUS_CPR_KEYS (or FOKUS_CPR_KEYS_FILE, one key a line): Fernet keys (AES-128-CBC
  with HMAC-SHA256, authenticated). The first key encrypts; every key decrypts, so a
  new key is added first, `fokus rotate-cpr-key` re-encrypts, and the old key goes.
- FOKUS_CPR_LOOKUP_KEY (or FOKUS_CPR_LOOKUP_KEY_FILE): the key of the keyed hash
  (HMAC-SHA256 of the 10 digits) stored beside each encrypted number, so that a person
  is found by CPR without decrypting every row. Each hash starts with a short id of
  the key that made it, so hashes made with another key are an error, not a miss.

The demo profile needs no configuration: without keys, two key files are generated
under FOKUS_DATA_DIR (mode 0600) and used. The production profile refuses to start
without them (fokus/settings.py).

Nothing here logs, and no error message carries a CPR number or a key.
"""

import functools
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import ImproperlyConfigured

KEYS_SETTING = "FOKUS_CPR_KEYS"
LOOKUP_SETTING = "FOKUS_CPR_LOOKUP_KEY"
MIN_LOOKUP_KEY_LENGTH = 32
DEMO_KEYS_FILE = "cpr-keys"
DEMO_LOOKUP_FILE = "cpr-lookup-key"
_KEY_ID_LENGTH = 8


class CprKeyError(ImproperlyConfigured):
    """A CPR key is missing or wrong: an operator's error with a clear message."""


# -- reading the settings (called by fokus/settings.py at start-up) ------------------

def _file_lines(path: str, setting: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{setting}_FILE names a file that cannot be read ({exc.strerror})") from exc
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def secret_list(setting: str, environ=os.environ) -> list[str]:
    """The values of `setting`: comma-separated in the variable, or one a line in the
    file named by `setting`_FILE (blank lines and lines starting with # skipped)."""
    raw, path = environ.get(setting, "").strip(), environ.get(f"{setting}_FILE", "").strip()
    if raw and path:
        raise ImproperlyConfigured(f"Set {setting} or {setting}_FILE, not both")
    if path:
        return _file_lines(path, setting)
    return [part.strip() for part in raw.split(",") if part.strip()]


def secret(setting: str, environ=os.environ) -> str:
    """One secret: the variable `setting`, or the first line of the file `setting`_FILE."""
    values = secret_list(setting, environ) if environ.get(f"{setting}_FILE") else (
        [environ[setting].strip()] if environ.get(setting, "").strip() else [])
    if len(values) > 1:
        raise ImproperlyConfigured(f"{setting}_FILE must hold one key, not {len(values)}")
    return values[0] if values else ""


def check_keys(keys: list[str], lookup_key: str) -> None:
    """Raise ImproperlyConfigured, naming the setting (never the key), if a key is malformed."""
    for n, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"{KEYS_SETTING}: key {n} is not a Fernet key (32 bytes in url-safe "
                "base64, 44 characters); see docs/cpr-encryption.md") from exc
    if len(keys) != len(set(keys)):
        raise ImproperlyConfigured(f"{KEYS_SETTING} lists the same key twice")
    if lookup_key and len(lookup_key) < MIN_LOOKUP_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"{LOOKUP_SETTING} must be at least {MIN_LOOKUP_KEY_LENGTH} characters long")
    if lookup_key and lookup_key in keys:
        raise ImproperlyConfigured(f"{LOOKUP_SETTING} must not be one of the {KEYS_SETTING}")


# -- the keys in use ------------------------------------------------------------------

def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def new_lookup_key() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def _demo_file(path: Path, make) -> str:
    """Read the demo key file, creating it (mode 0600, atomically) the first time."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("# Generated for the demo profile: see docs/cpr-encryption.md\n")
            f.write(make() + "\n")
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # fails if another process was first: its key is used
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return _file_lines(str(path), "the demo key file")[0]


@functools.lru_cache(maxsize=4)
def _demo_keys(data_dir: str) -> tuple[tuple[str, ...], str]:
    base = Path(data_dir)
    return ((_demo_file(base / DEMO_KEYS_FILE, new_key),),
            _demo_file(base / DEMO_LOOKUP_FILE, new_lookup_key))


def configured_keys() -> tuple[tuple[str, ...], str]:
    """(the encryption keys, the lookup key) from the settings, or the demo's files."""
    from django.conf import settings

    keys = tuple(getattr(settings, KEYS_SETTING, ()) or ())
    lookup_key = getattr(settings, LOOKUP_SETTING, "") or ""
    if keys and lookup_key:
        return keys, lookup_key
    if getattr(settings, "PRODUCTION", False):
        missing = KEYS_SETTING if not keys else LOOKUP_SETTING
        raise CprKeyError(f"{missing} (or {missing}_FILE) must be set in the production profile")
    demo_keys, demo_lookup = _demo_keys(str(settings.DATA_DIR))
    return keys or demo_keys, lookup_key or demo_lookup


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    check_keys(list(keys), "")
    return MultiFernet([Fernet(k) for k in keys]), Fernet(keys[0])


_UNREADABLE = (f"A CPR number in the database cannot be decrypted with any key in "
               f"{KEYS_SETTING}: the key that encrypted it is missing from the list, or a key "
               "is wrong. Put the old key back (after the new one); see docs/cpr-encryption.md")


def encrypt(text: str) -> str:
    return _fernets(configured_keys()[0])[0].encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernets(configured_keys()[0])[0].decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise CprKeyError(_UNREADABLE) from None


def is_current(token: str) -> bool:
    """True if `token` was encrypted with the first (current) key."""
    try:
        _fernets(configured_keys()[0])[1].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def reencrypt(token: str) -> str:
    """The same number, encrypted with the current key (CprKeyError if no key reads it)."""
    try:
        return _fernets(configured_keys()[0])[0].rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise CprKeyError(_UNREADABLE) from None


def lookup_key_id() -> str:
    """A short public id of the lookup key: it tells hashes made with another key."""
    key = configured_keys()[1].encode("utf-8")
    return hmac.new(key, b"fokus cpr lookup key id", hashlib.sha256).hexdigest()[:_KEY_ID_LENGTH]


def lookup_hash(digits: str) -> str:
    """The keyed hash of a CPR number's 10 digits, prefixed with the key's id."""
    key = configured_keys()[1].encode("utf-8")
    digest = hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{lookup_key_id()}:{digest}"

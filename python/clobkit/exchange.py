"""A local exchange for tests: :class:`LocalExchange`, and the funded :class:`Wallet`s on it.

The exchange runs on threads of this process (the same server as ``clobkit serve``: durable
journal, real signature checks, real matching, the WebSocket channels), listening on 127.0.0.1.
Its admin calls go over HTTP to its admin routes, as ``clobkit admin`` sends them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from ._native import Exchange, ExchangeError, InvalidInput
from .signing import Signer, create_level_1_headers

#: Well-known test keys (the Hardhat/Anvil accounts #0 to #4): never for real money.
TEST_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
]


@dataclass
class Wallet:
    """A funded test wallet with its API credentials on one exchange."""

    private_key: str
    address: str
    api_key: str
    api_secret: str
    api_passphrase: str

    def creds(self) -> Any:
        """The credentials as ``py-clob-client-v2``'s ``ApiCreds`` (a dict if it is not
        installed)."""
        try:
            from py_clob_client_v2.clob_types import ApiCreds
        except ImportError:
            return {
                "api_key": self.api_key,
                "api_secret": self.api_secret,
                "api_passphrase": self.api_passphrase,
            }
        return ApiCreds(
            api_key=self.api_key, api_secret=self.api_secret, api_passphrase=self.api_passphrase
        )


def _seed_args(seed: Union[None, dict, str, os.PathLike]) -> tuple[Optional[str], Optional[str]]:
    """(TOML text, JSON text) of a seed given as a dict, TOML text, or a TOML file's path."""
    if seed is None:
        return None, None
    if isinstance(seed, dict):
        return None, json.dumps(seed)
    if isinstance(seed, os.PathLike) or (isinstance(seed, str) and "\n" not in seed and seed.endswith(".toml")):
        return Path(seed).read_text(encoding="utf-8"), None
    if isinstance(seed, str):
        return seed, None
    raise InvalidInput(f"seed: {type(seed).__name__}, expected a dict, TOML text or a .toml path")


class AdminError(ExchangeError):
    """An admin call was refused: ``status`` is the HTTP status, ``body`` the answer."""

    def __init__(self, what: str, status: int, body: str):
        super().__init__(f"{what}: {status} {body}")
        self.status = status
        self.body = body


class LocalExchange:
    """A local exchange on a free port (or ``port``) in a temporary folder (or ``data_dir``,
    kept after it stops).

    ``seed`` creates markets and funds wallets on a new folder: a dict
    (``{"market": [{"condition_id": "0x…", "tokens": ["1", "2"], "tick_size": "0.01"}],
    "fund": [{"address": "0x…", "amount": "1000"}]}``), TOML text, or a ``.toml`` path, as
    ``clobkit serve --seed``. ``protocol`` is ``"v2"`` (production's) or ``"v1"``. ``fsync`` is
    off by default: a test bed need not survive power loss (a crash of the process it does).

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with LocalExchange(seed={...}) as ex:
            client = ClobClient(ex.host, chain_id=137, key=..., creds=...)
    """

    def __init__(
        self,
        seed: Union[None, dict, str, os.PathLike] = None,
        data_dir: Union[None, str, os.PathLike] = None,
        port: int = 0,
        protocol: str = "v2",
        fsync: bool = False,
        chain_id: int = 137,
        heartbeat_timeout: int = 10,
    ):
        self._seed = _seed_args(seed)
        self._given_dir = data_dir
        self._port = port
        self._protocol = protocol
        self._fsync = fsync
        self.chain_id = chain_id
        self._heartbeat_timeout = heartbeat_timeout
        self._native: Optional[Exchange] = None
        self._tmp: Optional[str] = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "LocalExchange":
        """Starts serving (returns once it listens); raises :class:`ExchangeError` if it cannot."""
        if self._native is not None:
            return self
        if self._given_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="clobkit-")
            data_dir = self._tmp
        else:
            data_dir = os.fspath(self._given_dir)
        toml, js = self._seed
        try:
            self._native = Exchange.start(
                data_dir,
                port=self._port,
                seed=toml,
                seed_json=js,
                protocol=self._protocol,
                fsync=self._fsync,
                chain_id=self.chain_id,
                heartbeat_timeout=self._heartbeat_timeout,
            )
        except BaseException:
            self._remove_tmp()
            raise
        return self

    def stop(self) -> None:
        """Stops serving (final snapshot written) and removes the temporary folder; a second
        call does nothing."""
        native, self._native = self._native, None
        try:
            if native is not None:
                native.stop()
        finally:
            self._remove_tmp()

    def _remove_tmp(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "LocalExchange":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _running(self) -> Exchange:
        if self._native is None:
            raise ExchangeError("the exchange is not running: call start() or use it in a with block")
        return self._native

    @property
    def host(self) -> str:
        """``http://127.0.0.1:PORT``: the ``host`` of ``ClobClient``."""
        return self._running().host

    @property
    def ws_host(self) -> str:
        """``ws://127.0.0.1:PORT``: where ``/ws/market`` and ``/ws/user`` are."""
        return self.host.replace("http://", "ws://", 1)

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._running().port

    @property
    def admin_token(self) -> str:
        """The bearer token of the admin routes."""
        return self._running().admin_token

    @property
    def data_dir(self) -> str:
        """Its data folder (journal, snapshots, history database)."""
        return self._running().data_dir

    @property
    def running(self) -> bool:
        """Whether it serves."""
        return self._native is not None and self._native.running

    # -- HTTP -----------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None, admin: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.host + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if admin:
            req.add_header("Authorization", f"Bearer {self.admin_token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            raise AdminError(f"{method} {path}", e.code, e.read().decode(errors="replace")) from None
        return json.loads(text) if text else None

    def admin(self, path: str, body: Any) -> Any:
        """``POST /admin/{path}`` with ``body``; raises :class:`AdminError` if refused."""
        return self._call("POST", f"/admin/{path}", body)

    # -- admin calls ----------------------------------------------------------------------------

    def create_market(
        self,
        condition_id: str,
        tokens: tuple,
        tick_size: str = "0.01",
        neg_risk: bool = False,
        min_order_size: str = "5",
        outcomes: tuple = ("Yes", "No"),
        **extra: Any,
    ) -> None:
        """Creates a binary market (``extra``: ``fee_rate_bps``, ``platform_fee``, …)."""
        body = {
            "condition_id": condition_id,
            "tokens": [str(t) for t in tokens],
            "tick_size": str(tick_size),
            "neg_risk": neg_risk,
            "min_order_size": str(min_order_size),
            "outcomes": list(outcomes),
            **extra,
        }
        self.admin("markets", body)

    def fund(self, address: str, amount: Any) -> None:
        """Credits ``amount`` USDC to ``address``."""
        self.admin("fund", {"address": address, "amount": str(amount)})

    def split(self, address: str, market: str, amount: Any) -> None:
        """Turns ``amount`` USDC of ``address`` into as many YES+NO pairs of ``market``."""
        self.admin("split", {"address": address, "market": market, "amount": str(amount)})

    def set_tick_size(self, market: str, tick_size: str) -> None:
        """Changes a market's tick size (the market channel sends ``tick_size_change``)."""
        self.admin("tick-size", {"market": market, "tick_size": str(tick_size)})

    def close_market(self, market: str) -> None:
        """Stops a market from accepting orders."""
        self.admin("close", {"market": market})

    def resolve(self, market: str, winner: str) -> None:
        """Resolves ``market`` with the token ``winner`` winning."""
        self.admin("resolve", {"market": market, "winner": str(winner)})

    def set_trade_status(self, trade_id: Union[int, str], status: str) -> None:
        """Moves a trade to ``status`` (``MINED``, ``CONFIRMED``, ``RETRYING``, ``FAILED``);
        ``trade_id`` as the API shows it (a UUID) or its number."""
        number = uuid.UUID(trade_id).int if isinstance(trade_id, str) else int(trade_id)
        self.admin(f"trades/{number}/status", {"status": status})

    def arm_fault(self, kind: str, **spec: Any) -> int:
        """Arms a fault (``kind``: ``freeze``, ``drop``, ``too_many_requests``, ``answer_lost``,
        …; ``spec``: ``channel``, ``route``, ``duration_ms``, ``count``, ``delay_ms``, …);
        returns its id."""
        r = self.admin("faults", {"kind": kind, **spec})
        return int(r["id"])

    def faults(self) -> list:
        """The armed faults."""
        return self._call("GET", "/admin/faults")

    def clear_faults(self, fault_id: Optional[int] = None) -> None:
        """Clears one fault, or all."""
        path = "/admin/faults" if fault_id is None else f"/admin/faults/{fault_id}"
        self._call("DELETE", path)

    def accounts(self) -> list:
        """Every wallet's collateral, positions and open orders."""
        return self._call("GET", "/admin/accounts")

    # -- wallets --------------------------------------------------------------------------------

    def wallet(
        self,
        private_key: str,
        usdc: Any = 0,
        splits: Optional[dict] = None,
    ) -> Wallet:
        """The wallet of ``private_key`` with ``usdc`` credited, ``splits`` (``{condition_id:
        usdc}``) turned into YES+NO pairs, and an API key created (or derived) with L1 headers,
        as ``ClobClient.create_or_derive_api_key`` does."""
        signer = Signer(private_key, self.chain_id)
        address = signer.address()
        if usdc:
            self.fund(address, usdc)
        for market, amount in (splits or {}).items():
            self.split(address, market, amount)
        creds = None
        for method, path in (("POST", "/auth/api-key"), ("GET", "/auth/derive-api-key")):
            req = urllib.request.Request(self.host + path, method=method)
            for k, v in create_level_1_headers(signer).items():
                req.add_header(k, v)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    creds = json.loads(r.read().decode())
                break
            except urllib.error.HTTPError as e:
                last = AdminError(f"{method} {path}", e.code, e.read().decode(errors="replace"))
        if creds is None:
            raise last
        return Wallet(
            private_key=private_key,
            address=address,
            api_key=creds["apiKey"],
            api_secret=creds["secret"],
            api_passphrase=creds["passphrase"],
        )

    def client(self, wallet: Wallet, **kwargs: Any) -> Any:
        """A ``py-clob-client-v2`` ``ClobClient`` for ``wallet`` on this exchange (the official
        client must be installed)."""
        from py_clob_client_v2.client import ClobClient

        return ClobClient(
            self.host, chain_id=self.chain_id, key=wallet.private_key, creds=wallet.creds(), **kwargs
        )

    def __repr__(self) -> str:
        state = self._native.host if self._native is not None else "stopped"
        return f"LocalExchange({state})"

"""Orders and request headers with ``py-clob-client-v2``'s inputs and outputs, exact and fast.

:class:`OrderBuilder` has the official ``OrderBuilder``'s constructor, attributes and methods
(``build_order``, ``build_market_order``, ``calculate_buy_market_price``,
``calculate_sell_market_price``) and returns objects with the official signed orders' fields, so
it can replace the official builder of a ``ClobClient``::

    client.builder = clobkit.OrderBuilder(client.signer, signature_type, funder)

What differs is inside: amounts are computed in decimals by clobkit-core, never in floats, and
the order is hashed and signed in Rust with a key parsed once. A float argument is read as the
shortest decimal that prints as it (``0.1`` is ``"0.1"``), which is what the caller wrote.

Where the official client's float arithmetic gives another amount, ours is the exact one (the
main README lists the classes: a float product floored one unit low, a market price floored one
unit low, a V1 market order with more decimals than the V1 exchange takes).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Optional, Union

from ._native import InvalidInput, NoMatch, OrderSigner, l2_signature, walk_market_price

BYTES32_ZERO = "0x" + "00" * 32
ZERO_ADDRESS = "0x" + "00" * 20
EOA = 0
POLY_1271 = 3


def _decimal_text(what: str, value: Any) -> str:
    """The decimal text of a number argument (float: its shortest round-trip text)."""
    if isinstance(value, bool):
        raise InvalidInput(f"{what}: {value!r} is a bool, expected a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"{what}: {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return value
    raise InvalidInput(
        f"{what}: {value!r} ({type(value).__name__}), expected a number or a decimal string"
    )


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """An attribute of an official argument object, or a key of a dict."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _side_text(side: Any) -> str:
    """``"BUY"``/``"SELL"`` from a string or the official ``Side`` enum (0 buy, 1 sell)."""
    if isinstance(side, str):
        s = side.upper()
        if s in ("BUY", "SELL"):
            return s
    elif isinstance(side, int) and not isinstance(side, bool) and side in (0, 1):
        return "BUY" if side == 0 else "SELL"
    raise InvalidInput(f"side: {side!r}, expected 'BUY' or 'SELL'")


class Signer:
    """A private key on a chain, with the official ``Signer``'s interface (``address()``,
    ``get_chain_id()``, ``private_key``, ``chain_id``); the key is parsed once, in Rust."""

    def __init__(self, private_key: str, chain_id: int):
        self.private_key = private_key
        self.chain_id = chain_id
        self._native = OrderSigner(private_key, chain_id)

    def address(self) -> str:
        """The checksummed address of the key."""
        return self._native.address

    def get_chain_id(self) -> int:
        """The chain id (137 Polygon, 80002 Amoy)."""
        return self.chain_id


def _native_signer(signer: Any) -> OrderSigner:
    """The Rust signer behind ours, or one made from the official ``Signer``'s key."""
    if isinstance(signer, Signer):
        return signer._native
    if isinstance(signer, OrderSigner):
        return signer
    key = getattr(signer, "private_key", None)
    chain = signer.get_chain_id() if hasattr(signer, "get_chain_id") else None
    if not isinstance(key, str) or chain is None:
        raise InvalidInput(
            "signer: expected clobkit.Signer or py-clob-client-v2's Signer (with private_key and "
            f"get_chain_id()), got {type(signer).__name__}"
        )
    return OrderSigner(key, int(chain))


@dataclass
class SignedOrderV2:
    """A signed V2 order, with the fields of ``py-clob-client-v2``'s ``SignedOrderV2``."""

    salt: str
    maker: str
    signer: str
    tokenId: str
    makerAmount: str
    takerAmount: str
    side: int
    signatureType: int
    timestamp: str
    metadata: str
    builder: str
    expiration: str = "0"
    signature: str = ""
    order_id: str = ""
    """The order's id (its EIP-712 digest), as the exchange reports it."""


@dataclass
class SignedOrderV1:
    """A signed V1 order, with the fields of ``py-clob-client-v2``'s ``SignedOrderV1``."""

    salt: str
    maker: str
    signer: str
    taker: str
    tokenId: str
    makerAmount: str
    takerAmount: str
    expiration: str
    nonce: str
    feeRateBps: str
    side: int
    signatureType: int
    signature: str = ""
    order_id: str = ""
    """The order's id (its EIP-712 digest), as the exchange reports it."""


SignedOrder = Union[SignedOrderV1, SignedOrderV2]


def _signed(o: dict, order_id: str) -> SignedOrder:
    """Our signed order object from the Rust order's fields (the wire JSON object's)."""
    side = 0 if o["side"] == "BUY" else 1
    common = dict(
        salt=str(o["salt"]),
        maker=o["maker"],
        signer=o["signer"],
        tokenId=o["tokenId"],
        makerAmount=o["makerAmount"],
        takerAmount=o["takerAmount"],
        side=side,
        signatureType=int(o["signatureType"]),
        expiration=o["expiration"],
        signature=o["signature"],
        order_id=order_id,
    )
    if "timestamp" in o:
        return SignedOrderV2(
            timestamp=o["timestamp"], metadata=o["metadata"], builder=o["builder"], **common
        )
    return SignedOrderV1(taker=o["taker"], nonce=o["nonce"], feeRateBps=o["feeRateBps"], **common)


def order_to_json(
    order: SignedOrder,
    owner: str,
    order_type: str,
    post_only: bool = False,
    defer_exec: bool = False,
) -> dict:
    """The body of ``POST /order`` for ``order``, as the official ``order_to_json_v1`` and
    ``order_to_json_v2`` build it."""
    side = "BUY" if int(order.side) == 0 else "SELL"
    o: dict = {"salt": int(order.salt), "maker": order.maker, "signer": order.signer}
    if isinstance(order, SignedOrderV1):
        o.update(
            taker=order.taker, tokenId=order.tokenId, makerAmount=order.makerAmount,
            takerAmount=order.takerAmount, side=side, expiration=order.expiration,
            nonce=order.nonce, feeRateBps=order.feeRateBps,
            signatureType=int(order.signatureType), signature=order.signature,
        )
    else:
        o.update(
            tokenId=order.tokenId, makerAmount=order.makerAmount, takerAmount=order.takerAmount,
            side=side, expiration=order.expiration, signatureType=int(order.signatureType),
            timestamp=order.timestamp, metadata=order.metadata, builder=order.builder,
            signature=order.signature,
        )
    return {
        "order": o,
        "owner": owner,
        "orderType": str(getattr(order_type, "value", order_type)),
        "deferExec": defer_exec,
        "postOnly": post_only,
    }


def _random_salt() -> int:
    """A salt below 2^53, so that every JSON reader keeps it exact."""
    return random.randint(1, 2**53 - 1)


class OrderBuilder:
    """Builds and signs orders as ``py-clob-client-v2``'s ``OrderBuilder`` does, exactly.

    ``signer`` is :class:`Signer` or the official ``Signer``; ``signature_type`` 0 (EOA, the
    default), 1 (POLY_PROXY), 2 (POLY_GNOSIS_SAFE) or 3 (POLY_1271); ``funder`` the address
    holding the funds (default: the signer's). ``salt_generator`` returns each order's salt
    (default: random below 2^53). The creation time of V2 orders is ``time.time_ns()`` in
    milliseconds, read when the order is built, as the official builder reads it.
    """

    def __init__(
        self,
        signer: Any,
        signature_type: Optional[int] = None,
        funder: Optional[str] = None,
        salt_generator: Optional[Callable[[], int]] = None,
    ):
        self.signer = signer
        self.signature_type = signature_type if signature_type is not None else EOA
        self.funder = funder if funder is not None else (signer.address() if signer else None)
        self._key = _native_signer(signer)
        self._salt = salt_generator or _random_salt

    def _common(self, order_args: Any, options: Any, version: int, fee_rate_bps: Optional[int]) -> dict:
        if version not in (1, 2):
            raise InvalidInput(f"version: {version!r}, expected 1 or 2 (V3 position orders are not supported)")
        token = _get(order_args, "token_id")
        if token is None:
            raise InvalidInput("token_id: missing (position_id orders are not supported)")
        tick = _get(options, "tick_size")
        if tick is None:
            raise InvalidInput("options.tick_size: missing, expected '0.1', '0.01', '0.001' …")
        if version == 1 and int(self.signature_type) == POLY_1271:
            raise InvalidInput("signature type POLY_1271 is not supported for v1 orders")
        fee = fee_rate_bps if fee_rate_bps is not None else _get(order_args, "fee_rate_bps", 0)
        return dict(
            version=version,
            token_id=str(token),
            side=_side_text(_get(order_args, "side")),
            tick_size=_decimal_text("tick_size", tick),
            neg_risk=bool(_get(options, "neg_risk", False)),
            salt=int(self._salt()),
            timestamp_ms=time.time_ns() // 1_000_000,
            signature_type=int(self.signature_type),
            funder=self.funder,
            builder_code=_get(order_args, "builder_code", None) or BYTES32_ZERO,
            metadata=_get(order_args, "metadata", None) or BYTES32_ZERO,
            fee_rate_bps=int(fee or 0),
            nonce=int(_get(order_args, "nonce", 0) or 0),
            taker=_get(order_args, "taker", None) or ZERO_ADDRESS,
        )

    def build_order(
        self,
        order_args: Any,
        options: Any,
        version: int = 2,
        fee_rate_bps: Optional[int] = None,
    ) -> SignedOrder:
        """A signed limit order of ``order_args`` (``token_id``, ``price``, ``size``, ``side``,
        ``expiration``, ``builder_code``, ``metadata``; V1: ``nonce``, ``fee_rate_bps``,
        ``taker``) on a market of ``options`` (``tick_size``, ``neg_risk``)."""
        c = self._common(order_args, options, version, fee_rate_bps)
        fields, order_id = self._key.limit_order(
            c,
            _decimal_text("price", _get(order_args, "price")),
            _decimal_text("size", _get(order_args, "size")),
            int(_get(order_args, "expiration", 0) or 0),
        )
        return _signed(fields, order_id)

    def build_market_order(
        self,
        order_args: Any,
        options: Any,
        version: int = 2,
        fee_rate_bps: Optional[int] = None,
    ) -> SignedOrder:
        """A signed market order of ``order_args`` (``token_id``, ``amount`` in USDC for a BUY
        or shares for a SELL, ``side``, ``price``: the worst price accepted) on a market of
        ``options``."""
        c = self._common(order_args, options, version, fee_rate_bps)
        fields, order_id = self._key.market_order(
            c,
            _decimal_text("amount", _get(order_args, "amount")),
            _decimal_text("price", _get(order_args, "price")),
        )
        return _signed(fields, order_id)

    @staticmethod
    def _walk(side: str, positions: list, amount: Any, order_type: Any) -> float:
        levels = [
            (_decimal_text("price", _get(p, "price")), _decimal_text("size", _get(p, "size")))
            for p in positions
        ]
        ot = str(getattr(order_type, "value", order_type))
        return float(walk_market_price(side, levels, _decimal_text("amount", amount), ot))

    def calculate_buy_market_price(self, positions: list, amount_to_match: Any, order_type: Any) -> float:
        """The worst ask a market BUY of ``amount_to_match`` USDC takes, walking ``positions``
        (the asks as the API lists them, best last) with exact sums; raises :class:`NoMatch`
        where the official raises ``Exception("no match")``."""
        return self._walk("BUY", positions, amount_to_match, order_type)

    def calculate_sell_market_price(self, positions: list, amount_to_match: Any, order_type: Any) -> float:
        """The worst bid a market SELL of ``amount_to_match`` shares takes, walking
        ``positions`` (the bids, best last) with exact sums; raises :class:`NoMatch` where the
        official raises ``Exception("no match")``."""
        return self._walk("SELL", positions, amount_to_match, order_type)


def create_level_1_headers(
    signer: Any, nonce: Optional[int] = None, timestamp: Optional[int] = None
) -> dict:
    """The L1 headers (``POLY_ADDRESS``, ``POLY_SIGNATURE``, ``POLY_TIMESTAMP``,
    ``POLY_NONCE``) as the official function returns them; ``timestamp`` defaults to now."""
    ts = timestamp if timestamp is not None else int(datetime.now().timestamp())
    n = nonce if nonce is not None else 0
    return dict(_native_signer(signer).l1_headers(int(ts), int(n)))


def create_level_2_headers(
    signer: Any, creds: Any, request_args: Any, timestamp: Optional[int] = None
) -> dict:
    """The L2 headers as the official function returns them. The HMAC covers the request's
    ``serialized_body`` (else ``body``) with every ``'`` replaced by ``"``, as the official
    Python client signs (the exchange accepts that and the raw body)."""
    ts = timestamp if timestamp is not None else int(datetime.now().timestamp())
    body = _get(request_args, "serialized_body")
    if body is None:
        body = _get(request_args, "body")
    text = str(body).replace("'", '"') if body else ""
    secret = _get(creds, "api_secret")
    if not isinstance(secret, str):
        raise InvalidInput("creds.api_secret: missing, expected the URL-safe base64 secret")
    sig = l2_signature(
        secret, str(ts), str(_get(request_args, "method")), str(_get(request_args, "request_path")), text
    )
    return {
        "POLY_ADDRESS": signer.address(),
        "POLY_SIGNATURE": sig,
        "POLY_TIMESTAMP": str(ts),
        "POLY_API_KEY": _get(creds, "api_key"),
        "POLY_PASSPHRASE": _get(creds, "api_passphrase"),
    }


__all__ = [
    "NoMatch",
    "OrderBuilder",
    "Signer",
    "SignedOrder",
    "SignedOrderV1",
    "SignedOrderV2",
    "create_level_1_headers",
    "create_level_2_headers",
    "order_to_json",
]

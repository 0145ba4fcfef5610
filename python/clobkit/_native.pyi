"""Type stubs of clobkit's native module (Rust, PyO3)."""

from typing import Optional

class InvalidInput(ValueError):
    """An argument was not what clobkit expects."""

class NoMatch(InvalidInput):
    """A market order cannot be priced (empty side, or a FOK order that cannot fill)."""

class ExchangeError(RuntimeError):
    """A local exchange could not start, or stopped with an error."""

def run_cli(argv: list[str]) -> int:
    """Runs the clobkit command line (program name first); returns the exit code."""

class Exchange:
    """A local exchange running on threads of this process."""

    host: str
    port: int
    admin_token: str
    data_dir: str
    @property
    def running(self) -> bool: ...
    @staticmethod
    def start(
        data_dir: str,
        port: int = 0,
        seed: Optional[str] = None,
        seed_json: Optional[str] = None,
        protocol: str = "v2",
        fsync: bool = True,
        chain_id: int = 137,
        heartbeat_timeout: int = 10,
    ) -> "Exchange": ...
    def stop(self) -> None: ...

class OrderSigner:
    """A parsed private key with the exchange domains of one chain."""

    def __init__(self, private_key: str, chain_id: int) -> None: ...
    @property
    def address(self) -> str: ...
    @property
    def chain_id(self) -> int: ...
    def exchange(self, version: int, neg_risk: bool) -> str: ...
    def limit_order(
        self, common: dict, price: str, size: str, expiration: int
    ) -> tuple[dict, str]:
        """(the signed order's wire fields, its id); ``common``: version, token_id, side,
        tick_size, neg_risk, salt, timestamp_ms, signature_type, funder, builder_code, metadata,
        fee_rate_bps, nonce, taker."""
    def market_order(self, common: dict, amount: str, price: str) -> tuple[dict, str]:
        """(the signed order's wire fields, its id); ``common`` as for ``limit_order``."""
    def l1_headers(self, timestamp: int, nonce: int) -> list[tuple[str, str]]: ...

def l2_signature(secret: str, timestamp: str, method: str, path: str, body: str) -> str: ...
def walk_market_price(
    side: str, levels: list[tuple[str, str]], amount: str, order_type: str
) -> str: ...

"""The Polymarket wallets an EOA funds through, derived by CREATE2 exactly as the exchange derives
them (shared by the flows against `clobkit serve` and the V2 vector generator), and the admin
calls those flows make.
"""

import httpx
from eth_utils import keccak, to_checksum_address


def create2(factory, salt, init_hash):
    return to_checksum_address(keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + bytes.fromhex(init_hash[2:]))[12:])


def proxy_of(eoa):
    """The EOA's Polymarket proxy wallet (POLY_PROXY, Polygon's proxy factory)."""
    return create2("0xaB45c5A4B0c941a2F231C04C3f49182e1A254052", keccak(bytes.fromhex(eoa[2:])),
                   "0xd21df8dc65880a8606f09fe0ce3df9b8869287ab0b058be05aa9e8af6330a00b")


def safe_of(eoa):
    """The EOA's 1-of-1 Gnosis Safe (POLY_GNOSIS_SAFE)."""
    return create2("0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b", keccak(b"\x00" * 12 + bytes.fromhex(eoa[2:])),
                   "0x2bce2127ff07fb632d16c8347c4ebf501f4841168bed00d9e6ef715ddb6fcecf")


def admin_of(host, data_dir):
    """A function that posts an admin call to the exchange at `host`, with the token of
    `data_dir`, and fails unless it is answered 200."""
    token = open(f"{data_dir}/admin-token").read().strip()

    def admin(path, body):
        r = httpx.post(f"{host}/admin/{path}", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, (path, r.status_code, r.text)

    return admin

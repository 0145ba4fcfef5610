//! Ethereum addresses as users and clients write them.

use alloy_primitives::{Address, hex};

/// An address string that is not a valid address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not `0x` + 40 hex digits.
    #[error("invalid address {0:?}: expected 0x followed by 40 hex digits")]
    Format(String),
    /// Mixed case that is not the EIP-55 checksum.
    #[error(
        "invalid address {0:?}: mixed-case letters do not match the EIP-55 checksum (write it all lower-case to skip the check)"
    )]
    Checksum(String),
}

/// Parses an address. All-lower or all-upper hex is accepted as is; mixed case must be the EIP-55
/// checksum, which catches typos.
pub fn parse_address(s: &str) -> Result<Address, AddressError> {
    let t = s.trim();
    let h = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .ok_or_else(|| AddressError::Format(s.to_owned()))?;
    let mut bytes = [0u8; 20];
    if h.len() != 40 || hex::decode_to_slice(h, &mut bytes).is_err() {
        return Err(AddressError::Format(s.to_owned()));
    }
    let addr = Address::from(bytes);
    let has_lower = h.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = h.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper && addr.to_checksum(None)[2..] != *h {
        return Err(AddressError::Checksum(s.to_owned()));
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn addresses() {
        let a = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(
            parse_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            Ok(a)
        );
        assert_eq!(
            parse_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"),
            Ok(a)
        );
        assert_eq!(
            parse_address("0XF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266"),
            Ok(a)
        );
        assert!(matches!(
            parse_address("0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266"),
            Err(AddressError::Checksum(_))
        ));
        assert!(matches!(
            parse_address("f39fd6e51aad88f6f4ce6ab8827279cfffb92266"),
            Err(AddressError::Format(_))
        ));
        assert!(matches!(
            parse_address("0x1234"),
            Err(AddressError::Format(_))
        ));
        assert!(matches!(
            parse_address("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266"),
            Err(AddressError::Format(_))
        ));
    }
}

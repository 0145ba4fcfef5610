//! Turning engine and exchange state into the wire shapes of the API.

use clobkit_core::book::{OrderBookSummary, PriceLevel};
use clobkit_core::types::TokenId;
use clobkit_core::wire::{
    BuilderTrade, MakerOrder, Market, MarketToken, Notification, OpenOrder, Rewards,
    SimplifiedMarket, Trade as WireTrade, TraderSide,
};
use clobkit_core::{Address, B256, Decimal};
use clobkit_engine::{MarketStatus, pips_to_decimal, units_to_decimal};

use crate::exchange::{Exchange, NotificationRow, OrderRow, TradeRow};
use crate::ids::{trade_tx_hash, trade_uuid};

/// `token`'s book as `/book` returns it, hashed.
pub fn book_summary(x: &Exchange, token: &TokenId, now_ms: u64) -> Option<OrderBookSummary> {
    let (m, _) = x.engine.market_of(token)?;
    let view = x.engine.book(token)?;
    let level = |(p, s): &(u32, u64)| PriceLevel {
        price: pips_to_decimal(*p),
        size: units_to_decimal(*s),
    };
    let last = view
        .last_trade
        .map_or(Decimal::new(5, 1), |(p, _)| pips_to_decimal(p));
    Some(
        OrderBookSummary {
            market: m.spec.condition_id.to_string(),
            asset_id: token.to_string(),
            timestamp: now_ms.to_string(),
            hash: String::new(),
            bids: view.bids.iter().map(level).collect(),
            asks: view.asks.iter().map(level).collect(),
            min_order_size: units_to_decimal(m.spec.min_order_size),
            tick_size: m.spec.tick_size,
            neg_risk: m.spec.neg_risk,
            last_trade_price: Some(last),
        }
        .with_hash(),
    )
}

/// An order row as `/data/order` returns it.
pub fn open_order(row: &OrderRow) -> OpenOrder {
    OpenOrder {
        id: row.spec.terms.id,
        status: row.status.clone(),
        owner: row.spec.owner.as_str().to_owned(),
        maker_address: row.spec.terms.maker,
        market: row.market,
        asset_id: row.spec.terms.token,
        side: row.spec.terms.side,
        original_size: units_to_decimal(row.spec.terms.shares()),
        size_matched: units_to_decimal(row.size_matched),
        price: pips_to_decimal(row.price),
        associate_trades: row.trades.iter().map(|t| trade_uuid(*t)).collect(),
        outcome: row.outcome.clone(),
        created_at: row.created_at,
        expiration: row.spec.terms.expiration,
        order_type: row.spec.terms.order_type,
    }
}

/// A trade as `/data/trades` returns it to its taker (`is_taker`) or its maker.
pub fn trade(row: &TradeRow, is_taker: bool) -> WireTrade {
    let t = &row.trade;
    let (taker_owner, maker_owner) = row.owners.clone();
    WireTrade {
        id: trade_uuid(t.id.0),
        taker_order_id: t.taker_order,
        market: t.market,
        asset_id: t.token,
        side: t.side,
        size: units_to_decimal(t.shares),
        fee_rate_bps: Decimal::from(t.fee_rate_bps),
        price: pips_to_decimal(t.price),
        status: t.status.clone(),
        match_time: t.match_time,
        last_update: row.last_update,
        outcome: row.outcomes.0.clone(),
        bucket_index: u64::from(t.bucket_index),
        owner: if is_taker {
            taker_owner
        } else {
            maker_owner.clone()
        },
        maker_address: if is_taker { t.taker } else { t.maker.maker },
        maker_orders: vec![MakerOrder {
            order_id: t.maker.order,
            owner: maker_owner,
            maker_address: t.maker.maker,
            matched_amount: units_to_decimal(t.maker.shares),
            price: pips_to_decimal(t.maker.price),
            fee_rate_bps: Decimal::from(t.maker.fee_rate_bps),
            asset_id: t.maker.token,
            outcome: row.outcomes.1.clone(),
            side: t.maker.side,
        }],
        transaction_hash: trade_tx_hash(t.id.0),
        trader_side: if is_taker {
            TraderSide::Taker
        } else {
            TraderSide::Maker
        },
        error_msg: None,
    }
}

/// One side of a trade as `/builder/trades` returns it: the taker's (`taker`) or the maker's,
/// whose order carried builder `code`, registered to `builder`.
pub fn builder_trade(row: &TradeRow, taker: bool, code: &B256, builder: Address) -> BuilderTrade {
    let t = &row.trade;
    // only V2 orders carry builder codes, so both fees are collateral
    let one = t.side(taker);
    let outcome = if taker {
        &row.outcomes.0
    } else {
        &row.outcomes.1
    };
    BuilderTrade {
        id: trade_uuid(t.id.0),
        trade_type: if taker {
            TraderSide::Taker
        } else {
            TraderSide::Maker
        },
        taker_order_hash: t.taker_order,
        builder,
        market: t.market,
        asset_id: one.token,
        side: one.side,
        size: units_to_decimal(t.shares),
        size_usdc: units_to_decimal(one.collateral),
        price: pips_to_decimal(one.price),
        status: t.status.clone(),
        outcome: outcome.clone(),
        outcome_index: u32::from(!if taker {
            row.first_token.0
        } else {
            row.first_token.1
        }),
        owner: if taker {
            row.owners.0.clone()
        } else {
            row.owners.1.clone()
        },
        maker: one.maker,
        transaction_hash: trade_tx_hash(t.id.0),
        match_time: t.match_time,
        bucket_index: u64::from(t.bucket_index),
        fee: units_to_decimal(one.fee),
        fee_usdc: units_to_decimal(one.fee),
        builder_fee: units_to_decimal(one.builder_fee),
        builder_code: *code,
        err_msg: None,
    }
}

/// A market as `/markets` returns it.
pub fn market(x: &Exchange, m: &clobkit_engine::MarketView<'_>) -> Market {
    let spec = m.spec;
    let (open, resolved_winner) = match m.status {
        MarketStatus::Open => (true, None),
        MarketStatus::Closed => (false, None),
        MarketStatus::Resolved { winner } => (false, Some(winner)),
    };
    let price = |t: &TokenId| {
        x.engine
            .book(t)
            .and_then(|b| b.last_trade.map(|(p, _)| pips_to_decimal(p)))
            .unwrap_or(Decimal::new(5, 1))
    };
    Market {
        enable_order_book: true,
        active: open,
        closed: !open,
        archived: false,
        accepting_orders: open,
        accepting_order_timestamp: None,
        minimum_order_size: units_to_decimal(spec.min_order_size),
        minimum_tick_size: spec.tick_size,
        condition_id: spec.condition_id.to_string(),
        question_id: spec.condition_id.to_string(),
        question: crate::stream::mirror::question(&spec.outcomes),
        description: String::new(),
        market_slug: String::new(),
        end_date_iso: None,
        game_start_time: None,
        seconds_delay: 0,
        fpmm: String::new(),
        maker_base_fee: Decimal::from(spec.fee_rate_bps),
        taker_base_fee: Decimal::from(spec.fee_rate_bps),
        notifications_enabled: true,
        neg_risk: spec.neg_risk,
        neg_risk_market_id: String::new(),
        neg_risk_request_id: String::new(),
        icon: String::new(),
        image: String::new(),
        rewards: Rewards::default(),
        is_50_50_outcome: false,
        tokens: spec
            .tokens
            .iter()
            .zip(spec.outcomes.iter())
            .map(|(t, o)| MarketToken {
                token_id: t.to_string(),
                outcome: o.clone(),
                price: price(t),
                winner: resolved_winner == Some(*t),
            })
            .collect(),
        tags: Vec::new(),
    }
}

/// A market as `/simplified-markets` returns it.
pub fn simplified_market(x: &Exchange, m: &clobkit_engine::MarketView<'_>) -> SimplifiedMarket {
    let full = market(x, m);
    SimplifiedMarket {
        condition_id: full.condition_id,
        rewards: full.rewards,
        tokens: full.tokens,
        active: full.active,
        closed: full.closed,
        archived: full.archived,
        accepting_orders: full.accepting_orders,
    }
}

/// A notification as `/notifications` returns it to `owner`.
pub fn notification(row: &NotificationRow, owner: &str) -> Notification {
    Notification {
        id: row.id,
        kind: row.kind,
        owner: owner.to_owned(),
        payload: row.payload.to_value(),
        timestamp: Some(row.timestamp),
    }
}

/// One wallet as the dashboard's accounts panel shows it (`GET /admin/accounts`): what it holds
/// and its open orders.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// The wallet.
    pub address: Address,
    /// Its collateral.
    pub collateral: Holding,
    /// Its outcome tokens, by token id.
    pub positions: Vec<Position>,
    /// Its open orders (those it funds), oldest first.
    pub open_orders: Vec<OpenOrder>,
}

/// A balance and the part of it that open orders reserve, in shares or USDC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Holding {
    /// What it holds.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub balance: Decimal,
    /// What its open orders reserve of it.
    #[serde(with = "clobkit_core::serde_util::decimal_str")]
    pub reserved: Decimal,
}

/// A holding of one outcome token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    /// The token.
    pub token: TokenId,
    /// How much.
    #[serde(flatten)]
    pub holding: Holding,
}

/// Every wallet that holds something or has an open order, by address.
pub fn accounts(x: &Exchange) -> Vec<Account> {
    type Accounts = std::collections::BTreeMap<Address, Account>;
    fn account(by: &mut Accounts, address: Address) -> &mut Account {
        by.entry(address).or_insert_with(|| Account {
            address,
            collateral: Holding::default(),
            positions: Vec::new(),
            open_orders: Vec::new(),
        })
    }
    let mut by = Accounts::new();
    for ((address, asset), h) in x.engine.holdings() {
        let holding = Holding {
            balance: units_to_decimal(h.balance),
            reserved: units_to_decimal(h.reserved),
        };
        let a = account(&mut by, address);
        match asset {
            clobkit_engine::Asset::Collateral => a.collateral = holding,
            clobkit_engine::Asset::Token(token) => a.positions.push(Position { token, holding }),
        }
    }
    for r in x.engine.all_resting() {
        if let Some(row) = x.live_order(&r.terms.id) {
            let order = open_order(row);
            account(&mut by, order.maker_address)
                .open_orders
                .push(order);
        }
    }
    by.into_values().collect()
}

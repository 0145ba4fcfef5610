//! The trading commands: every client call from a shell.

use std::time::Duration;

use clap::{Args, Subcommand};
use clobkit_client::{
    BalanceAllowanceParams, ClobClient, CreateOrderOptions, L1, L2, MarketOrderArgs,
    OpenOrderParams, OrderArgs, Pages, PostMode, Public, TradeParams,
};
use clobkit_core::Decimal;
use clobkit_core::auth::ApiCredentials;
use clobkit_core::chain::Chain;
use clobkit_core::signer::LocalSigner;
use clobkit_core::types::parse_address;
use clobkit_core::types::{ApiKey, ConditionId, OrderId, OrderType, Side, SignatureType, TokenId};
use serde::Serialize;

use crate::error::CliError;

/// Connection and identity, from the environment or flags.
#[derive(Args, Debug, Clone)]
pub struct Conn {
    /// The exchange (default: the local one).
    #[arg(
        long,
        global = true,
        env = "CLOB_HOST",
        default_value = "http://127.0.0.1:8080"
    )]
    pub host: String,
    /// 137 (Polygon) or 80002 (Amoy).
    #[arg(long, global = true, env = "CHAIN_ID", default_value = "137")]
    pub chain: String,
    /// The signer's private key (hex).
    #[arg(long, global = true, env = "PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// API key (with SECRET and PASSPHRASE; derived from the private key when absent).
    #[arg(long, global = true, env = "API_KEY")]
    pub api_key: Option<String>,
    /// API secret.
    #[arg(long, global = true, env = "SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// API passphrase.
    #[arg(long, global = true, env = "PASSPHRASE", hide_env_values = true)]
    pub passphrase: Option<String>,
    /// The funder (proxy wallet or Safe; derived for signature types 1 and 2 when absent).
    #[arg(long, global = true, env = "FUNDER_ADDRESS")]
    pub funder: Option<String>,
    /// 0 (EOA), 1 (POLY_PROXY), 2 (POLY_GNOSIS_SAFE).
    #[arg(long, global = true, env = "SIGNATURE_TYPE", default_value = "0")]
    pub signature_type: String,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A trading command.
#[derive(Subcommand, Debug)]
pub enum TradeCmd {
    /// The exchange's clock.
    Time,
    /// Markets (one page).
    Markets {
        /// Page cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// A token's order book.
    Book {
        /// Token id.
        token: String,
    },
    /// Best bid (--side buy) or best ask (--side sell).
    Price {
        /// Token id.
        token: String,
        /// buy or sell.
        #[arg(long, default_value = "buy")]
        side: String,
    },
    /// Midpoint of the best bid and ask.
    Midpoint {
        /// Token id.
        token: String,
    },
    /// Place a limit order (GTC, or GTD with --expiration).
    Order {
        /// Token id.
        #[arg(long)]
        token: String,
        /// buy or sell.
        #[arg(long)]
        side: String,
        /// Limit price.
        #[arg(long)]
        price: String,
        /// Size in shares.
        #[arg(long)]
        size: String,
        /// Unix seconds: makes the order GTD.
        #[arg(long)]
        expiration: Option<u64>,
        /// Reject instead of crossing.
        #[arg(long)]
        post_only: bool,
    },
    /// Place a market order (FOK, or FAK with --fak): BUY spends --amount USDC, SELL sells
    /// --amount shares.
    MarketOrder {
        /// Token id.
        #[arg(long)]
        token: String,
        /// buy or sell.
        #[arg(long)]
        side: String,
        /// USDC (BUY) or shares (SELL).
        #[arg(long)]
        amount: String,
        /// Worst price (default: walk the book).
        #[arg(long)]
        price: Option<String>,
        /// Fill and kill instead of fill or kill.
        #[arg(long)]
        fak: bool,
    },
    /// Cancel orders: by id, all, or by market/asset.
    Cancel {
        /// Order ids.
        ids: Vec<String>,
        /// Every open order.
        #[arg(long)]
        all: bool,
        /// Orders in this market.
        #[arg(long)]
        market: Option<String>,
        /// Orders of this token.
        #[arg(long)]
        asset: Option<String>,
    },
    /// Open orders.
    Orders {
        /// Only this market.
        #[arg(long)]
        market: Option<String>,
        /// Only this token.
        #[arg(long)]
        asset: Option<String>,
    },
    /// Trades.
    Trades {
        /// Only this market.
        #[arg(long)]
        market: Option<String>,
        /// Only this token.
        #[arg(long)]
        asset: Option<String>,
    },
    /// Collateral balance, or a token's with --token.
    Balance {
        /// Token id.
        #[arg(long)]
        token: Option<String>,
    },
    /// API keys.
    Keys {
        #[command(subcommand)]
        action: KeysCmd,
    },
    /// Notifications.
    Notifications {
        #[command(subcommand)]
        action: NotesCmd,
    },
}

/// `keys …`
#[derive(Subcommand, Debug)]
pub enum KeysCmd {
    /// Create credentials (L1).
    Create,
    /// Derive the existing credentials (L1).
    Derive,
    /// List the wallet's keys.
    List,
    /// Delete the key in use.
    Delete,
}

/// `notifications …`
#[derive(Subcommand, Debug)]
pub enum NotesCmd {
    /// List them.
    List,
    /// Dismiss them (all, or the given ids).
    Drop {
        /// Notification ids.
        ids: Vec<u64>,
    },
}

fn parse<T: std::str::FromStr>(what: &'static str, v: &str) -> Result<T, CliError>
where
    T::Err: std::fmt::Display,
{
    v.parse().map_err(|e| CliError::input(what, v, e))
}

fn side(v: &str) -> Result<Side, CliError> {
    parse("side", v)
}

fn public(c: &Conn) -> Result<ClobClient<Public>, CliError> {
    let chain: Chain = parse("chain", &c.chain)?;
    let ty: SignatureType = parse("signature type", &c.signature_type)?;
    let mut b = ClobClient::builder(&c.host).chain(chain).signature_type(ty);
    if let Some(f) = &c.funder {
        b = b.funder(parse_address(f).map_err(|e| CliError::input("funder", f, e))?);
    }
    Ok(b.build()?)
}

fn l1(c: &Conn) -> Result<ClobClient<L1<LocalSigner>>, CliError> {
    let key = c.private_key.as_deref().ok_or(CliError::Missing(
        "this command needs PRIVATE_KEY (or --private-key)",
    ))?;
    // the key itself is never echoed back
    let signer = LocalSigner::from_hex(key).map_err(|e| CliError::input("private key", "…", e))?;
    Ok(public(c)?.with_signer(signer)?)
}

/// An L2 client from the connection options (credentials given, or derived with the key).
pub(crate) async fn l2(c: &Conn) -> Result<ClobClient<L2<LocalSigner>>, CliError> {
    let l1 = l1(c)?;
    let creds = match (&c.api_key, &c.secret, &c.passphrase) {
        (Some(k), Some(s), Some(p)) => ApiCredentials {
            api_key: ApiKey::new(k.clone()).map_err(|e| CliError::input("API key", k, e))?,
            secret: s.clone(),
            passphrase: p.clone(),
        },
        (None, None, None) => {
            eprintln!(
                "no API_KEY/SECRET/PASSPHRASE: creating or deriving them with the private key"
            );
            l1.create_or_derive_api_key(None).await?
        }
        _ => {
            return Err(CliError::Missing(
                "give all of API_KEY, SECRET and PASSPHRASE, or none",
            ));
        }
    };
    Ok(l1.with_credentials(creds)?)
}

fn out<T: Serialize>(json: bool, value: &T, table: impl FnOnce()) -> Result<(), CliError> {
    if json {
        let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Json {
            context: "the answer".into(),
            reason: e.to_string(),
        })?;
        println!("{text}");
    } else {
        table();
    }
    Ok(())
}

/// A spinner on stderr for calls that may page through many results.
fn spinner(msg: &str) -> indicatif::ProgressBar {
    let p = indicatif::ProgressBar::new_spinner();
    p.set_message(msg.to_owned());
    p.enable_steady_tick(Duration::from_millis(100));
    p
}

fn token(v: &str) -> Result<TokenId, CliError> {
    parse("token id", v)
}

fn cond(v: &str) -> Result<ConditionId, CliError> {
    parse("condition id", v)
}

/// Runs a trading command.
pub async fn run(c: &Conn, cmd: TradeCmd) -> Result<(), CliError> {
    let json = c.json;
    match cmd {
        TradeCmd::Time => {
            let t = public(c)?.get_server_time().await.map_err(CliError::from)?;
            out(json, &t, || println!("{t}"))
        }
        TradeCmd::Markets { cursor } => {
            let p = public(c)?
                .get_markets(cursor.as_deref())
                .await
                .map_err(CliError::from)?;
            out(json, &p, || {
                println!(
                    "{:<68} {:>6} {:>8} {:<8} tokens",
                    "condition", "tick", "min", "state"
                );
                for m in &p.data {
                    let tokens: Vec<String> = m
                        .tokens
                        .iter()
                        .map(|t| format!("{}={}", t.outcome, t.token_id))
                        .collect();
                    let state = if m.closed { "closed" } else { "open" };
                    println!(
                        "{:<68} {:>6} {:>8} {:<8} {}",
                        m.condition_id,
                        m.minimum_tick_size.as_str(),
                        m.minimum_order_size.to_string(),
                        state,
                        tokens.join(" ")
                    );
                }
                println!("next cursor: {}", p.next_cursor.as_str());
            })
        }
        TradeCmd::Book { token: t } => {
            let b = public(c)?
                .get_order_book(&token(&t)?)
                .await
                .map_err(CliError::from)?;
            out(json, &b, || {
                println!(
                    "{:>12} {:>8} | {:<8} {:<12}",
                    "bid size", "bid", "ask", "ask size"
                );
                let (bids, asks): (Vec<_>, Vec<_>) =
                    (b.bids.iter().rev().collect(), b.asks.iter().rev().collect());
                for i in 0..bids.len().max(asks.len()) {
                    let (bs, bp) = bids.get(i).map_or((String::new(), String::new()), |l| {
                        (l.size.to_string(), l.price.to_string())
                    });
                    let (ap, az) = asks.get(i).map_or((String::new(), String::new()), |l| {
                        (l.price.to_string(), l.size.to_string())
                    });
                    println!("{bs:>12} {bp:>8} | {ap:<8} {az:<12}");
                }
                println!(
                    "tick {} · minimum {} · last {}",
                    b.tick_size,
                    b.min_order_size,
                    b.last_trade_price
                        .map_or_else(|| "none yet".to_owned(), |p| p.to_string())
                );
            })
        }
        TradeCmd::Price { token: t, side: s } => {
            let p = public(c)?
                .get_price(&token(&t)?, side(&s)?)
                .await
                .map_err(CliError::from)?;
            out(json, &p.to_string(), || println!("{p}"))
        }
        TradeCmd::Midpoint { token: t } => {
            let p = public(c)?
                .get_midpoint(&token(&t)?)
                .await
                .map_err(CliError::from)?;
            out(json, &p.to_string(), || println!("{p}"))
        }
        TradeCmd::Order {
            token: t,
            side: s,
            price,
            size,
            expiration,
            post_only,
        } => {
            // the arguments are read before anything is sent
            let mode = if post_only {
                PostMode::PostOnly
            } else {
                PostMode::Normal
            };
            let mut args = OrderArgs::new(
                token(&t)?,
                parse::<Decimal>("price", &price)?,
                parse::<Decimal>("size", &size)?,
                side(&s)?,
            );
            let ty = match expiration {
                Some(e) => {
                    args.expiration = e;
                    OrderType::Gtd
                }
                None => OrderType::Gtc,
            };
            let client = l2(c).await?;
            let order = client
                .create_order(&args, CreateOrderOptions::default())
                .await
                .map_err(CliError::from)?;
            let r = client
                .post_order_with(order, ty, mode)
                .await
                .map_err(CliError::from)?;
            out(json, &r, || print_response(&r))
        }
        TradeCmd::MarketOrder {
            token: t,
            side: s,
            amount,
            price,
            fak,
        } => {
            let mut args =
                MarketOrderArgs::new(token(&t)?, parse::<Decimal>("amount", &amount)?, side(&s)?);
            args.price = price
                .as_deref()
                .map(|p| parse::<Decimal>("price", p))
                .transpose()?;
            if fak {
                args.order_type = OrderType::Fak;
            }
            let client = l2(c).await?;
            let r = client
                .create_and_post_market_order(&args, CreateOrderOptions::default())
                .await
                .map_err(CliError::from)?;
            out(json, &r, || print_response(&r))
        }
        TradeCmd::Cancel {
            ids,
            all,
            market,
            asset,
        } => {
            let client = l2(c).await?;
            let r = if all {
                client.cancel_all().await
            } else if market.is_some() || asset.is_some() {
                let m = market.as_deref().map(cond).transpose()?;
                let a = asset.as_deref().map(token).transpose()?;
                client.cancel_market_orders(m.as_ref(), a.as_ref()).await
            } else if ids.len() == 1 {
                client
                    .cancel_order(&parse::<OrderId>("order id", &ids[0])?)
                    .await
            } else if !ids.is_empty() {
                let ids: Vec<OrderId> = ids
                    .iter()
                    .map(|i| parse("order id", i))
                    .collect::<Result<_, _>>()?;
                client.cancel_orders(&ids).await
            } else {
                return Err(CliError::Missing(
                    "give order ids, --all, --market or --asset",
                ));
            }
            .map_err(CliError::from)?;
            out(json, &r, || {
                println!("cancelled {}", r.canceled.len());
                for id in &r.canceled {
                    println!("  {id}");
                }
                for (id, why) in &r.not_canceled {
                    println!("  not cancelled {id}: {why}");
                }
            })
        }
        TradeCmd::Orders { market, asset } => {
            let client = l2(c).await?;
            let mut params = OpenOrderParams::default();
            params.market = market.as_deref().map(cond).transpose()?;
            params.asset_id = asset.as_deref().map(token).transpose()?;
            let bar = spinner("fetching open orders");
            let orders = client
                .get_open_orders(&params, Pages::All, None)
                .await
                .map_err(CliError::from);
            bar.finish_and_clear();
            let orders = orders?;
            out(json, &orders, || {
                println!(
                    "{:<68} {:<5} {:>8} {:>10} {:>10} type",
                    "id", "side", "price", "size", "matched"
                );
                for o in &orders {
                    println!(
                        "{:<68} {:<5} {:>8} {:>10} {:>10} {}",
                        o.id.to_string(),
                        o.side.as_str(),
                        o.price.to_string(),
                        o.original_size.to_string(),
                        o.size_matched.to_string(),
                        o.order_type
                    );
                }
                println!("{} open", orders.len());
            })
        }
        TradeCmd::Trades { market, asset } => {
            let client = l2(c).await?;
            let mut params = TradeParams::default();
            params.market = market.as_deref().map(cond).transpose()?;
            params.asset_id = asset.as_deref().map(token).transpose()?;
            let bar = spinner("fetching trades");
            let trades = client
                .get_trades(&params, Pages::All, None)
                .await
                .map_err(CliError::from);
            bar.finish_and_clear();
            let trades = trades?;
            out(json, &trades, || {
                println!(
                    "{:<36} {:<5} {:>10} {:>8} {:<6} status",
                    "id", "side", "size", "price", "role"
                );
                for t in &trades {
                    println!(
                        "{:<36} {:<5} {:>10} {:>8} {:<6} {}",
                        t.id,
                        t.side.as_str(),
                        t.size.to_string(),
                        t.price.to_string(),
                        t.trader_side.as_str(),
                        t.status
                    );
                }
                println!("{} trades", trades.len());
            })
        }
        TradeCmd::Balance { token: t } => {
            let client = l2(c).await?;
            let p = match t {
                Some(t) => BalanceAllowanceParams::conditional(token(&t)?),
                None => BalanceAllowanceParams::collateral(),
            };
            let b = client
                .get_balance_allowance(&p)
                .await
                .map_err(CliError::from)?;
            out(json, &b, || {
                println!(
                    "{} ({} base units)",
                    clobkit_core::amounts::from_base_units(
                        u64::try_from(b.balance).unwrap_or(u64::MAX)
                    ),
                    b.balance
                )
            })
        }
        TradeCmd::Keys { action } => match action {
            KeysCmd::Create => {
                let k = l1(c)?.create_api_key(None).await.map_err(CliError::from)?;
                out(json, &k, || print_creds(&k))
            }
            KeysCmd::Derive => {
                let k = l1(c)?.derive_api_key(None).await.map_err(CliError::from)?;
                out(json, &k, || print_creds(&k))
            }
            KeysCmd::List => {
                let keys = l2(c).await?.get_api_keys().await.map_err(CliError::from)?;
                out(json, &keys, || keys.iter().for_each(|k| println!("{k}")))
            }
            KeysCmd::Delete => {
                l2(c)
                    .await?
                    .delete_api_key()
                    .await
                    .map_err(CliError::from)?;
                out(json, &"deleted", || println!("deleted"))
            }
        },
        TradeCmd::Notifications { action } => {
            let client = l2(c).await?;
            match action {
                NotesCmd::List => {
                    let n = client.get_notifications().await.map_err(CliError::from)?;
                    out(json, &n, || {
                        for x in &n {
                            let what = match x.kind {
                                1 => "order cancelled",
                                2 => "order filled",
                                4 => "market resolved",
                                _ => "other",
                            };
                            println!("{:>6} {what:<16} {}", x.id, x.payload);
                        }
                    })
                }
                NotesCmd::Drop { ids } => {
                    let ids = if ids.is_empty() {
                        client
                            .get_notifications()
                            .await
                            .map_err(CliError::from)?
                            .iter()
                            .map(|n| n.id)
                            .collect()
                    } else {
                        ids
                    };
                    client
                        .drop_notifications(&ids)
                        .await
                        .map_err(CliError::from)?;
                    out(json, &ids, || println!("dropped {}", ids.len()))
                }
            }
        }
    }
}

fn print_creds(k: &ApiCredentials) {
    println!(
        "API_KEY={}\nSECRET={}\nPASSPHRASE={}",
        k.api_key, k.secret, k.passphrase
    );
}

fn print_response(r: &clobkit_core::wire::OrderResponse) {
    let a = |d: &Option<Decimal>| d.map_or("-".to_owned(), |x| x.to_string());
    println!(
        "{} {} · gave {} · got {} · trades {}",
        r.order_id,
        r.status.as_ref().map_or("?", |s| s.as_str()),
        a(&r.making_amount),
        a(&r.taking_amount),
        r.trade_ids.len()
    );
}

//! What a build would send to each engine: characters and requests of the
//! sentences the cache does not hold, and, where `[engines.NAME]` gives a
//! price, what that costs. `pod status` shows it; `pod build` refuses to
//! start when it is over an engine's `max_characters` (unless told).

use std::collections::BTreeMap;

use super::graph::BuildGraph;
use crate::cache::Store;
use crate::engines::options::EnginesOptions;
use crate::steps::TtsPart;

/// One engine's share of a build.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spend {
    pub characters: u64,
    pub requests: u64,
    /// In the currency of `price_per_million_chars`, where it is set.
    pub cost: Option<f64>,
}

/// The sentences not in `store`, by engine, priced by `options`.
pub fn to_send(
    graph: &BuildGraph,
    store: &Store,
    options: &EnginesOptions,
) -> BTreeMap<String, Spend> {
    let mut spend: BTreeMap<String, Spend> = BTreeMap::new();
    for node in &graph.tts {
        if store.lookup(&node.key).is_some() {
            continue;
        }
        let engine = node.input.engine.name.as_str();
        let entry = spend.entry(engine.to_string()).or_default();
        entry.characters += node.input.characters() as u64;
        entry.requests += node
            .input
            .parts
            .iter()
            .map(|part| match part {
                TtsPart::Text(text) => crate::engines::requests_for(engine, text) as u64,
                TtsPart::BreakMs(_) => 0,
            })
            .sum::<u64>();
    }
    for (engine, entry) in &mut spend {
        if let Some(price) = options.get(engine).and_then(|o| o.price_per_million_chars) {
            entry.cost = Some(entry.characters as f64 * price.0 / 1e6);
        }
    }
    spend
}

/// Engines whose spend is over their `max_characters`: name, spend, limit.
pub fn over_limit<'a>(
    spend: &'a BTreeMap<String, Spend>,
    options: &EnginesOptions,
) -> Vec<(&'a str, Spend, u64)> {
    spend
        .iter()
        .filter_map(|(engine, entry)| {
            let limit = options.get(engine)?.max_characters?;
            (entry.characters > limit).then_some((engine.as_str(), *entry, limit))
        })
        .collect()
}

/// `12,345 characters in 67 requests to the http engine (about 0.19 at 15
/// per million characters)`; for an engine that runs here, with no requests
/// to count, `1,234 characters with the hibari engine`.
pub fn describe(spend: &Spend, engine: &str, options: &EnginesOptions) -> String {
    let mut text = if sends(engine) {
        let requests = if spend.requests == 1 {
            "request"
        } else {
            "requests"
        };
        format!(
            "{} characters in {} {requests} to the {engine} engine",
            thousands(spend.characters),
            spend.requests
        )
    } else {
        format!(
            "{} characters with the {engine} engine",
            thousands(spend.characters)
        )
    };
    let price = options.get(engine).and_then(|o| o.price_per_million_chars);
    if let (Some(cost), Some(price)) = (spend.cost, price) {
        text.push_str(&format!(
            " (about {} at {} per million characters)",
            money(cost),
            price.0
        ));
    }
    text
}

/// Whether `engine` sends its text away (to a server) rather than speaking it
/// here: the verb for what a build would do with its characters.
pub fn sends(engine: &str) -> bool {
    crate::engines::find(engine).is_some_and(|engine| engine.network())
}

/// Two decimals, or two significant digits for less than a cent.
fn money(amount: f64) -> String {
    if amount >= 0.01 || amount == 0.0 {
        format!("{amount:.2}")
    } else {
        let decimals = (1.0 - amount.log10().floor()) as usize;
        format!("{amount:.decimals$}")
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_separators_and_prices() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        let spend = Spend {
            characters: 2_000_000,
            requests: 1,
            cost: Some(30.0),
        };
        let options = EnginesOptions::from([(
            "http".to_string(),
            crate::engines::options::EngineOptions {
                price_per_million_chars: Some(crate::engines::settings::Decimal(15.0)),
                ..Default::default()
            },
        )]);
        assert_eq!(
            describe(&spend, "http", &options),
            "2,000,000 characters in 1 request to the http engine \
             (about 30.00 at 15 per million characters)"
        );
        assert_eq!(
            describe(&spend, "hibari", &EnginesOptions::new()),
            "2,000,000 characters with the hibari engine"
        );
        assert_eq!(money(0.00063), "0.00063");
        assert_eq!(money(0.0), "0.00");
        assert_eq!(money(1.005), "1.00");
    }
}

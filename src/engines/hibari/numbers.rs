//! English number words as num2words spells them (which misaki reads):
//! cardinals with "and" and commas, ordinals, years and decimals. The caller
//! splits the result on non-letters, so punctuation only has to be in the
//! same places as num2words puts it.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const SCALES: [&str; 12] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
    "sextillion",
    "septillion",
    "octillion",
    "nonillion",
    "decillion",
];

fn below_thousand(mut n: u64) -> Vec<String> {
    let mut words = Vec::new();
    if n >= 100 {
        words.push(ONES[(n / 100) as usize].to_string());
        words.push("hundred".to_string());
        n %= 100;
        if n > 0 {
            words.push("and".to_string());
        }
    }
    if n >= 20 {
        let tens = TENS[(n / 10) as usize];
        words.push(if !n.is_multiple_of(10) {
            format!("{tens}-{}", ONES[(n % 10) as usize])
        } else {
            tens.to_string()
        });
    } else if n > 0 || words.is_empty() {
        words.push(ONES[n as usize].to_string());
    }
    words
}

/// "one thousand, two hundred and thirty-four"; "one thousand and one".
pub fn cardinal(n: i128) -> String {
    if n < 0 {
        return format!("minus {}", cardinal(-n));
    }
    let mut n = n as u128;
    if n < 1000 {
        return below_thousand(n as u64).join(" ");
    }
    let mut groups = Vec::new();
    let mut scale = 0;
    while n > 0 {
        let group = (n % 1000) as u64;
        n /= 1000;
        if group > 0 {
            let mut text = below_thousand(group).join(" ");
            if scale > 0 {
                text.push(' ');
                text.push_str(SCALES.get(scale).copied().unwrap_or(""));
            }
            groups.push(text);
        }
        scale += 1;
    }
    groups.reverse();
    let last = groups.last().cloned().unwrap_or_default();
    let after_and = last.rsplit(" and ").next().unwrap_or("");
    // num2words joins a last group without hundreds with "and", not a comma.
    if groups.len() > 1 && !after_and.contains(' ') && !last.contains("hundred") {
        let head = groups[..groups.len() - 1].join(", ");
        return format!("{head} and {last}");
    }
    groups.join(", ")
}

fn ordinal_word(word: &str) -> String {
    match word {
        "one" => "first".into(),
        "two" => "second".into(),
        "three" => "third".into(),
        "five" => "fifth".into(),
        "eight" => "eighth".into(),
        "nine" => "ninth".into(),
        "twelve" => "twelfth".into(),
        w if w.ends_with('y') => format!("{}ieth", &w[..w.len() - 1]),
        w => format!("{w}th"),
    }
}

/// "twenty-third", "one hundred and first".
pub fn ordinal(n: i128) -> String {
    let words = cardinal(n);
    let (head, last) = match words.rfind(' ') {
        Some(i) => (&words[..=i], &words[i + 1..]),
        None => ("", words.as_str()),
    };
    let last = match last.rfind('-') {
        Some(i) => format!("{}-{}", &last[..i], ordinal_word(&last[i + 1..])),
        None => ordinal_word(last),
    };
    format!("{head}{last}")
}

/// "nineteen sixty-nine", "nineteen oh-five", "two thousand and five".
pub fn year(n: i128) -> String {
    let (high, low) = (n.div_euclid(100), n.rem_euclid(100));
    if high == 0 || (high % 10 == 0 && low < 10) || high >= 100 {
        return cardinal(n);
    }
    let low_text = if low == 0 {
        "hundred".to_string()
    } else if low < 10 {
        format!("oh-{}", cardinal(low))
    } else {
        cardinal(low)
    };
    format!("{} {low_text}", cardinal(high))
}

/// "3.14" -> "three point one four"; trailing zeros dropped as float() would.
pub fn decimal(text: &str) -> String {
    let (int_part, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = frac.trim_end_matches('0');
    let mut words = cardinal(int_part.parse().unwrap_or(0));
    if !frac.is_empty() {
        words.push_str(" point");
        for c in frac.chars() {
            words.push(' ');
            words.push_str(ONES[c.to_digit(10).unwrap_or(0) as usize]);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals_match_num2words() {
        assert_eq!(cardinal(0), "zero");
        assert_eq!(cardinal(115), "one hundred and fifteen");
        assert_eq!(cardinal(1001), "one thousand and one");
        assert_eq!(cardinal(1234), "one thousand, two hundred and thirty-four");
        assert_eq!(cardinal(2_000_020), "two million and twenty");
    }

    #[test]
    fn ordinals_and_years() {
        assert_eq!(ordinal(3), "third");
        assert_eq!(ordinal(21), "twenty-first");
        assert_eq!(ordinal(40), "fortieth");
        assert_eq!(ordinal(112), "one hundred and twelfth");
        assert_eq!(year(1969), "nineteen sixty-nine");
        assert_eq!(year(1905), "nineteen oh-five");
        assert_eq!(year(2005), "two thousand and five");
        assert_eq!(year(2024), "twenty twenty-four");
        assert_eq!(year(1900), "nineteen hundred");
        assert_eq!(decimal("12.50"), "twelve point five");
    }
}

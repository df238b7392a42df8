//! Medians and spreads of repeated measurements.

use serde::{Deserialize, Serialize};

/// Repeated measurements of one thing, in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Series {
    /// What was measured.
    pub name: String,
    /// Every sample, in the order taken.
    pub samples_ms: Vec<f64>,
}

impl Series {
    /// An empty series named `name`.
    pub fn new(name: &str) -> Series {
        Series {
            name: name.to_string(),
            samples_ms: Vec::new(),
        }
    }

    /// An unnamed series of `samples` in some other unit (requests a second, ratios):
    /// its quantiles hold for any unit, only [`Series::describe`] says milliseconds.
    pub fn of(samples: impl IntoIterator<Item = f64>) -> Series {
        Series {
            name: String::new(),
            samples_ms: samples.into_iter().collect(),
        }
    }

    fn sorted(&self) -> Vec<f64> {
        let mut sorted = self.samples_ms.clone();
        sorted.sort_by(f64::total_cmp);
        sorted
    }

    /// The `q` quantile (0 to 1), interpolated; 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        let sorted = self.sorted();
        if sorted.is_empty() {
            return 0.0;
        }
        let position = q * (sorted.len() - 1) as f64;
        let (low, high) = (position.floor() as usize, position.ceil() as usize);
        sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
    }

    /// The median.
    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// `median (p25-p75, min-max, n)` in milliseconds, to a tenth.
    pub fn describe(&self) -> String {
        self.describe_to(1)
    }

    /// `median (p25-p75, min-max, n)` in milliseconds, to `decimals` places.
    pub fn describe_to(&self, decimals: usize) -> String {
        let sorted = self.sorted();
        match (sorted.first(), sorted.last()) {
            (Some(min), Some(max)) => format!(
                "{:.decimals$} ms (p25-p75 {:.decimals$}-{:.decimals$}, min-max {:.decimals$}-{:.decimals$}, n={})",
                self.median(),
                self.quantile(0.25),
                self.quantile(0.75),
                min,
                max,
                sorted.len()
            ),
            _ => "no samples".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let series = Series {
            name: "x".into(),
            samples_ms: vec![4.0, 1.0, 3.0, 2.0],
        };
        assert_eq!(series.median(), 2.5);
        assert_eq!(series.quantile(0.0), 1.0);
        assert_eq!(series.quantile(1.0), 4.0);
        assert!(series.describe().starts_with("2.5 ms (p25-p75 1.8-3.2"));
        assert!(
            series
                .describe_to(3)
                .starts_with("2.500 ms (p25-p75 1.750-3.250")
        );
        assert_eq!(Series::new("empty").median(), 0.0);
    }
}

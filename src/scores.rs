//! Scores to decisions: the two functions every path that turns class
//! scores into a decision shares.
//!
//! The training path, the compiled scorer, cross-validation and
//! classification all end the same way: a softmax over the class scores,
//! and the class with the highest one (ties to the first class). They live
//! here, below both the features and the model, so that every path uses
//! the same two.

/// The index of the largest value; the first of equal maxima wins, so ties
/// break by class order.
pub(crate) fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// Softmax in place, stable against large scores.
pub(crate) fn softmax(mut scores: Vec<f32>) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut total = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        total += *s;
    }
    scores.iter_mut().for_each(|s| *s /= total);
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable() {
        let p = softmax(vec![1000.0, 0.0, -1000.0]);
        assert!(p.iter().all(|x| x.is_finite()));
        assert!((p[0] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn ties_go_to_the_first_class() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.1]), 0);
    }
}

/// Decimals of every float written in machine-readable output (`json`,
/// `jsonl`, `csv`, reports with `--format json`): probabilities,
/// confidences, evidence weights, net stance, shares, metrics. Four carry
/// all a reader can use (a probability to 1/10,000), and one policy keeps a
/// document from mixing `-0.23333333432674408` with `-0.46666667`.
pub const DECIMALS: i32 = 4;

/// `x` rounded to [`DECIMALS`] decimals (and never `-0`).
pub fn round_figure(x: f64) -> f64 {
    let scale = 10f64.powi(DECIMALS);
    let r = (x * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

pub(crate) fn rounded_f64<S: serde::Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round_figure(*x))
}

pub(crate) fn rounded_f32<S: serde::Serializer>(x: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round_figure(*x as f64))
}

pub(crate) fn rounded_option<S: serde::Serializer>(x: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => serializer.serialize_some(&round_figure(*x)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod rounding_tests {
    use super::*;

    #[test]
    fn figures_have_four_decimals_and_no_negative_zero() {
        assert_eq!(round_figure(-0.23333333432674408), -0.2333);
        assert_eq!(round_figure(-0.46666667f32 as f64), -0.4667);
        assert_eq!(round_figure(-0.00001).to_string(), "0");
        let mut out = Vec::new();
        rounded_f32(&0.123456f32, &mut serde_json::Serializer::new(&mut out)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "0.1235");
    }
}

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
